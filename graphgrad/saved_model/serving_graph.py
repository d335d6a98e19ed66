"""The graph of a meta graph that is not tagged `train`: only what its signatures, main op, assets and variables
need. TF Serving runs nothing else, and graphgrad's gradient and optimizer ops have no TensorFlow form
(graph_io/tf_export.py), so a training graph left whole would keep TensorFlow from importing the SavedModel."""
from __future__ import annotations

from ..graph_io.meta_graph import VARIABLE_COLLECTIONS
from ..graph_io.protos import AssetFileDef, VariableDef
from . import constants


def _op(name):
    return name.lstrip("^").partition(":")[0]


def _roots(meta_graph_def):
    for signature in meta_graph_def.signature_def.values():
        for info in [*signature.inputs.values(), *signature.outputs.values()]:
            sparse = info.coo_sparse
            yield from (info.name, sparse.values_tensor_name, sparse.indices_tensor_name,
                        sparse.dense_shape_tensor_name)
    collections = meta_graph_def.collection_def
    for key in (constants.MAIN_OP_KEY, constants.LEGACY_INIT_OP_KEY):
        if key in collections:
            yield from collections[key].node_list.value
    if constants.ASSETS_KEY in collections:
        for packed in collections[constants.ASSETS_KEY].any_list.value:
            yield AssetFileDef.FromString(packed.value).tensor_info.name
    for key in VARIABLE_COLLECTIONS:
        if key in collections:
            for data in collections[key].bytes_list.value:
                v = VariableDef.FromString(data)
                yield from (v.variable_name, v.initializer_name, v.snapshot_name, v.initial_value_name)


def prune_for_serving(meta_graph_def):
    """Keep the nodes the roots need (by data or control input) and the collection entries that name them."""
    nodes = {node.name: node for node in meta_graph_def.graph_def.node}
    keep, stack = set(), [_op(name) for name in _roots(meta_graph_def) if name]
    while stack:
        name = stack.pop()
        if name in keep or name not in nodes:
            continue
        keep.add(name)
        stack.extend(_op(i) for i in nodes[name].input)
    kept = [node for node in meta_graph_def.graph_def.node if node.name in keep]
    del meta_graph_def.graph_def.node[:]
    meta_graph_def.graph_def.node.extend(kept)
    for key in list(meta_graph_def.collection_def):
        cd = meta_graph_def.collection_def[key]
        if cd.WhichOneof("kind") == "node_list":
            names = [n for n in cd.node_list.value if _op(n) in keep]
            if names:
                del cd.node_list.value[:]
                cd.node_list.value.extend(names)
            else:
                del meta_graph_def.collection_def[key]
