"""The statistics ops of TF 1.x's tensor_forest (stats_ops): a tree's fertile-leaf statistics are a session
resource (stats_state.FertileStats) created by `CreateFertileStatsVariable`; `ProcessInputV4` adds a batch to them
and returns the leaves ready to split, `GrowTreeV4` splits those (until the tree has `max_nodes` nodes).
`FertileStatsSerialize` / `FertileStatsDeserialize` carry them to a checkpoint: the fertile leaves and their
depths, and their statistics with `checkpoint_stats` (without, a restored leaf collects afresh, as in TF)."""
from __future__ import annotations

import numpy as np

from .....framework import dtypes, errors
from .....framework.errors import op_error
from .....framework.op_def import no_gradient
from .....ops.core import apply_op
from .....ops.queue_ops import ResourceHandle
from . import model_ops
from .model_ops import _ForestOp, class_ids, host, lookup, sample_weights
from .stats_state import FertileStats


def _names(attrs):
    probe = FertileStats(1, 1, 1, 1, attrs["regression"])
    return ("nodes",) + (probe.names if attrs["checkpoint_stats"] else ("depth",))


class FertileStatsResourceHandleOp(ResourceHandle):
    type = "FertileStatsResourceHandleOp"


class CreateFertileStatsVariable(_ForestOp):
    """CreateFertileStatsVariable(handle, stats_config): statistics with the root as the one fertile leaf, unless
    the session has them already (only the empty config is understood)."""

    type = "CreateFertileStatsVariable"

    def kernel(op, ctx):
        key, a = ("tensor_forest", op.inputs[0].op), op.attrs

        def create(handle, config):
            if np.asarray(config).item() not in (b"", ""):
                raise op_error(errors.InvalidArgumentError, op, "Unable to parse stats config.")
            if key not in ctx.resources:
                ctx.resources[key] = FertileStats(a["num_outputs"], a["num_features"], a["num_splits_to_consider"],
                                                  a["split_after_samples"], a["regression"],
                                                  a["split_type"] == "less")
        return create


class FertileStatsIsInitializedOp(model_ops.TreeIsInitializedOp):
    type = "FertileStatsIsInitializedOp"


class FertileStatsSerialize(_ForestOp):
    """FertileStatsSerialize(handle) -> the fertile leaves, their depths and (checkpoint_stats) statistics."""

    type = "FertileStatsSerialize"

    def infer(op):
        a = op.attrs
        probe = FertileStats(a["num_outputs"], 1, a["num_splits_to_consider"], 1, a["regression"])
        names = _names(a)[1:]
        return [((None,), dtypes.int32)] + [
            ((None, *probe._shape(n, 1)[1:]), dtypes.as_dtype(probe._dtype(n))) for n in names]

    def kernel(op, ctx):
        with_stats = op.attrs["checkpoint_stats"]
        return lambda handle: tuple(ctx.to_device(a) for a in lookup(ctx, op, kind="stats").arrays(with_stats))


class FertileStatsDeserialize(_ForestOp):
    type = "FertileStatsDeserialize"

    def kernel(op, ctx):
        def restore(handle, nodes, *arrays):
            nodes, *arrays = host(ctx, nodes, *arrays)
            lookup(ctx, op, kind="stats").load(nodes, *arrays)
        return restore


class ProcessInputV4(_ForestOp):
    """ProcessInputV4(tree, stats, input_data, labels, weights, leaf_ids) -> the ids of the leaves ready to split
    (int32, ascending; TF returns them in a hash set's order). Candidate features are drawn from a stream seeded
    by `random_seed` (0: fresh each session), per session as TF's kernel holds it."""

    type = "ProcessInputV4"

    def infer(op):
        return [((None,), dtypes.int32)]

    def kernel(op, ctx):
        rng, c = ctx.rng(op), op.attrs["num_outputs"]
        regression = op.attrs["regression"]

        def process(tree, stats, x, labels, weights, leaves):
            state = lookup(ctx, op, 1, "stats")
            lookup(ctx, op)
            x, labels, weights, leaves = host(ctx, x, labels, weights, leaves)
            labels = labels.astype(np.float32) if regression else class_ids(op, labels, c)
            w = sample_weights(weights, len(leaves))
            return ctx.to_device(state.process(x.astype(np.float32, copy=False), labels, w, leaves, rng))
        return process


class GrowTreeV4(_ForestOp):
    """GrowTreeV4(tree, stats, finished_nodes): split each finished leaf on its best candidate while the tree has
    fewer than `max_nodes` nodes (so it may end one over an even max_nodes, as TF's); a leaf without a useful
    candidate starts collecting again."""

    type = "GrowTreeV4"

    def kernel(op, ctx):
        max_nodes = op.attrs["max_nodes"]

        def grow(tree_handle, stats_handle, finished):
            tree, stats = lookup(ctx, op), lookup(ctx, op, 1, "stats")
            for node in host(ctx, finished)[0].tolist():
                if tree.size >= max_nodes:
                    break
                best = stats.best_split(node)
                slot = stats.slot_of[node]
                if best is None:
                    depth = stats.depth[slot]
                    stats.clear(slot)
                    stats.depth[slot] = depth
                    continue
                depth = int(stats.depth[slot])
                children = tree.split(node, *best)
                stats.release(node)
                for child in children:
                    stats.allocate(child, depth + 1)
        return grow


for _type in ("FertileStatsResourceHandleOp", "CreateFertileStatsVariable", "FertileStatsIsInitializedOp",
              "FertileStatsSerialize", "FertileStatsDeserialize", "GrowTreeV4", "ProcessInputV4"):
    no_gradient(_type)  # TF's stats_ops.py: ops.NotDifferentiable(...)


def _stats_attrs(params):
    return {"num_outputs": params.num_classes, "num_features": params.num_features,
            "num_splits_to_consider": int(params.num_splits_to_consider),
            "split_after_samples": int(params.split_after_samples), "regression": bool(params.regression),
            "split_type": params.split_name, "checkpoint_stats": bool(params.checkpoint_stats),
            "max_nodes": int(params.max_nodes)}


def fertile_stats_variable(params, stats_config, name, container=None):
    """Create the statistics resource named `name` and return its handle."""
    attrs = _stats_attrs(params)
    return model_ops.forest_resource((FertileStatsResourceHandleOp, CreateFertileStatsVariable,
                                      FertileStatsIsInitializedOp, FertileStatsSerialize, FertileStatsDeserialize),
                                     attrs, stats_config, name, "FertileStatsVariable", _names(attrs), container)


def process_input_v4(tree_handle, stats_handle, input_data, input_labels, input_weights, leaf_ids, random_seed,
                     params):
    attrs = {**_stats_attrs(params), "seed": int(random_seed), "seed2": 0}
    return apply_op(ProcessInputV4, [tree_handle, stats_handle, input_data, input_labels, input_weights, leaf_ids],
                    attrs)


def grow_tree_v4(tree_handle, stats_handle, finished_nodes, params):
    return apply_op(GrowTreeV4, [tree_handle, stats_handle, finished_nodes], _stats_attrs(params))
