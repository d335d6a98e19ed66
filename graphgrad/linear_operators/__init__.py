"""`tf.linalg.LinearOperator` and its family: matrices known by their structure, each computing with the cheap
algorithm that structure allows (see docs/linear-operators.md)."""
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
