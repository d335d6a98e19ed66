"""MetaGraphDefs: `tf.train.export_meta_graph` (the `.meta` file `Saver.save` writes beside a checkpoint) and
`tf.train.import_meta_graph`, which rebuilds the graph, its collections and its variables and returns a Saver."""
from __future__ import annotations

import os

from google.protobuf import text_format

from ..framework.graph import GraphKeys, Operation, Tensor, get_default_graph
from ..summary.graph_def import MARKER
from .importer import import_nodes
from .protos import SAVER_V2, MetaGraphDef, SaverDef, VariableDef

#: Collections of Variables, stored as serialized VariableDefs (TF's `variables`, `trainable_variables`, ...).
VARIABLE_COLLECTIONS = (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES, GraphKeys.LOCAL_VARIABLES,
                        GraphKeys.MODEL_VARIABLES, GraphKeys.METRIC_VARIABLES, "moving_average_variables",
                        GraphKeys.GLOBAL_STEP)


def _variable_def(v):
    return VariableDef(variable_name=v.name, initializer_name=v.initializer.name, snapshot_name=v.value().name,
                       initial_value_name=v.initial_value.name, trainable=v.trainable)


def _collection(cd, items):
    """Fill CollectionDef `cd` with `items`; False when TF has no encoding for them (the collection is left out,
    as TensorFlow does)."""
    from ..variables import Variable

    if all(isinstance(x, Variable) for x in items):
        cd.bytes_list.value.extend(_variable_def(v).SerializeToString() for v in items)
    elif all(isinstance(x, (Tensor, Operation)) for x in items):
        cd.node_list.value.extend(x.name for x in items)
    elif all(isinstance(x, int) and not isinstance(x, bool) for x in items):
        cd.int64_list.value.extend(items)
    elif all(isinstance(x, float) for x in items):
        cd.float_list.value.extend(items)
    elif all(isinstance(x, (str, bytes)) for x in items):
        cd.bytes_list.value.extend(x.encode() if isinstance(x, str) else x for x in items)
    else:
        return False
    return True


def saver_def(max_to_keep=5, keep_checkpoint_every_n_hours=10000.0):
    """A SaverDef for a graphgrad Saver: graphgrad saves without graph ops, so no tensor names are given."""
    return SaverDef(max_to_keep=max_to_keep, keep_checkpoint_every_n_hours=keep_checkpoint_every_n_hours,
                    version=SAVER_V2)


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None, collection_list=None,
                      as_text=False, graph=None, export_scope=None, clear_devices=False,
                      clear_extraneous_savers=False, strip_default_attrs=False, save_debug_info=False, **kwargs):
    """TF's `tf.train.export_meta_graph`: the graph, its collections and `saver_def` as a MetaGraphDef, written to
    `filename` (binary, or text with `as_text`) when given. Collections of values TensorFlow cannot store
    (Python objects) are left out, as TensorFlow does."""
    from .. import __version__

    graph = graph or get_default_graph()
    mg = MetaGraphDef()
    mg.meta_info_def.tensorflow_git_version = f"graphgrad-{__version__}"
    if meta_info_def is not None:
        mg.meta_info_def.MergeFromString(meta_info_def.SerializeToString())
    gd = graph_def if graph_def is not None else graph.as_graph_def()
    mg.graph_def.MergeFromString(gd.SerializeToString())
    if clear_devices:
        for node in mg.graph_def.node:
            node.device = ""
    if saver_def is not None:
        mg.saver_def.MergeFromString(saver_def.SerializeToString())
    keys = graph.get_all_collection_keys() if collection_list is None else collection_list
    for key in keys:
        items = graph.get_collection(key)
        if isinstance(key, str) and items and not _collection(mg.collection_def[key], items):
            del mg.collection_def[key]
    if filename is not None:
        _write(filename, text_format.MessageToString(mg).encode() if as_text else mg.SerializeToString())
    return mg


