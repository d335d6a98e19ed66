"""`tf.mixed_precision.experimental`: TF 1's earlier home of the loss scales."""
from .loss_scale import DynamicLossScale, FixedLossScale, LossScale

__all__ = ["DynamicLossScale", "FixedLossScale", "LossScale"]
