"""`tf.io` (and, through graphgrad.python_io, TF1's `tf.python_io`): TFRecord files and tf.train.Example parsing
(docs/data.md, "TFRecord files")."""
from .. import gfile  # noqa: F401  (tf.io.gfile)
from ..ops.image_codec_ops import *  # noqa: F403  (tf.io.decode_png, ...: the same ops as tf.image's)
from ..ops.image_codec_ops import __all__ as _codecs
from ..ops.io_ops import write_file
from ..ops.jpeg_ops import decode_and_crop_jpeg, extract_jpeg_shape, is_jpeg
from ..ops.queue_ops import PaddingFIFOQueue, PriorityQueue, QueueBase, RandomShuffleQueue
from ..ops.string_ops import decode_base64, encode_base64
from ..train.input import match_filenames_once
from .decode_ops import decode_csv, decode_raw, matching_files, read_file
from .parsing_ops import (
    FixedLenFeature,
    FixedLenSequenceFeature,
    SparseFeature,
    VarLenFeature,
    parse_example,
    parse_sequence_example,
    parse_single_example,
    parse_single_sequence_example,
)
from .proto_ops import decode_proto, encode_proto
from .sparse_codec_ops import deserialize_many_sparse, serialize_many_sparse, serialize_sparse
from .string_codec_ops import decode_compressed, decode_json_example, parse_tensor, serialize_tensor
from .tfrecord import TFRecordCompressionType, TFRecordOptions, TFRecordWriter, tf_record_iterator

__all__ = ["decode_proto", "encode_proto",
           "decode_csv", "decode_raw", "matching_files", "read_file", "decode_compressed", "decode_json_example",
           "parse_tensor", "serialize_tensor", "decode_base64", "encode_base64",
           "FixedLenFeature", "FixedLenSequenceFeature", "SparseFeature", "TFRecordCompressionType", "TFRecordOptions",
           "TFRecordWriter", "VarLenFeature", "parse_example", "parse_single_example", "parse_single_sequence_example",
           "parse_sequence_example",
           "tf_record_iterator", "write_file", "serialize_sparse", "serialize_many_sparse", "deserialize_many_sparse",
           "PaddingFIFOQueue", "PriorityQueue", "QueueBase", "RandomShuffleQueue", "match_filenames_once",
           "decode_and_crop_jpeg", "extract_jpeg_shape", "is_jpeg",
           *_codecs]  # and write_graph, loaded on first use


def __getattr__(name):
    """`write_graph` loads graph_io's protobufs on first use (as `tf.train.write_graph`)."""
    if name == "write_graph":
        from ..graph_io import write_graph

        return write_graph
    raise AttributeError(f"module 'graphgrad.io' has no attribute {name!r}")
