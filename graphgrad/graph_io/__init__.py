"""GraphDefs and MetaGraphDefs in and out: `tf.import_graph_def`, `tf.train.write_graph`,
`tf.train.export_meta_graph` / `import_meta_graph`, `tf.graph_util` (docs/graph-io.md). Loaded on first use:
its protobufs come from tensorboardX."""
from . import graph_util
from .graph_util import write_graph
from .importer import import_graph_def
from .meta_graph import export_meta_graph, import_meta_graph
from .protos import GraphDef, MetaGraphDef

__all__ = ["GraphDef", "MetaGraphDef", "export_meta_graph", "graph_util", "import_graph_def", "import_meta_graph",
           "write_graph"]
