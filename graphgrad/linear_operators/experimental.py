"""`tf.linalg.experimental`: conjugate_gradient."""
from .iterative import conjugate_gradient

__all__ = ["conjugate_gradient"]
