"""`tf.linalg.LinearOperator` and its family: matrices known by their structure, each computing with the cheap
algorithm that structure allows (docs/linalg.md). Importing this package installs the classes and
`tf.linalg.experimental` into `tf.linalg` (graphgrad.ops.linalg_ops, a layer below, does not import them)."""
from .base import LinearOperator
from .block import LinearOperatorBlockDiag, LinearOperatorBlockLowerTriangular, LinearOperatorKronecker
from .circulant import (
    LinearOperatorCirculant,
    LinearOperatorCirculant2D,
    LinearOperatorCirculant3D,
    LinearOperatorToeplitz,
)
from .composition import LinearOperatorAdjoint, LinearOperatorComposition, LinearOperatorInversion
from .dense import LinearOperatorFullMatrix, LinearOperatorLowerTriangular
from .diag import LinearOperatorDiag, LinearOperatorIdentity, LinearOperatorScaledIdentity, LinearOperatorZeros
from .low_rank import LinearOperatorLowRankUpdate
from .structured import LinearOperatorHouseholder, LinearOperatorPermutation, LinearOperatorTridiag

__all__ = ["LinearOperator", "LinearOperatorAdjoint", "LinearOperatorBlockDiag",
           "LinearOperatorBlockLowerTriangular", "LinearOperatorCirculant", "LinearOperatorCirculant2D",
           "LinearOperatorCirculant3D", "LinearOperatorComposition", "LinearOperatorDiag",
           "LinearOperatorFullMatrix", "LinearOperatorHouseholder", "LinearOperatorIdentity",
           "LinearOperatorInversion", "LinearOperatorKronecker", "LinearOperatorLowRankUpdate",
           "LinearOperatorLowerTriangular", "LinearOperatorPermutation", "LinearOperatorScaledIdentity",
           "LinearOperatorToeplitz", "LinearOperatorTridiag", "LinearOperatorZeros"]


def _install():
    from ..ops import linalg_ops
    from . import experimental

    for name in __all__:
        setattr(linalg_ops, name, globals()[name])
    linalg_ops.experimental = experimental


_install()
