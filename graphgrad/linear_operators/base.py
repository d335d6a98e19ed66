"""`tf.linalg.LinearOperator`: a [batch of] M x N matrix known by what it does (matmul, solve, determinant, ...)
rather than by its entries, as TF's base class.

A subclass gives `_shape` (static), `_matmul` and whatever it computes more cheaply than the dense fallbacks
here (solve by LU/Cholesky of `to_dense`, determinants by `slogdet`, ...). Everything is built from graphgrad
ops, so gradients flow to the tensors an operator holds, in graph mode and eagerly. The public methods do TF's
checks (hints, dtypes, static dimension compatibility) and open the name scope `<operator name>/<method>`.
FullMatrix, LowerTriangular, Diag and the operators made of them take tensors of unknown dimensions (a placeholder
with a None batch): their shapes are then partly unknown and `*_tensor()` and batch broadcasting are computed at
run time. The others need every dimension they hold known while building (TF accepts unknown ones there too).
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import name_scope
from ..framework.tensor_shape import Dimension, TensorShape
from ..ops import array_ops, check_ops, core, matrix_ops
from ..ops.arithmetic_ops import add
from ..ops.decomposition_ops import self_adjoint_eigvals, svd
from ..ops.matrix_diag_ops import matrix_diag_part
from ..ops.reduction_ops import reduce_max, reduce_min, reduce_sum
from ..ops.unary_ops import abs as abs_
from ..ops.unary_ops import exp, log


def as_tensor(x, name, dtype=None):
    return core.convert_to_tensor(x, dtype=dtype, name=name)


def dims(t):
    """The static shape of `t` as a list of ints; ValueError when a dimension is unknown."""
    s = t.shape.as_list() if t.shape.ndims is not None else None
    if s is None or any(d is None for d in s):
        raise ValueError(f"linear operators need shapes known while building, got {t.shape} for {t.name}")
    return s


def broadcast_shapes(*shapes):
    """The NumPy broadcast of static shapes (lists of ints); ValueError naming them when incompatible."""
    try:
        return list(np.broadcast_shapes(*(tuple(s) for s in shapes)))
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: {' and '.join(str(tuple(s)) for s in shapes)}"
                         ) from None


def static_dims(t):
    """The static shape of `t` as a list (None for an unknown dimension); ValueError for an unknown rank."""
    if t.shape.ndims is None:
        raise ValueError(f"linear operators need tensors of known rank, got {t.name}")
    return t.shape.as_list()


def broadcast_batch(*tensors):
    """The tensors (each [..., M, N]) with their batch dimensions broadcast to one another (as TF's
    broadcast_matrix_batch_dims); a tensor already of the common batch shape is returned as is. Unknown
    dimensions: the common batch shape is computed at run time (BroadcastArgs)."""
    shapes = [static_dims(t) for t in tensors]
    if all(None not in s[:-2] for s in shapes):
        batch = broadcast_shapes(*(s[:-2] for s in shapes))
        return [t if s[:-2] == batch else array_ops.broadcast_to(t, batch + s[-2:]) for t, s in zip(tensors, shapes)]
    if all(s[:-2] == shapes[0][:-2] for s in shapes) and all(len(s) == len(shapes[0]) for s in shapes):
        return list(tensors)  # the same (partly unknown) batch dimensions: nothing to broadcast
    from ..ops.framework_ops import broadcast_dynamic_shape
    batch = array_ops.shape(tensors[0])[:-2]
    for t in tensors[1:]:
        batch = broadcast_dynamic_shape(batch, array_ops.shape(t)[:-2])
    return [array_ops.broadcast_to(t, array_ops.concat([batch, array_ops.shape(t)[-2:]], 0)) for t in tensors]


def product(tensors):
    """t0 * t1 * ... (determinants of factors or blocks)."""
    tensors = list(tensors)
    result = tensors[0]
    for t in tensors[1:]:
        result = result * t
    return result


def total(tensors):
    """t0 + t1 + ... (log-determinants, traces)."""
    tensors = list(tensors)
    result = tensors[0]
    for t in tensors[1:]:
        result = result + t
    return result


def adjoint_if(x, flag):
    return matrix_ops.adjoint(x) if flag else x


def matrix_solve_with_broadcast(matrix, rhs, adjoint=False):
    matrix, rhs = broadcast_batch(matrix, rhs)
    return matrix_ops.matrix_solve(matrix, rhs, adjoint=adjoint)


def check_hints(is_non_singular, is_self_adjoint, is_positive_definite, is_square):
    """TF's implications between hints (positive definite => non-singular => square; self-adjoint => square),
    with its ValueErrors when a hint set to False contradicts them."""
    if is_positive_definite:
        if is_non_singular is False:
            raise ValueError("A positive definite matrix is always non-singular.")
        is_non_singular = True
    if is_non_singular:
        if is_square is False:
            raise ValueError("A non-singular matrix is always square.")
        is_square = True
    if is_self_adjoint:
        if is_square is False:
            raise ValueError("A self-adjoint matrix is always square.")
        is_square = True
    return is_non_singular, is_square


def require_hint(given, value, message):
    """`value` for a hint that the operator's structure fixes, or ValueError(message) if the user said otherwise."""
    if given is not None and bool(given) != value:
        raise ValueError(message)
    return value


