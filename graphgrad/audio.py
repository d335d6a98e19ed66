"""`tf.audio`: 16-bit PCM WAV files in and out (ops/audio_ops.py)."""
from .ops.audio_ops import decode_wav, encode_wav

__all__ = ["decode_wav", "encode_wav"]