def _write(path, data):
    """Write `data` to `path` atomically, as checkpoints are (a crash leaves the old file or the new one)."""
    from ..train.checkpoint_io import _atomic_write

    _atomic_write(path, lambda f: f.write(data))


def read_meta_graph_file(path):
    """A MetaGraphDef from a binary `.meta` file, or from its text form."""
    if not os.path.exists(path):
        raise OSError(f"File {path} does not exist.")
    with open(path, "rb") as f:
        data = f.read()
    try:
        return MetaGraphDef.FromString(data)
    except Exception:  # noqa: BLE001 (protobuf's DecodeError differs between its implementations)
        pass
    try:  # neither binary nor text: TensorFlow's IOError, naming the file
        return text_format.Parse(data.decode("utf-8"), MetaGraphDef(), allow_unknown_field=True)
    except (UnicodeDecodeError, text_format.ParseError) as e:
        raise OSError(f"Cannot parse file {path}: {e}.") from None


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """TF's `tf.train.import_meta_graph`: the meta graph's nodes, collections and variables in the default graph
    (under `import_scope`), and a Saver of its variables to restore them (None when it has none).

    A TensorFlow-written meta graph imports without its saver's ops (graphgrad saves without graph ops) and,
    where it holds training ops or gradients graphgrad cannot build, without those and what needs them: the
    collections keep what was imported (docs/graph-io.md)."""
    mg = meta_graph_or_file
    if not isinstance(mg, MetaGraphDef):
        mg = read_meta_graph_file(mg) if isinstance(mg, (str, os.PathLike)) else \
            MetaGraphDef.FromString(mg.SerializeToString())
    saver_scope = mg.saver_def.restore_op_name.rpartition("/")[0]

    def skip(node):
        return bool(saver_scope) and MARKER not in node.attr and node.name.startswith(saver_scope + "/")

    ops, scope, skipped = import_nodes(mg.graph_def, name=import_scope or "", skip=skip, lenient=True,
                                       clear_devices=clear_devices)
    if skipped:
        from ..logging import warning

        warning("import_meta_graph left out %d nodes graphgrad cannot build (types: %s) and what needs them",
                len(skipped), ", ".join(sorted(set(skipped.values()))))
    graph = get_default_graph()
    variables = {}
    for key, cd in mg.collection_def.items():
        kind = cd.WhichOneof("kind")
        if kind == "node_list":
            for name in cd.node_list.value:
                if name.partition(":")[0] in ops:
                    graph.add_to_collection(key, graph.as_graph_element(scope + name))
        elif kind == "bytes_list" and key in VARIABLE_COLLECTIONS:
            for data in cd.bytes_list.value:
                v = _variable(VariableDef.FromString(data), ops, scope, variables)
                if v is not None:
                    graph.add_to_collection(key, v)
        elif kind == "bytes_list":
            for data in cd.bytes_list.value:
                graph.add_to_collection(key, data.decode("utf-8", "replace"))
        elif kind in ("int64_list", "float_list"):
            for value in getattr(cd, kind).value:
                graph.add_to_collection(key, value)
    if not variables:
        return None
    from ..train.saver import Saver

    sd = mg.saver_def
    return Saver(list(variables.values()), max_to_keep=sd.max_to_keep if sd.ByteSize() else 5,
                 keep_checkpoint_every_n_hours=sd.keep_checkpoint_every_n_hours or 10000.0)


def _variable(vd, ops, scope, made):
    """The Variable a VariableDef describes, over the imported ops (one object per variable)."""
    from ..variables import Variable

    name = vd.variable_name.partition(":")[0]
    if name in made:
        return made[name]
    if name not in ops:
        return None
    graph = get_default_graph()

    def tensor(n):
        op = n.partition(":")[0]
        return graph.as_graph_element(scope + n) if n and op in ops else None

    init = vd.initializer_name
    v = made[name] = Variable._from_ops(ops[name], ops.get(init), tensor(vd.snapshot_name),
                                        tensor(vd.initial_value_name), vd.trainable)
    return v
