"""`tf.compat`: `tf.compat.v1` (graphgrad is the TensorFlow 1.x API, so `tf.compat.v1.X` is `tf.X`:
`tf.compat.v1.data.make_one_shot_iterator(dataset)`, `tf.compat.v1.placeholder`, ...) and TF1's bytes/text
helpers that data-reading code uses (`tf.compat.as_str(zipfile.read(name)).split()` in word2vec programs)."""
import sys

v1 = sys.modules[__name__.rsplit(".", 1)[0]]

__all__ = ["as_bytes", "as_str", "as_str_any", "as_text", "v1"]


def as_bytes(bytes_or_text, encoding="utf-8"):
    """`bytes` as they are (a bytearray copied), `str` encoded; anything else is TF1's TypeError."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8"):
    """`str` as it is, `bytes` decoded; anything else is TF1's TypeError."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text  # Python 3's str is text


def as_str_any(value, encoding="utf-8"):
    """Bytes decoded, anything else through `str()`."""
    return as_str(value, encoding) if isinstance(value, bytes) else str(value)
