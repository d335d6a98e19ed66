"""`tf.keras.layers`: Keras 2's layer classes on graphgrad's ops and tf.layers (docs/keras.md), one module per
family: `_base` (Layer, Input, InputSpec), `_core`, `_einsum_dense`, `_local` (LocallyConnected), `_features`
(DenseFeatures), `_conv`, `_pooling`, `_reshaping`, `_merging`, `_activations`, `_normalization`, `_noise`,
`_wrappers`, `_attention`, `_preprocessing`, `_experimental` (in `experimental`), and the recurrent layers and cells
in `graphgrad.keras.recurrent`. Only the Keras names are exported (no helpers)."""
from ..backend.config import disable_v2_dtype_behavior, enable_v2_dtype_behavior
from ..recurrent import *  # noqa: F403 (imports ._base, not this package's names)
from ..recurrent import __all__ as _recurrent_all
from . import experimental
from ._activations import *  # noqa: F403
from ._activations import __all__ as _activations_all
from ._attention import *  # noqa: F403
from ._attention import __all__ as _attention_all
from ._base import Input, InputLayer, InputSpec, Layer, deserialize, serialize
from ._conv import *  # noqa: F403
from ._conv import __all__ as _conv_all
from ._conv_lstm import *  # noqa: F403
from ._conv_lstm import __all__ as _conv_lstm_all
from ._core import *  # noqa: F403
from ._core import __all__ as _core_all
from ._einsum_dense import *  # noqa: F403
from ._einsum_dense import __all__ as _einsum_dense_all
from ._features import *  # noqa: F403
from ._features import __all__ as _features_all
from ._local import *  # noqa: F403
from ._local import __all__ as _local_all
from ._merging import *  # noqa: F403
from ._merging import __all__ as _merging_all
from ._noise import *  # noqa: F403
from ._noise import __all__ as _noise_all
from ._normalization import *  # noqa: F403
from ._normalization import __all__ as _normalization_all
from ._pooling import *  # noqa: F403
from ._pooling import __all__ as _pooling_all
from ._preprocessing import *  # noqa: F403
from ._preprocessing import __all__ as _preprocessing_all
from ._reshaping import *  # noqa: F403
from ._reshaping import __all__ as _reshaping_all
from ._wrappers import *  # noqa: F403
from ._wrappers import __all__ as _wrappers_all

__all__ = ["Layer", "InputLayer", "Input", "InputSpec", "serialize", "deserialize", *_core_all, *_conv_all,
           *_pooling_all, *_reshaping_all, *_merging_all, *_activations_all, *_normalization_all, *_noise_all,
           *_recurrent_all, *_wrappers_all, *_attention_all, *_preprocessing_all, *_conv_lstm_all, *_einsum_dense_all,
           *_local_all, *_features_all, "experimental", "enable_v2_dtype_behavior", "disable_v2_dtype_behavior"]
