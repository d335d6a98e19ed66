"""The tree ops of TF 1.x's tensor_forest (model_ops): a tree is a session resource (tree_state.TreeState in
`RunContext.resources`, keyed by the op making its handle), created by `CreateTreeVariable`, read by
`TraverseTreeV4`, `TreePredictionsV4`, `TreeSize` and `FeatureUsageCounts`, and changed by `UpdateModelV4` (leaf
class counts) and stats_ops' `GrowTreeV4`. `TreeSerialize` / `TreeDeserialize` carry it to and from a checkpoint as
numeric arrays. As in TF, the ops that have a gradient rule at all declare none (`tf.no_gradient`), and
TraverseTreeV4 / UpdateModelV4 have no entry ("No gradient defined")."""
from __future__ import annotations

import numpy as np

from .....framework import dtypes, errors
from .....framework.errors import op_error
from .....framework.graph import GraphKeys, control_dependencies, name_scope
from .....framework.op_def import OpDef, no_gradient
from .....ops.core import apply_op, constant
from .....ops.queue_ops import ResourceHandle
from .....python.ops import resources
from .....train.saveables import SaveableObject, SaveSpec
from .tree_state import TreeState

#: The C++ types TF names in its "does not exist" errors.
_TYPE_NAMES = {"tree": "N10tensorflow12tensorforest20DecisionTreeResourceE",
               "stats": "N10tensorflow12tensorforest20FertileStatsResourceE"}


def lookup(ctx, op, handle_index=0, kind="tree"):
    """The resource behind input `handle_index` of `op` in this session (NotFoundError, as TF's LookupResource,
    when it was not created)."""
    handle_op = op.inputs[handle_index].op
    state = ctx.resources.get(("tensor_forest", handle_op))
    if state is None:
        raise op_error(errors.NotFoundError, op, f"Resource localhost/{handle_op.name}/{_TYPE_NAMES[kind]} does "
                                                 "not exist.")
    return state


def host(ctx, *arrays):
    return [np.asarray(ctx.to_host(a)) for a in arrays]


