"""`tensorflow.python.client`'s parts TF1 programs use: `RunOptions` / `RunMetadata` (a traced `Session.run`)
and `timeline.Timeline` (its step stats as a Chrome trace)."""
from ..runtime.run_metadata import GraphOptions, OptimizerOptions, RunMetadata, RunOptions
from . import timeline  # noqa: F401

__all__ = ["GraphOptions", "OptimizerOptions", "RunMetadata", "RunOptions", "timeline"]
