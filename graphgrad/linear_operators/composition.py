"""Operators made of other operators without touching their entries: `LinearOperatorComposition` (A1 @ A2 @ ...:
products applied right to left, solves left to right, determinants multiplied), `LinearOperatorAdjoint` (A^H: every
method calls A's with `adjoint` flipped) and `LinearOperatorInversion` (A^-1: matmul is A's solve and back)."""
from __future__ import annotations

from ..ops import array_ops
from ..ops.arithmetic_ops import negative, realdiv
from ..ops.complex_ops import conj
from ..ops.core import group
from .base import LinearOperator, broadcast_shapes, product, total


def _conj(x):
    return conj(x) if x.dtype.is_complex else x


def _is_adjoint_pair(x, y):
    if x is y:
        if x.is_self_adjoint is False:
            return False
        if x.is_self_adjoint:
            return True
    return x.H is y or y.H is x


def is_aat_form(operators):
    """True when the operators read A1 @ A2 @ ... @ A2^H @ A1^H (by identity, not by entries), as TF's."""
    operators = list(operators)
    if len(operators) % 2:
        return False
    return all(_is_adjoint_pair(operators[i], operators[-1 - i]) for i in range(len(operators) // 2))


def _same_or_contradiction(operator, attr, given, message):
    """The hint `given` combined with the wrapped operator's, which must agree (TF's
    use_operator_or_provided_hint_unless_contradicting)."""
    mine = getattr(operator, attr)
    if (mine is False and given) or (mine and given is False):
        raise ValueError(message)
    if mine or given:
        return True
    if mine is False or given is False:
        return False
    return None


def _wrapper_hints(operator, hints, what):
    words = {"is_square": "square", "is_non_singular": "non-singular", "is_self_adjoint": "self-adjoint",
             "is_positive_definite": "positive-definite"}
    return {attr: _same_or_contradiction(operator, attr, hints[attr],
                                         f"An operator is {word} if and only if its {what} is {word}.")
            for attr, word in words.items()}


class LinearOperatorComposition(LinearOperator):
    """operators[0] @ operators[1] @ ... as one operator."""

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name=None):
        operators = list(operators)
        if not operators:
            raise ValueError(f"Expected a non-empty list of operators. Found: {operators}")
        dtype = operators[0].dtype
        if any(o.dtype != dtype for o in operators):
            raise TypeError("Expected all operators to have the same dtype.  Found "
                            + "   ".join(str((o.name, o.dtype)) for o in operators))
        if all(o.is_non_singular for o in operators):
            if is_non_singular is False:
                raise ValueError("The composition of non-singular operators is always non-singular.")
            is_non_singular = True
        aat = is_aat_form(operators)
        if (len(operators) == 1 and operators[0].is_self_adjoint) or aat:
            if is_self_adjoint is False:
                raise ValueError("The composition was determined to be self-adjoint but user provided incorrect "
                                 "`False` hint.")
            is_self_adjoint = True
        if aat:
            if is_square is False:
                raise ValueError("The composition was determined have the form A @ A.H, hence it must be square. "
                                 "The user provided an incorrect `False` hint.")
            is_square = True
            if is_non_singular:
                if is_positive_definite is False:
                    raise ValueError("The composition was determined to be non-singular and have the form A @ A.H, "
                                     "hence it must be positive-definite. The user provided an incorrect `False` "
                                     "hint.")
                is_positive_definite = True
        for left, right in zip(operators, operators[1:]):
            d, r = left.domain_dimension.value, right.range_dimension.value
            if d is not None and r is not None and d != r:
                raise ValueError(f"Dimensions {d} and {r} are not compatible")
        self._operators = operators
        super().__init__(dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square,
                         name=name or "_o_".join(o.name for o in operators),
                         parameters=dict(operators=operators, name=name))

    operators = property(lambda self: self._operators)

    def _shape(self):
        batches = [o.batch_shape.as_list() for o in self._operators]
        if all(None not in b for b in batches):
            batch = broadcast_shapes(*batches)
        elif all(b == batches[0] for b in batches):
            batch = batches[0]
        else:  # known only at run time
            batch = [None] * max(len(b) for b in batches)
        return batch + [self._operators[0].shape[-2], self._operators[-1].shape[-1]]

    def _shape_tensor(self):
        from ..ops.framework_ops import broadcast_dynamic_shape
        batch = self._operators[0].batch_shape_tensor()
        for o in self._operators[1:]:
            batch = broadcast_dynamic_shape(batch, o.batch_shape_tensor())
        return array_ops.concat([batch, array_ops.stack([self._operators[0].range_dimension_tensor(),
                                                         self._operators[-1].domain_dimension_tensor()])], 0)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        order = self._operators if adjoint else self._operators[::-1]
        result = order[0].matmul(x, adjoint=adjoint, adjoint_arg=adjoint_arg)
        for operator in order[1:]:
            result = operator.matmul(result, adjoint=adjoint)
        return result

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        order = self._operators[::-1] if adjoint else self._operators
        result = order[0].solve(rhs, adjoint=adjoint, adjoint_arg=adjoint_arg)
        for operator in order[1:]:
            result = operator.solve(result, adjoint=adjoint)
        return result

    def _determinant(self):
        return product(o.determinant() for o in self._operators)

    def _log_abs_determinant(self):
        return total(o.log_abs_determinant() for o in self._operators)

    def _assert_non_singular(self):
        if all(o.is_square for o in self._operators):
            return group(*[o.assert_non_singular() for o in self._operators])
        return super()._assert_non_singular()

    def _linop_cholesky(self):
        from .dense import LinearOperatorLowerTriangular
        ops = self._operators
        if len(ops) == 2 and is_aat_form(ops) and isinstance(ops[0], LinearOperatorLowerTriangular):
            left = ops[0]
            if left.is_positive_definite:
                return left
            from ..ops.array_ops import expand_dims
            from ..ops.unary_ops import sign
            return LinearOperatorLowerTriangular(realdiv(left.tril, expand_dims(sign(left.diag_part()), -2)),
                                                 is_non_singular=left.is_non_singular,
                                                 is_self_adjoint=left.is_self_adjoint,
                                                 is_positive_definite=True if left.is_positive_definite else None,
                                                 is_square=True)
        return super()._linop_cholesky()


class _Wrapper(LinearOperator):
    """An operator defined by one other operator, whose checks it delegates to."""

    operator = property(lambda self: self._operator)

    def _wrap(self, operator, hints, what, name, suffix):
        self._operator = operator
        super().__init__(operator.dtype, name=name or operator.name + suffix,
                         parameters=dict(operator=operator, name=name), **_wrapper_hints(operator, hints, what))

    def _assert_non_singular(self):
        return self._operator.assert_non_singular()

    def _assert_positive_definite(self):
        return self._operator.assert_positive_definite()

    def _assert_self_adjoint(self):
        return self._operator.assert_self_adjoint()

    def _cond(self):
        return self._operator.cond()


class LinearOperatorAdjoint(_Wrapper):
    """operator^H, by calling operator's methods with `adjoint` flipped."""

    def __init__(self, operator, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name=None):
        self._wrap(operator, dict(is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                                  is_positive_definite=is_positive_definite, is_square=is_square), "adjoint", name,
                   "_adjoint")

    def _linop_adjoint(self):
        return self._operator

    def _shape(self):
        s = self._operator.shape.as_list()
        return s[:-2] + [s[-1], s[-2]]

    def _shape_tensor(self):
        s = self._operator.shape_tensor()
        return array_ops.concat([s[:-2], s[-1:], s[-2:-1]], 0)

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return self._operator.matmul(x, adjoint=not adjoint, adjoint_arg=adjoint_arg)

    def _matvec(self, x, adjoint=False):
        return self._operator.matvec(x, adjoint=not adjoint)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._operator.solve(rhs, adjoint=not adjoint, adjoint_arg=adjoint_arg)

    def _solvevec(self, rhs, adjoint=False):
        return self._operator.solvevec(rhs, adjoint=not adjoint)

    def _determinant(self):
        d = self._operator.determinant()
        return d if self.is_self_adjoint else _conj(d)

    def _log_abs_determinant(self):
        return self._operator.log_abs_determinant()

    def _trace(self):
        t = self._operator.trace()
        return t if self.is_self_adjoint else _conj(t)

    def _to_dense(self):
        from ..ops.matrix_ops import adjoint
        return adjoint(self._operator.to_dense())

    def _add_to_tensor(self, x):
        return self.to_dense() + x

    def _eigvals(self):
        return _conj(self._operator.eigvals())



class LinearOperatorInversion(_Wrapper):
    """operator^-1: matmul is operator.solve and solve is operator.matmul."""

    def __init__(self, operator, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name=None):
        if operator.is_non_singular is False or is_non_singular is False:
            raise ValueError(f"Argument `is_non_singular` or argument `operator` must have supplied hint "
                             f"`is_non_singular` equal to `True` or `None`. Found `operator.is_non_singular`: "
                             f"{operator.is_non_singular}, `is_non_singular`: {is_non_singular}.")
        if operator.is_square is False or is_square is False:
            raise ValueError(f"Argument `is_square` or argument `operator` must have supplied hint `is_square` "
                             f"equal to `True` or `None`. Found `operator.is_square`: {operator.is_square}, "
                             f"`is_square`: {is_square}.")
        self._wrap(operator, dict(is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                                  is_positive_definite=is_positive_definite, is_square=is_square), "inverse", name,
                   "_inv")

    def _linop_inverse(self):
        return self._operator

    def _linop_solve(self, left, right):
        return left.operator.matmul(right)

    def _shape(self):
        return self._operator.shape.as_list()

    def _shape_tensor(self):
        return self._operator.shape_tensor()

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return self._operator.solve(x, adjoint=adjoint, adjoint_arg=adjoint_arg)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._operator.matmul(rhs, adjoint=adjoint, adjoint_arg=adjoint_arg)

    def _determinant(self):
        return 1.0 / self._operator.determinant()

    def _log_abs_determinant(self):
        return negative(self._operator.log_abs_determinant())

    def _eigvals(self):
        return 1.0 / self._operator.eigvals()