def class_ids(op, labels, num_classes):
    """Labels as class indices (TF casts them), checked against num_classes as TF's kernels do."""
    ids = np.asarray(labels).reshape(len(labels), -1)[:, 0].astype(np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise op_error(errors.InvalidArgumentError, op, "Got label greater than indicated number of classes. Is "
                                                        "params.num_classes set correctly?")
    return ids


def sample_weights(weights, n):
    w = np.asarray(weights, np.float32).reshape(-1)
    return np.ones(n, np.float32) if w.size == 0 else w


class _ForestOp(OpDef):
    stateful = True
    host_kernel = True  # the forest lives in Python objects on the host

    def infer(op):
        return []


class DecisionTreeResourceHandleOp(ResourceHandle):
    type = "DecisionTreeResourceHandleOp"


class CreateTreeVariable(_ForestOp):
    """CreateTreeVariable(handle, tree_config): an empty tree (one leaf) unless the session has it already. Only the
    empty config is understood (graphgrad does not read TF's serialized tree protos)."""

    type = "CreateTreeVariable"

    def kernel(op, ctx):
        key = ("tensor_forest", op.inputs[0].op)

        def create(handle, config):
            if np.asarray(config).item() not in (b"", ""):
                raise op_error(errors.InvalidArgumentError, op, "Unable to parse tree  config.")
            if key not in ctx.resources:
                ctx.resources[key] = TreeState(op.attrs["num_outputs"])
        return create


class TreeIsInitializedOp(_ForestOp):
    type = "TreeIsInitializedOp"

    def infer(op):
        return [((), dtypes.bool_)]

    def kernel(op, ctx):
        key = ("tensor_forest", op.inputs[0].op)
        return lambda handle: np.bool_(key in ctx.resources)

    def can_fail(op):
        return False


class TreeSerialize(_ForestOp):
    """TreeSerialize(handle) -> the tree's arrays (left child, feature, threshold, leaf models)."""

    type = "TreeSerialize"

    def infer(op):
        c = op.attrs["num_outputs"]
        return [((None,), dtypes.int32), ((None,), dtypes.int32), ((None,), dtypes.float32),
                ((None, c), dtypes.float32)]

    def kernel(op, ctx):
        return lambda handle: tuple(ctx.to_device(a) for a in lookup(ctx, op).arrays())


class TreeDeserialize(_ForestOp):
    """TreeDeserialize(handle, left, feature, threshold, value): replace the tree by a checkpoint's."""

    type = "TreeDeserialize"

    def kernel(op, ctx):
        key = ("tensor_forest", op.inputs[0].op)

        def restore(handle, *arrays):
            try:
                ctx.resources[key] = TreeState.from_arrays(*host(ctx, *arrays))
            except ValueError as e:
                raise op_error(errors.InvalidArgumentError, op, f"Unable to parse tree  config: {e}") from None
        return restore


class TreeSize(_ForestOp):
    type = "TreeSize"

    def infer(op):
        return [((), dtypes.int32)]

    def kernel(op, ctx):
        return lambda handle: np.int32(lookup(ctx, op).size)


class TraverseTreeV4(_ForestOp):
    """TraverseTreeV4(handle, input_data) -> the leaf id each row reaches (int32)."""

    type = "TraverseTreeV4"
    gradient = None

    def infer(op):
        return [((op.inputs[1].shape.dims_tuple or (None,))[:1], dtypes.int32)]

    def kernel(op, ctx):
        strict = op.attrs["split_type"] == "less"
        return lambda handle, x: ctx.to_device(lookup(ctx, op).traverse(*host(ctx, x), strict=strict))


class UpdateModelV4(_ForestOp):
    """UpdateModelV4(handle, leaf_ids, labels, weights): add each row's weight to its leaf's class count (a
    regression leaf keeps the mean it was split with, as in TF)."""

    type = "UpdateModelV4"
    gradient = None

    def kernel(op, ctx):
        c, regression = op.attrs["num_outputs"], op.attrs["regression"]

        def update(handle, leaves, labels, weights):
            tree = lookup(ctx, op)
            if regression:
                return
            leaves, labels, weights = host(ctx, leaves, labels, weights)
            ids = class_ids(op, labels, c)
            w = sample_weights(weights, len(ids))
            np.add.at(tree.value, (leaves.astype(np.int64), ids), w)
        return update


class TreePredictionsV4(_ForestOp):
    """TreePredictionsV4(handle, input_data) -> (the leaf model per row, float32 [n, num_outputs]; the visited node
    ids per row as strings "0,2,5" with inference_tree_paths, else an empty string vector)."""

    type = "TreePredictionsV4"

    def infer(op):
        n = (op.inputs[1].shape.dims_tuple or (None,))[0]
        return [((n, op.attrs["num_outputs"]), dtypes.float32),
                ((n if op.attrs["inference_tree_paths"] else 0,), dtypes.string)]

    def kernel(op, ctx):
        strict, regression = op.attrs["split_type"] == "less", op.attrs["regression"]
        paths = op.attrs["inference_tree_paths"]

        def predict(handle, x):
            tree = lookup(ctx, op)
            (x,) = host(ctx, x)
            if not paths:
                leaves = tree.traverse(x, strict)
                return ctx.to_device(tree.predictions(leaves, regression)), np.zeros(0, object)
            leaves, visited = tree.traverse(x, strict, paths=True)
            text = np.array([",".join(str(n) for n in row if n >= 0).encode() for row in visited.tolist()], object)
            return ctx.to_device(tree.predictions(leaves, regression)), text
        return predict


class FeatureUsageCounts(_ForestOp):
    type = "FeatureUsageCounts"

    def infer(op):
        return [((op.attrs["num_features"],), dtypes.int32)]

    def kernel(op, ctx):
        return lambda handle: ctx.to_device(lookup(ctx, op).feature_usage(op.attrs["num_features"]))


for _type in ("DecisionTreeResourceHandleOp", "CreateTreeVariable", "TreeIsInitializedOp", "TreeSerialize",
              "TreeDeserialize", "TreeSize", "TreePredictionsV4", "FeatureUsageCounts"):
    no_gradient(_type)  # TF's model_ops.py: ops.NotDifferentiable(...)


# --- the Python API (model_ops.py) ---------------------------------------------------------------------------

class ForestSaveable(SaveableObject):
    """A forest resource in checkpoints: its serialize op's outputs saved under `<name>/<array>`, restored by its
    deserialize op (run after the create op, as TF's TreeVariableSavable does)."""

    def __init__(self, handle, serialized, names, deserialize, create_op, name):
        specs = [SaveSpec(t, "", f"{name}/{n}") for t, n in zip(serialized, names)]
        super().__init__(handle, specs, name)
        self._deserialize, self._create_op = deserialize, create_op

    def restore(self, restored_tensors, restored_shapes):
        with control_dependencies([self._create_op]):
            return apply_op(self._deserialize, [self.op, *restored_tensors], {})


def forest_resource(op_defs, attrs, config, name, default_name, array_names, container=None):
    """Make a resource's ops under scope `name` and return its handle: `op_defs` are its handle, create,
    is-initialized, serialize and deserialize op definitions. The resource is registered as a shared resource
    and a saveable object, as TF's tree_variable and fertile_stats_variable do."""
    handle_def, create_def, initialized_def, serialize_def, deserialize_def = op_defs
    with name_scope(name, default_name) as scope:
        handle = apply_op(handle_def, [], {"container": container or ""}, name=scope)
        create = apply_op(create_def, [handle, constant(config)], attrs)
        is_initialized = apply_op(initialized_def, [handle], {})
        serialized = apply_op(serialize_def, [handle], attrs)
        saveable = ForestSaveable(handle, serialized, array_names, deserialize_def, create, handle.op.name)
    handle.graph.add_to_collection(GraphKeys.SAVEABLE_OBJECTS, saveable)
    resources.register_resource(handle, create, is_initialized)
    return handle


def _tree_attrs(params):
    """The forest parameters the tree ops read, as attributes (TF passes its whole params proto)."""
    return {"num_outputs": params.num_classes, "num_features": params.num_features,
            "regression": bool(params.regression), "split_type": params.split_name,
            "inference_tree_paths": bool(params.inference_tree_paths)}


def tree_variable(params, tree_config, stats_handle, name, container=None):
    """Create the tree resource named `name` and return its handle (`stats_handle` is TF's, unused)."""
    return forest_resource((DecisionTreeResourceHandleOp, CreateTreeVariable, TreeIsInitializedOp, TreeSerialize,
                            TreeDeserialize), _tree_attrs(params), tree_config, name, "TreeVariable",
                           ("left", "feature", "threshold", "value"), container)


def traverse_tree_v4(tree_handle, input_data, params):
    return apply_op(TraverseTreeV4, [tree_handle, input_data], _tree_attrs(params))


def update_model_v4(tree_handle, leaf_ids, input_labels, input_weights, params):
    return apply_op(UpdateModelV4, [tree_handle, leaf_ids, input_labels, input_weights], _tree_attrs(params))


def tree_predictions_v4(tree_handle, input_data, params):
    return apply_op(TreePredictionsV4, [tree_handle, input_data], _tree_attrs(params))


def tree_size(tree_handle, name=None):
    return apply_op(TreeSize, [tree_handle], {}, name=name)


def feature_usage_counts(tree_handle, params):
    return apply_op(FeatureUsageCounts, [tree_handle], _tree_attrs(params))
