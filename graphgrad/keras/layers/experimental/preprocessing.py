"""`tf.keras.layers.experimental.preprocessing`: graphgrad's preprocessing layers (the same classes as in
`tf.keras.layers`) under the path TF 2.2-2.5 programs import them from."""
from .._preprocessing import *  # noqa: F403
from .._preprocessing import __all__  # noqa: F401
