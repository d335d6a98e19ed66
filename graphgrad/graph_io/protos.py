"""TensorFlow's MetaGraphDef, CollectionDef, SaverDef, VariableDef, SignatureDef, TensorInfo, AssetFileDef and
SavedModel messages, built at import time from their field lists (tensorboardX ships GraphDef, NodeDef, AttrValue
and TensorProto but not these, and protoc is not a dependency). Field numbers and types are TensorFlow's
(core/protobuf/meta_graph.proto, saved_model.proto, saver.proto, core/framework/variable.proto), so the bytes are
what TensorFlow reads and writes; fields graphgrad does not use (object_graph_def, SignatureDef.defaults, ...) are
left out and kept as unknown fields when parsed.
"""
from __future__ import annotations

from google.protobuf import any_pb2
from tensorboardX.proto import graph_pb2, tensor_shape_pb2, types_pb2

from ..framework.proto_messages import message_classes

_PACKAGE = "graphgrad.tf"

#: message -> [(field name, number, type, repeated)]; a type starting with "." is a message, "enum:" an enum.
#: Types outside this file (tensorboardX's, google.protobuf's) are named in full.
_MESSAGES = {
    "MetaGraphDef": [("meta_info_def", 1, ".MetaGraphDef.MetaInfoDef", False),
                     ("graph_def", 2, ".tensorboardX.GraphDef", False),
                     ("saver_def", 3, ".SaverDef", False),
                     ("collection_def", 4, ".MetaGraphDef.CollectionDefEntry", True),
                     ("signature_def", 5, ".MetaGraphDef.SignatureDefEntry", True),
                     ("asset_file_def", 6, ".AssetFileDef", True)],
    "MetaGraphDef.MetaInfoDef": [("meta_graph_version", 1, "string", False), ("tags", 4, "string", True),
                                 ("tensorflow_version", 5, "string", False),
                                 ("tensorflow_git_version", 6, "string", False),
                                 ("stripped_default_attrs", 7, "bool", False)],
    "MetaGraphDef.CollectionDefEntry": [("key", 1, "string", False), ("value", 2, ".CollectionDef", False)],
    "MetaGraphDef.SignatureDefEntry": [("key", 1, "string", False), ("value", 2, ".SignatureDef", False)],
    "CollectionDef": [("node_list", 1, ".CollectionDef.NodeList", False),
                      ("bytes_list", 2, ".CollectionDef.BytesList", False),
                      ("int64_list", 3, ".CollectionDef.Int64List", False),
                      ("float_list", 4, ".CollectionDef.FloatList", False),
                      ("any_list", 5, ".CollectionDef.AnyList", False)],
    "CollectionDef.NodeList": [("value", 1, "string", True)],
    "CollectionDef.BytesList": [("value", 1, "bytes", True)],
    "CollectionDef.Int64List": [("value", 1, "int64", True)],
    "CollectionDef.FloatList": [("value", 1, "float", True)],
    "CollectionDef.AnyList": [("value", 1, ".google.protobuf.Any", True)],
    "TensorInfo": [("name", 1, "string", False), ("coo_sparse", 4, ".TensorInfo.CooSparse", False),
                   ("dtype", 2, "enum:.tensorboardX.DataType", False),
                   ("tensor_shape", 3, ".tensorboardX.TensorShapeProto", False)],
    "TensorInfo.CooSparse": [("values_tensor_name", 1, "string", False), ("indices_tensor_name", 2, "string", False),
                             ("dense_shape_tensor_name", 3, "string", False)],
    "SignatureDef": [("inputs", 1, ".SignatureDef.InputsEntry", True),
                     ("outputs", 2, ".SignatureDef.OutputsEntry", True), ("method_name", 3, "string", False)],
    "SignatureDef.InputsEntry": [("key", 1, "string", False), ("value", 2, ".TensorInfo", False)],
    "SignatureDef.OutputsEntry": [("key", 1, "string", False), ("value", 2, ".TensorInfo", False)],
    "AssetFileDef": [("tensor_info", 1, ".TensorInfo", False), ("filename", 2, "string", False)],
    "SavedModel": [("saved_model_schema_version", 1, "int64", False), ("meta_graphs", 2, ".MetaGraphDef", True)],
    "SaverDef": [("filename_tensor_name", 1, "string", False), ("save_tensor_name", 2, "string", False),
                 ("restore_op_name", 3, "string", False), ("max_to_keep", 4, "int32", False),
                 ("sharded", 5, "bool", False), ("keep_checkpoint_every_n_hours", 6, "float", False),
                 ("version", 7, "int32", False)],
    "VariableDef": [("variable_name", 1, "string", False), ("initializer_name", 2, "string", False),
                    ("snapshot_name", 3, "string", False), ("is_resource", 5, "bool", False),
                    ("initial_value_name", 6, "string", False), ("trainable", 7, "bool", False)],
}
#: message -> (oneof name, its fields)
_ONEOF = {"CollectionDef": ("kind", {"node_list", "bytes_list", "int64_list", "float_list", "any_list"}),
          "TensorInfo": ("encoding", {"name", "coo_sparse"})}
_DEPENDENCIES = [graph_pb2, types_pb2, tensor_shape_pb2, any_pb2]


_C = message_classes("graphgrad/tf_meta_graph.proto", _PACKAGE, _MESSAGES, _DEPENDENCIES, oneofs=_ONEOF)
MetaGraphDef = _C["MetaGraphDef"]
CollectionDef = _C["CollectionDef"]
SaverDef = _C["SaverDef"]
VariableDef = _C["VariableDef"]
SignatureDef = _C["SignatureDef"]
TensorInfo = _C["TensorInfo"]
AssetFileDef = _C["AssetFileDef"]
SavedModel = _C["SavedModel"]
GraphDef = graph_pb2.GraphDef
#: SaverDef.CheckpointFormatVersion: graphgrad's checkpoints are read like TF's V2 (a prefix, no single file).
SAVER_V2 = 2
