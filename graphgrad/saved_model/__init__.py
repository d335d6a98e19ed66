"""`tf.saved_model` (TF1's): SavedModel folders written by `simple_save` / `builder.SavedModelBuilder` and read by
`loader.load`, in TensorFlow's format both ways (docs/saved-model.md)."""
from . import builder, constants, loader, signature_constants, signature_def_utils, tag_constants, utils
from .builder import SavedModelBuilder as Builder
from .constants import *  # noqa: F403 (TF exports each constant at tf.saved_model too)
from .loader import contains_saved_model, load, maybe_saved_model_directory
from .signature_constants import *  # noqa: F403
from .signature_def_utils import (
    build_signature_def,
    classification_signature_def,
    is_valid_signature,
    predict_signature_def,
    regression_signature_def,
)
from .simple_save import simple_save
from .tag_constants import *  # noqa: F403
from .utils import build_tensor_info, get_tensor_from_tensor_info

__all__ = [n for n in dir() if not n.startswith("_")]
