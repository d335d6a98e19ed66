"""Records of text and fixed-length files, streamed from an open (possibly decompressing) binary file: what TF1's
queue readers (`TextLineReader`, `FixedLengthRecordReader`: reader_ops.py) and the datasets
(`tf.data.TextLineDataset`, `FixedLengthRecordDataset`: data/readers.py) both read."""
from __future__ import annotations

__all__ = ["lines", "fixed_length_records"]


def lines(f):
    """The lines of `f` without their line ends: `\\n` or `\\r\\n` (TF's ReadLine); a last line without a line end
    is a line, an ending line end adds none."""
    for line in f:
        if line.endswith(b"\n"):
            line = line[:-1]
        yield line[:-1] if line.endswith(b"\r") else line


def fixed_length_records(f, record_bytes, header_bytes=0, footer_bytes=0, hop_bytes=0):
    """Records of `record_bytes` bytes of `f` after `header_bytes` and before the last `footer_bytes`, starting
    every `hop_bytes` (0: back to back); read ahead by the footer's length only. Returns (StopIteration's value)
    how many body bytes were left over after the last whole record."""
    hop, need = hop_bytes or record_bytes, record_bytes + footer_bytes
    f.read(header_bytes)
    buf = b""  # the body from the next record's start on, read ahead by the footer's length
    while True:
        while len(buf) < need:
            chunk = f.read(need - len(buf))
            if not chunk:
                return max(len(buf) - footer_bytes, 0)
            buf += chunk
        yield buf[:record_bytes]
        gap, buf = hop - len(buf), buf[hop:]
        if gap > 0 and len(f.read(gap)) < gap:  # records further apart than what was read ahead
            return 0