class LinearOperator:
    """Base class: subclasses define `_shape` and `_matmul`, and override what their structure makes cheaper."""

    def __init__(self, dtype, graph_parents=None, is_non_singular=None, is_self_adjoint=None,
                 is_positive_definite=None, is_square=None, name=None, parameters=None):
        is_non_singular, is_square = check_hints(is_non_singular, is_self_adjoint, is_positive_definite, is_square)
        self._is_square_set_or_implied_by_hints = is_square
        self._graph_parents = list(graph_parents or [])
        self._dtype = dtypes.as_dtype(dtype).base_dtype if dtype else dtype
        self._is_non_singular = is_non_singular
        self._is_self_adjoint = is_self_adjoint
        self._is_positive_definite = is_positive_definite
        self._parameters = dict(parameters or {})
        self._name = name or type(self).__name__

    def _name_scope(self, name=None):
        return name_scope(self.name + ("/" + name if name else ""))

    # --- properties -------------------------------------------------------------------------------------------

    parameters = property(lambda self: dict(self._parameters), doc="The arguments the operator was built with.")
    dtype = property(lambda self: self._dtype)
    name = property(lambda self: self._name)
    graph_parents = property(lambda self: self._graph_parents)
    is_non_singular = property(lambda self: self._is_non_singular)
    is_self_adjoint = property(lambda self: self._is_self_adjoint)
    is_positive_definite = property(lambda self: self._is_positive_definite)

    @property
    def is_square(self):
        """The is_square hint, else whether the static domain and range dimensions are equal."""
        auto = self.domain_dimension == self.range_dimension
        if self._is_square_set_or_implied_by_hints is False and auto:
            raise ValueError("User set is_square hint to False, but the operator was square.")
        if self._is_square_set_or_implied_by_hints is None:
            return auto
        return self._is_square_set_or_implied_by_hints

    @property
    def shape(self):
        """TensorShape batch_shape + [range_dimension, domain_dimension]."""
        return TensorShape(self._shape())

    def _shape_tensor(self):
        if not self.shape.is_fully_defined():
            raise ValueError(f"{type(self).__name__} needs its shape known while building, got {self.shape}")
        return core.convert_to_tensor(np.array(self.shape.as_list(), np.int32))

    def shape_tensor(self, name="shape_tensor"):
        """The shape as an int32 tensor (a constant when it is known while building)."""
        with self._name_scope(name):
            if self.shape.is_fully_defined():
                return core.convert_to_tensor(np.array(self.shape.as_list(), np.int32))
            return self._shape_tensor()

    @property
    def batch_shape(self):
        return self.shape[:-2]

    def batch_shape_tensor(self, name="batch_shape_tensor"):
        with self._name_scope(name):
            return self._shape_tensor()[:-2]

    @property
    def tensor_rank(self):
        return self.shape.ndims

    def tensor_rank_tensor(self, name="tensor_rank_tensor"):
        with self._name_scope(name):
            return core.convert_to_tensor(np.int32(self.shape.ndims))

    @property
    def domain_dimension(self):
        return Dimension(self.shape[-1]) if self.shape.ndims is not None else Dimension(None)

    @property
    def range_dimension(self):
        return Dimension(self.shape[-2]) if self.shape.ndims is not None else Dimension(None)

    def domain_dimension_tensor(self, name="domain_dimension_tensor"):
        with self._name_scope(name):
            return self._shape_tensor()[-1]

    def range_dimension_tensor(self, name="range_dimension_tensor"):
        with self._name_scope(name):
            return self._shape_tensor()[-2]

    def _batch_list(self):
        return self.batch_shape.as_list()

    def _n(self):
        """The static domain dimension as an int."""
        return int(self.shape[-1])

    # --- assertions -------------------------------------------------------------------------------------------

    def _max_condition_number_to_be_non_singular(self):
        eps = float(np.finfo(self.dtype.np).eps)
        return 1.0 / (max(100.0, float(self.shape[-1]), float(self.shape[-2])) * eps)

    def _assert_non_singular(self):
        if self._can_use_cholesky():
            return self.assert_positive_definite()
        s = svd(self.to_dense(), compute_uv=False)
        cond = reduce_max(s, axis=-1) / reduce_min(s, axis=-1)
        return check_ops.assert_less(cond, self._max_condition_number_to_be_non_singular(),
                                     message="Singular matrix up to precision epsilon.")

    def assert_non_singular(self, name="assert_non_singular"):
        """An op that raises InvalidArgumentError when run if the operator is singular."""
        with self._name_scope(name):
            return self._assert_non_singular()

    def _assert_positive_definite(self):
        if self.is_self_adjoint:
            return check_ops.assert_positive(matrix_diag_part(matrix_ops.cholesky(self.to_dense())),
                                             message="Matrix was not positive definite.")
        raise NotImplementedError("assert_positive_definite is not implemented.")

    def assert_positive_definite(self, name="assert_positive_definite"):
        with self._name_scope(name):
            return self._assert_positive_definite()

    def _assert_self_adjoint(self):
        dense = self.to_dense()
        return check_ops.assert_equal(dense, matrix_ops.adjoint(dense), message="Matrix was not equal to its adjoint.")

    def assert_self_adjoint(self, name="assert_self_adjoint"):
        with self._name_scope(name):
            return self._assert_self_adjoint()

    # --- products and solves ----------------------------------------------------------------------------------

    def _check_input_dtype(self, arg):
        if arg.dtype.base_dtype != self.dtype:
            raise TypeError(f"Expected argument to have dtype {self.dtype}.  Found: {arg.dtype} in tensor {arg}")

    def _check_dim(self, self_dim, other, what):
        mine = Dimension(self.shape[self_dim]).value if self.shape.ndims is not None else None
        other = Dimension(other).value
        if mine is not None and other is not None and mine != other:
            raise ValueError(f"Dimensions {mine} and {other} are not compatible")

    def _check_operator_dims(self, left, right, what):
        if (right.range_dimension.value is not None and left.domain_dimension.value is not None
                and right.range_dimension != left.domain_dimension):
            raise ValueError(f"Operators are incompatible. Expected `{what}` to have dimension "
                             f"{left.domain_dimension} but got {right.range_dimension}.")

    def matmul(self, x, adjoint=False, adjoint_arg=False, name="matmul"):
        """(self or its adjoint) @ (x or its adjoint); x a [batch of] matrix or another LinearOperator."""
        if isinstance(x, LinearOperator):
            left = self.adjoint() if adjoint else self
            right = x.adjoint() if adjoint_arg else x
            self._check_operator_dims(left, right, "x")
            with self._name_scope(name):
                return left._linop_matmul(left, right)
        with self._name_scope(name):
            x = as_tensor(x, "x")
            self._check_input_dtype(x)
            self._check_dim(-2 if adjoint else -1, x.shape[-1 if adjoint_arg else -2], "x")
            return self._matmul(x, adjoint=adjoint, adjoint_arg=adjoint_arg)

    def _linop_matmul(self, left, right):
        from .composition import LinearOperatorComposition
        if getattr(right, "_ones_diag", False) and not hasattr(right, "multiplier"):
            return left
        if getattr(right, "_zeros_diag", False):
            if not right.is_square or not left.is_square:
                raise ValueError("Matmul with non-square `LinearOperator`s or non-square `LinearOperatorZeros` "
                                 "not supported at this time.")
            return right
        return LinearOperatorComposition([left, right], **combined_hints(left, right))

    def __matmul__(self, other):
        return self.matmul(other)

    def _matvec(self, x, adjoint=False):
        return array_ops.squeeze(self.matmul(array_ops.expand_dims(x, -1), adjoint=adjoint), axis=-1)

    def matvec(self, x, adjoint=False, name="matvec"):
        """(self or its adjoint) @ x for a [batch of] vector x [..., N]."""
        with self._name_scope(name):
            x = as_tensor(x, "x")
            self._check_input_dtype(x)
            self._check_dim(-2 if adjoint else -1, x.shape[-1], "x")
            return self._matvec(x, adjoint=adjoint)

    def _dense_solve(self, rhs, adjoint=False, adjoint_arg=False):
        if self.is_square is False:
            raise NotImplementedError("Solve is not yet implemented for non-square operators.")
        rhs = adjoint_if(rhs, adjoint_arg)
        if self._can_use_cholesky():
            chol, rhs = broadcast_batch(matrix_ops.cholesky(self.to_dense()), rhs)
            return matrix_ops.cholesky_solve(chol, rhs)
        return matrix_solve_with_broadcast(self.to_dense(), rhs, adjoint=adjoint)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._dense_solve(rhs, adjoint=adjoint, adjoint_arg=adjoint_arg)

    def _check_solvable(self):
        if self.is_non_singular is False:
            raise NotImplementedError("Exact solve not implemented for an operator that is expected to be singular.")
        if self.is_square is False:
            raise NotImplementedError("Exact solve not implemented for an operator that is expected to not be "
                                      "square.")

    def solve(self, rhs, adjoint=False, adjoint_arg=False, name="solve"):
        """X with (self or its adjoint) @ X = rhs (or its adjoint); rhs may be a LinearOperator."""
        self._check_solvable()
        if isinstance(rhs, LinearOperator):
            left = self.adjoint() if adjoint else self
            right = rhs.adjoint() if adjoint_arg else rhs
            self._check_operator_dims(left, right, "rhs")
            with self._name_scope(name):
                return left._linop_solve(left, right)
        with self._name_scope(name):
            rhs = as_tensor(rhs, "rhs")
            self._check_input_dtype(rhs)
            self._check_dim(-1 if adjoint else -2, rhs.shape[-1 if adjoint_arg else -2], "rhs")
            return self._solve(rhs, adjoint=adjoint, adjoint_arg=adjoint_arg)

    def _linop_solve(self, left, right):
        from .composition import LinearOperatorComposition, LinearOperatorInversion
        if getattr(right, "_ones_diag", False) and not hasattr(right, "multiplier"):
            return left.inverse()
        return LinearOperatorComposition([LinearOperatorInversion(left), right], **combined_hints(left, right))

    def _solvevec(self, rhs, adjoint=False):
        return array_ops.squeeze(self.solve(array_ops.expand_dims(rhs, -1), adjoint=adjoint), axis=-1)

    def solvevec(self, rhs, adjoint=False, name="solve"):
        """x with (self or its adjoint) @ x = rhs for a [batch of] vector rhs."""
        self._check_solvable()
        with self._name_scope(name):
            rhs = as_tensor(rhs, "rhs")
            self._check_input_dtype(rhs)
            self._check_dim(-1 if adjoint else -2, rhs.shape[-1], "rhs")
            return self._solvevec(rhs, adjoint=adjoint)

    # --- determinants -----------------------------------------------------------------------------------------

    def _check_square_for_det(self):
        if self.is_square is False:
            raise NotImplementedError("Determinant not implemented for an operator that is expected to not be "
                                      "square.")

    def _determinant(self):
        if self._can_use_cholesky():
            return exp(self.log_abs_determinant())
        return matrix_ops.matrix_determinant(self.to_dense())

    def determinant(self, name="det"):
        self._check_square_for_det()
        with self._name_scope(name):
            return self._determinant()

    def _log_abs_determinant(self):
        if self._can_use_cholesky():
            diag = matrix_diag_part(matrix_ops.cholesky(self.to_dense()))
            return 2.0 * reduce_sum(log(diag), axis=[-1])
        return matrix_ops.slogdet(self.to_dense())[1]

    def log_abs_determinant(self, name="log_abs_det"):
        self._check_square_for_det()
        with self._name_scope(name):
            return self._log_abs_determinant()

    # --- derived operators ------------------------------------------------------------------------------------

    def adjoint(self, name="adjoint"):
        """The adjoint (conjugate transpose) as a LinearOperator: self when self-adjoint."""
        if self.is_self_adjoint is True:
            return self
        with self._name_scope(name):
            return self._linop_adjoint()

    H = property(adjoint)

    def _linop_adjoint(self):
        from .composition import LinearOperatorAdjoint
        return LinearOperatorAdjoint(self, is_non_singular=self.is_non_singular, is_self_adjoint=self.is_self_adjoint,
                                     is_positive_definite=self.is_positive_definite, is_square=self.is_square)

    def inverse(self, name="inverse"):
        if self.is_square is False:
            raise ValueError("Cannot take the Inverse: This operator represents a non square matrix.")
        if self.is_non_singular is False:
            raise ValueError("Cannot take the Inverse: This operator represents a singular matrix.")
        with self._name_scope(name):
            return self._linop_inverse()

    def _linop_inverse(self):
        from .composition import LinearOperatorInversion
        return LinearOperatorInversion(self, is_non_singular=self.is_non_singular,
                                       is_self_adjoint=self.is_self_adjoint,
                                       is_positive_definite=self.is_positive_definite, is_square=self.is_square)

    def cholesky(self, name="cholesky"):
        if not self._can_use_cholesky():
            raise ValueError("Cannot take the Cholesky decomposition: Not a positive definite self adjoint matrix.")
        with self._name_scope(name):
            return self._linop_cholesky()

    def _linop_cholesky(self):
        from .dense import LinearOperatorLowerTriangular
        return LinearOperatorLowerTriangular(matrix_ops.cholesky(self.to_dense()), is_non_singular=True,
                                             is_self_adjoint=False, is_square=True)

    # --- dense views ------------------------------------------------------------------------------------------

    def _to_dense(self):
        from ..ops.nd_ops import eye
        return self.matmul(eye(self._n(), batch_shape=self._batch_list(), dtype=self.dtype))

    def to_dense(self, name="to_dense"):
        """The [batch of] matrix as a Tensor."""
        with self._name_scope(name):
            return self._to_dense()

    def _diag_part(self):
        return matrix_diag_part(self.to_dense())

    def diag_part(self, name="diag_part"):
        with self._name_scope(name):
            return self._diag_part()

    def _trace(self):
        return reduce_sum(self.diag_part(), axis=-1)

    def trace(self, name="trace"):
        with self._name_scope(name):
            return self._trace()

    def _add_to_tensor(self, x):
        return add(self.to_dense(), x)

    def add_to_tensor(self, x, name="add_to_tensor"):
        """self.to_dense() + x."""
        with self._name_scope(name):
            x = as_tensor(x, "x")
            self._check_input_dtype(x)
            return self._add_to_tensor(x)

    def _eigvals(self):
        return self_adjoint_eigvals(self.to_dense())

    def eigvals(self, name="eigvals"):
        if not self.is_self_adjoint:
            raise NotImplementedError("Only self-adjoint matrices are supported.")
        with self._name_scope(name):
            return self._eigvals()

    def _cond(self):
        if not self.is_self_adjoint:
            vals = svd(self.to_dense(), compute_uv=False)
        else:
            vals = abs_(self._eigvals())
        return reduce_max(vals, axis=-1) / reduce_min(vals, axis=-1)

    def cond(self, name="cond"):
        """The condition number: largest over smallest singular value (eigenvalue modulus if self-adjoint)."""
        with self._name_scope(name):
            return self._cond()

    def _can_use_cholesky(self):
        return bool(self.is_self_adjoint and self.is_positive_definite)

    def __repr__(self):
        return (f"<tf.linalg.{type(self).__name__} '{self.name}' shape={self.shape} dtype={self.dtype.name}>")


def _square_hint(a, b):
    """Whether a @ b is square, as TF's property_hint_util.is_square."""
    if a.is_square and b.is_square:
        return True
    if a.is_square is False and b.is_square is False:
        m, n = a.range_dimension.value, b.domain_dimension.value
        if m is not None and n is not None:
            return m == n
    if a.is_square is not None and b.is_square is not None and a.is_square != b.is_square:
        return False
    return None


def combined_hints(left, right):
    """Hints of left @ right as TF combines them: non-singular when both square factors are (False when either
    is not); a product known not to be square is none of the other things."""
    is_square = _square_hint(left, right)
    hints = {"is_square": is_square, "is_non_singular": None, "is_self_adjoint": None, "is_positive_definite": None}
    if is_square:
        if left.is_non_singular is False or right.is_non_singular is False:
            hints["is_non_singular"] = False
        else:
            hints["is_non_singular"] = left.is_non_singular and right.is_non_singular
    elif is_square is False:
        hints.update(is_non_singular=False, is_self_adjoint=False, is_positive_definite=False)
    return hints


__all__ = ["LinearOperator"]
