"""GraphDefs and MetaGraphDefs in and out: `tf.import_graph_def`, `tf.train.write_graph`,
`tf.train.export_meta_graph` / `import_meta_graph`, `tf.graph_util` (docs/graph-io.md). Loaded on first use:
its protobufs come from tensorboardX."""
from tensorboardX.proto.attr_value_pb2 import AttrValue, NameAttrList
from tensorboardX.proto.node_def_pb2 import NodeDef
from tensorboardX.proto.summary_pb2 import HistogramProto, SummaryMetadata

from . import graph_util
from .attrs import make_ndarray, make_tensor_proto
from .graph_util import write_graph
from .importer import import_graph_def
from .meta_graph import export_meta_graph, import_meta_graph
from .protos import GraphDef, MetaGraphDef, TensorInfo

__all__ = ["GraphDef", "MetaGraphDef", "export_meta_graph", "graph_util", "import_graph_def", "import_meta_graph",
           "write_graph", "make_tensor_proto", "make_ndarray", "NodeDef", "AttrValue", "NameAttrList", "TensorInfo",
           "HistogramProto", "SummaryMetadata"]
