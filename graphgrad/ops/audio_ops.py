"""`tf.audio.encode_wav` / `decode_wav` (ops EncodeWav, DecodeWav): 16-bit PCM WAV files as TF's wav_io reads
and writes them. A float sample becomes round(x·32768) clamped to [-32768, 32767] and comes back as s/32768, so
1.0 decodes as 0.9999695 (TF's numbers). decode_wav takes the first `desired_channels` channels (repeating the last
channel when more are asked for) and pads with zeros or cuts to `desired_samples`; a malformed file is TF's
InvalidArgumentError."""
from __future__ import annotations

import collections
import struct

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.graph import name_scope
from ..framework.op_def import OpDef, not_differentiable, static_shape
from .core import apply_op, convert_to_tensor
from .io_ops import host_bytes

__all__ = ["decode_wav", "encode_wav"]


def _rank(op, i, rank):
    s = static_shape(op.inputs[i])
    if s is not None and len(s) != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {len(s)}")


def wav_bytes(audio, sample_rate) -> bytes:
    """A [samples, channels] float array as 16-bit PCM WAV file bytes."""
    samples, channels = audio.shape
    pcm = np.clip(np.round(audio.astype(np.float32) * np.float32(32768)), -32768, 32767).astype("<i2")
    data = pcm.tobytes()
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1, channels,
                         sample_rate, sample_rate * channels * 2, channels * 2, 16, b"data", len(data))
    return header + data


def _bad(op, msg):
    return InvalidArgumentError(op.node_def, op, msg)


def parse_wav(op, contents):
    """(float32 [samples, channels], sample rate) of 16-bit PCM WAV bytes, with TF's errors."""
    pos = 0

    def read(n, what="string"):
        nonlocal pos
        if pos + n > len(contents):
            raise _bad(op, f"Data too short when trying to read {what}")
        out = contents[pos:pos + n]
        pos += n
        return out

    def expect(tag):
        got = read(4)
        if got != tag:
            raise _bad(op, f"Header mismatch: Expected {tag.decode()} but found {got.decode('latin-1')}")
    expect(b"RIFF")
    read(4, "uint32")
    expect(b"WAVE")
    expect(b"fmt ")
    fmt_size = struct.unpack("<I", read(4, "uint32"))[0]
    if fmt_size not in (16, 18):
        raise _bad(op, f"Bad format chunk size for WAV: Expected 16 or 18, but got{fmt_size}")
    audio_format, channels, rate, _, _, bits = struct.unpack("<HHIIHH", read(16, "uint16"))
    read(fmt_size - 16)
    if audio_format != 1:
        raise _bad(op, f"Bad audio format for WAV: Expected 1 (PCM), but got{audio_format}")
    if channels < 1:
        raise _bad(op, "Bad number of channels for WAV file: 0")
    if bits != 16:
        raise _bad(op, f"Can only read 16-bit WAV files, but received {bits}")
    while True:
        tag = read(4)
        size = struct.unpack("<I", read(4, "uint32"))[0]
        if tag == b"data":
            data = read(size)
            break
        read(size)
    frames = len(data) // (2 * channels)
    pcm = np.frombuffer(data[:frames * 2 * channels], "<i2").reshape(frames, channels)
    return pcm.astype(np.float32) / np.float32(32768), rate


class EncodeWav(OpDef):
    """EncodeWav(audio [samples, channels] float32, sample_rate int32 scalar) -> a WAV file (string scalar)."""

    type = "EncodeWav"
    gradient = not_differentiable

    def infer(op):
        _rank(op, 0, 2)
        _rank(op, 1, 0)
        return [((), dtypes.string)]

    def kernel(op, ctx):
        to_host = ctx.to_host

        def encode_wav(audio, sample_rate):
            return np.array(wav_bytes(np.asarray(to_host(audio)), int(to_host(sample_rate))), dtype=object)
        return encode_wav


class DecodeWav(OpDef):
    """DecodeWav(contents) -> audio float32 [samples, channels], sample_rate int32 (attrs desired_channels,
    desired_samples: -1 keeps the file's)."""

    type = "DecodeWav"
    gradient = not_differentiable

    def infer(op):
        _rank(op, 0, 0)
        samples, channels = op.attrs["desired_samples"], op.attrs["desired_channels"]
        return [((None if samples == -1 else samples, None if channels == -1 else channels), dtypes.float32),
                ((), dtypes.int32)]

    def kernel(op, ctx):
        to_device = ctx.to_device
        samples, channels = op.attrs["desired_samples"], op.attrs["desired_channels"]

        def decode_wav(contents):
            audio, rate = parse_wav(op, host_bytes(op, ctx, contents, "contents"))
            if channels != -1:
                audio = audio[:, np.minimum(np.arange(channels), audio.shape[1] - 1)]
            if samples != -1:
                out = np.zeros((samples, audio.shape[1]), np.float32)
                out[:min(samples, len(audio))] = audio[:samples]
                audio = out
            return [to_device(np.ascontiguousarray(audio)), to_device(np.int32(rate))]
        return decode_wav


#: What decode_wav returns (TF's namedtuple of the op's outputs).
DecodeWavResult = collections.namedtuple("DecodeWav", ["audio", "sample_rate"])


def encode_wav(audio, sample_rate, name=None):
    """A 16-bit PCM WAV file (string scalar) of float samples `audio` [samples, channels] in [-1, 1]."""
    with name_scope(name, "EncodeWav") as scope:
        audio = convert_to_tensor(audio, dtypes.float32, name="audio")
        rate = convert_to_tensor(sample_rate, dtypes.int32, name="sample_rate")
        return apply_op(EncodeWav, [audio, rate], {}, scope)


def decode_wav(contents, desired_channels=-1, desired_samples=-1, name=None):
    """(audio float32 [samples, channels] in [-1, 1), sample_rate int32) of a 16-bit PCM WAV file."""
    with name_scope(name, "DecodeWav") as scope:
        contents = convert_to_tensor(contents, dtypes.string, name="contents")
        out = apply_op(DecodeWav, [contents], {"desired_channels": int(desired_channels),
                                               "desired_samples": int(desired_samples)}, scope)
        return DecodeWavResult(*out)
