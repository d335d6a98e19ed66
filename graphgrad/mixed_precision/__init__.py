"""`tf.mixed_precision` (TF 1's compat names): the loss scales and MixedPrecisionLossScaleOptimizer
(loss_scale.py), and `enable_mixed_precision_graph_rewrite(opt, loss_scale="dynamic")`, which wraps `opt` in loss
scaling as TF's does. TF's rewrite would also have its graph optimizer compute eligible ops in float16; graphgrad
does not rewrite graphs, so the computation stays in the dtypes the program wrote (build float16 models with
float16 variables and inputs to compute in float16)."""
from . import experimental
from .loss_scale import DynamicLossScale, FixedLossScale, LossScale, MixedPrecisionLossScaleOptimizer

__all__ = ["DynamicLossScale", "FixedLossScale", "LossScale", "MixedPrecisionLossScaleOptimizer",
           "disable_mixed_precision_graph_rewrite", "enable_mixed_precision_graph_rewrite", "experimental"]


def enable_mixed_precision_graph_rewrite(opt, loss_scale="dynamic"):
    """`opt` wrapped in loss scaling (a MixedPrecisionLossScaleOptimizer); see the module for the rewrite."""
    if isinstance(opt, MixedPrecisionLossScaleOptimizer):
        raise ValueError('"opt" must not already be an instance of a MixedPrecisionLossScaleOptimizer. '
                         "`enable_mixed_precision_graph_rewrite` will automatically wrap the optimizer with a "
                         "MixedPrecisionLossScaleOptimizer.")
    return MixedPrecisionLossScaleOptimizer(opt, loss_scale)


def disable_mixed_precision_graph_rewrite():
    """TF's switch back: graphgrad never rewrites graphs, so there is nothing to undo (the optimizers wrapped by
    enable_mixed_precision_graph_rewrite keep their loss scaling, as in TF)."""
