"""TF1's `tf.python_io`: TFRecord files (graphgrad/io/tfrecord.py)."""
from .io.tfrecord import TFRecordCompressionType, TFRecordOptions, TFRecordWriter, tf_record_iterator

__all__ = ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter", "tf_record_iterator"]
