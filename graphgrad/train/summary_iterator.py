"""`tf.train.summary_iterator(path)`: the `Event` protos of a TensorBoard events file, graphgrad's FileWriter's or
TensorFlow's (both are TFRecords of serialized `Event`s), read as they are asked for. The protobuf classes load
on first use, as `tf.summary` does."""
from __future__ import annotations

from ..io.tfrecord import tf_record_iterator

__all__ = ["summary_iterator"]


def summary_iterator(path):
    """Yield each `Event` of events file `path` (`.wall_time`, `.step`, `.summary.value`, `.file_version`, ...);
    a corrupted record is a DataLossError naming the file and offset."""
    from ..summary.writer import Event

    for record in tf_record_iterator(path):
        yield Event.FromString(record)
