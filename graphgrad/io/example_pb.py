"""TensorFlow's `tf.train.Example` protocol buffers, built with the protobuf library from TF's published message
definitions (tensorflow/core/example/feature.proto and example.proto), field for field:

    syntax = "proto3";  package tensorflow;
    message BytesList { repeated bytes value = 1; }
    message FloatList { repeated float value = 1 [packed = true]; }
    message Int64List { repeated int64 value = 1 [packed = true, jstype = JS_STRING]; }
    message Feature { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
    message Features { map<string, Feature> feature = 1; }
    message FeatureList { repeated Feature feature = 1; }
    message FeatureLists { map<string, FeatureList> feature_list = 1; }
    // example.proto (imports feature.proto)
    message Example { Features features = 1; }
    message SequenceExample { Features context = 1; FeatureLists feature_lists = 2; }

The two files are described as `FileDescriptorProto`s (what protoc would emit for them) and loaded into a pool of
their own at import, so no protoc runs at install time and a TensorFlow imported in the same process (whose
default pool holds the same names) does not clash. The classes are ordinary protobuf messages: the bytes they
write are TensorFlow's (tests/test_tfrecord.py checks the descriptors against the ones TensorFlow ships, recorded
by tools/record_tfrecord_reference.py)."""
from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

__all__ = ["BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features", "FloatList", "Int64List",
           "SequenceExample"]

_F = descriptor_pb2.FieldDescriptorProto
FEATURE_PROTO = "tensorflow/core/example/feature.proto"
EXAMPLE_PROTO = "tensorflow/core/example/example.proto"


def _field(msg, name, number, type_, label=_F.LABEL_OPTIONAL, type_name=None, packed=None, oneof=None,
           jstype=None):
    f = msg.field.add(name=name, number=number, type=type_, label=label)
    if type_name:
        f.type_name = type_name
    if packed is not None:
        f.options.packed = packed
    if jstype is not None:
        f.options.jstype = jstype
    if oneof is not None:
        f.oneof_index = oneof
    return f


def _map(msg, field_name, entry_name, value_type_name, number):
    """`map<string, V> field_name = number;` as protoc spells it: a nested map-entry message and a repeated
    field of it."""
    entry = msg.nested_type.add(name=entry_name)
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_MESSAGE, type_name=value_type_name)
    _field(msg, field_name, number, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, f".tensorflow.{msg.name}.{entry_name}")


def _feature_file():
    fd = descriptor_pb2.FileDescriptorProto(name=FEATURE_PROTO, package="tensorflow", syntax="proto3")
    fd.options.cc_enable_arenas = True
    fd.options.java_outer_classname = "FeatureProtos"
    fd.options.java_multiple_files = True
    fd.options.java_package = "org.tensorflow.example"
    fd.options.go_package = "github.com/tensorflow/tensorflow/tensorflow/go/core/example/example_protos_go_proto"
    _field(fd.message_type.add(name="BytesList"), "value", 1, _F.TYPE_BYTES, _F.LABEL_REPEATED)
    _field(fd.message_type.add(name="FloatList"), "value", 1, _F.TYPE_FLOAT, _F.LABEL_REPEATED, packed=True)
    _field(fd.message_type.add(name="Int64List"), "value", 1, _F.TYPE_INT64, _F.LABEL_REPEATED, packed=True,
           jstype=descriptor_pb2.FieldOptions.JS_STRING)
    feature = fd.message_type.add(name="Feature")
    feature.oneof_decl.add(name="kind")
    for number, name in enumerate(("bytes_list", "float_list", "int64_list"), 1):
        kind = {"bytes_list": "BytesList", "float_list": "FloatList", "int64_list": "Int64List"}[name]
        _field(feature, name, number, _F.TYPE_MESSAGE, type_name=f".tensorflow.{kind}", oneof=0)
    _map(fd.message_type.add(name="Features"), "feature", "FeatureEntry", ".tensorflow.Feature", 1)
    _field(fd.message_type.add(name="FeatureList"), "feature", 1, _F.TYPE_MESSAGE, _F.LABEL_REPEATED,
           ".tensorflow.Feature")
    _map(fd.message_type.add(name="FeatureLists"), "feature_list", "FeatureListEntry", ".tensorflow.FeatureList", 1)
    return fd


def _example_file():
    fd = descriptor_pb2.FileDescriptorProto(name=EXAMPLE_PROTO, package="tensorflow", syntax="proto3",
                                            dependency=[FEATURE_PROTO])
    fd.options.cc_enable_arenas = True
    fd.options.java_outer_classname = "ExampleProtos"
    fd.options.java_multiple_files = True
    fd.options.java_package = "org.tensorflow.example"
    fd.options.go_package = "github.com/tensorflow/tensorflow/tensorflow/go/core/example/example_protos_go_proto"
    _field(fd.message_type.add(name="Example"), "features", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    seq = fd.message_type.add(name="SequenceExample")
    _field(seq, "context", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    _field(seq, "feature_lists", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FeatureLists")
    return fd


FILE_DESCRIPTOR_PROTOS = (_feature_file(), _example_file())
POOL = descriptor_pool.DescriptorPool()
for _fd in FILE_DESCRIPTOR_PROTOS:
    POOL.Add(_fd)


def _cls(name):
    cls = message_factory.GetMessageClass(POOL.FindMessageTypeByName(f"tensorflow.{name}"))
    cls.__module__ = __name__
    return cls


BytesList = _cls("BytesList")
FloatList = _cls("FloatList")
Int64List = _cls("Int64List")
Feature = _cls("Feature")
Features = _cls("Features")
FeatureList = _cls("FeatureList")
FeatureLists = _cls("FeatureLists")
Example = _cls("Example")
SequenceExample = _cls("SequenceExample")
