"""Operators assembled from blocks: `LinearOperatorBlockDiag` (blocks on the diagonal: products and solves block by
block on slices of the argument, determinants multiplied), `LinearOperatorBlockLowerTriangular` (solves by block
forward / back substitution, the determinant from the diagonal blocks) and `LinearOperatorKronecker` (A1 ⊗ A2 ⊗ ...:
each factor applied along its own axis of the reshaped argument, det(⊗Ai) = ∏ det(Ai)^(N/ni), solves by the
factors' solves)."""
from __future__ import annotations

import math

from ..ops import array_ops
from ..ops.arithmetic_ops import multiply
from ..ops.core import group
from .base import LinearOperator, adjoint_if, broadcast_batch, broadcast_shapes, dims, product, total


def _same_dtype(operators, message):
    dtype = operators[0].dtype
    if any(o.dtype != dtype for o in operators):
        raise TypeError(message(operators))
    return dtype


def _all_imply(operators, attr, given, message):
    """True when every operator has the hint (ValueError if the user said False), else the user's hint."""
    if all(getattr(o, attr) for o in operators):
        if given is False:
            raise ValueError(message)
        return True
    return given


def _dtype_message(operators):
    return "Expected all operators to have the same dtype.  Found " + "   ".join(
        str((o.name, o.dtype)) for o in operators)


def _split_rows(x, sizes):
    return array_ops.split(x, sizes, axis=-2) if len(sizes) > 1 else [x]


def _concat_rows(parts):
    return array_ops.concat(broadcast_batch(*parts), axis=-2) if len(parts) > 1 else parts[0]


def _batch_of(operators):
    return broadcast_shapes(*(o.batch_shape.as_list() for o in operators))


class LinearOperatorBlockDiag(LinearOperator):
    """The direct sum diag(A1, A2, ...) of a list of operators."""

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=True, name=None):
        operators = list(operators)
        if not operators:
            raise ValueError(f"Expected a non-empty list of operators. Found: {operators}")
        dtype = _same_dtype(operators, _dtype_message)
        is_non_singular = _all_imply(operators, "is_non_singular", is_non_singular,
                                     "The direct sum of non-singular operators is always non-singular.")
        is_self_adjoint = _all_imply(operators, "is_self_adjoint", is_self_adjoint,
                                     "The direct sum of self-adjoint operators is always self-adjoint.")
        is_positive_definite = _all_imply(operators, "is_positive_definite", is_positive_definite,
                                          "The direct sum of positive definite operators is always positive "
                                          "definite.")
        self._operators = operators
        super().__init__(dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square,
                         name=name or "_ds_".join(o.name for o in operators),
                         parameters=dict(operators=operators, name=name))

    operators = property(lambda self: self._operators)

    def _shape(self):
        return _batch_of(self._operators) + [sum(int(o.shape[-2]) for o in self._operators),
                                             sum(int(o.shape[-1]) for o in self._operators)]

    def _blockwise(self, method, x, adjoint, adjoint_arg, dim):
        x = adjoint_if(x, adjoint_arg)
        parts = _split_rows(x, [int(o.shape[dim]) for o in self._operators])
        return _concat_rows([getattr(o, method)(p, adjoint=adjoint) for o, p in zip(self._operators, parts)])

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return self._blockwise("matmul", x, adjoint, adjoint_arg, -2 if adjoint else -1)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        return self._blockwise("solve", rhs, adjoint, adjoint_arg, -1 if adjoint else -2)

    def _determinant(self):
        return product(o.determinant() for o in self._operators)

    def _log_abs_determinant(self):
        return total(o.log_abs_determinant() for o in self._operators)

    def _require_square_blocks(self, what):
        if not all(o.is_square for o in self._operators):
            raise NotImplementedError(f"`{what}` not implemented for an operator whose blocks are not square.")

    def _concat_vectors(self, parts):
        batch = self.batch_shape.as_list()
        parts = [p if dims(p)[:-1] == batch else array_ops.broadcast_to(p, batch + dims(p)[-1:]) for p in parts]
        return array_ops.concat(parts, axis=-1) if len(parts) > 1 else parts[0]

    def _diag_part(self):
        self._require_square_blocks("diag_part")
        return self._concat_vectors([o.diag_part() for o in self._operators])

    def _trace(self):
        self._require_square_blocks("trace")
        return total(o.trace() for o in self._operators)

    def _eigvals(self):
        self._require_square_blocks("eigvals")
        return self._concat_vectors([o.eigvals() for o in self._operators])

    def _to_dense(self):
        batch = self.batch_shape.as_list()
        cols = int(self.shape[-1])
        rows, start = [], 0
        for o in self._operators:
            block = o.to_dense()
            if dims(block)[:-2] != batch:
                block = array_ops.broadcast_to(block, batch + dims(block)[-2:])
            n = int(o.shape[-1])
            rows.append(array_ops.pad(block, [[0, 0]] * len(batch) + [[0, 0], [start, cols - start - n]]))
            start += n
        return array_ops.concat(rows, axis=-2) if len(rows) > 1 else rows[0]

    def _assert_non_singular(self):
        return group(*[o.assert_non_singular() for o in self._operators])

    def _linop_adjoint(self):
        return LinearOperatorBlockDiag([o.adjoint() for o in self._operators], is_non_singular=self.is_non_singular,
                                       is_self_adjoint=self.is_self_adjoint,
                                       is_positive_definite=self.is_positive_definite, is_square=True)

    def _linop_inverse(self):
        return LinearOperatorBlockDiag([o.inverse() for o in self._operators], is_non_singular=self.is_non_singular,
                                       is_self_adjoint=self.is_self_adjoint,
                                       is_positive_definite=self.is_positive_definite, is_square=True)


class LinearOperatorBlockLowerTriangular(LinearOperator):
    """A square block lower-triangular operator: operators[i] holds the blocks of row i left of and on the
    diagonal (i + 1 of them), the diagonal ones square."""

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name="LinearOperatorBlockLowerTriangular"):
        operators = [list(row) for row in operators]
        if not operators:
            raise ValueError(f"Argument `operators` must be a list of >=1 operators. Received: {operators}.")
        self._operators = operators
        self._diagonal_operators = [row[-1] for row in operators]
        flat = [o for row in operators for o in row]
        dtype = _same_dtype(flat, lambda ops: "Expected all operators to have the same dtype.  Found "
                            + "   ".join(str((o.name, o.dtype)) for o in ops))
        diag = self._diagonal_operators
        if all(o.is_non_singular for o in diag):
            if is_non_singular is False:
                raise ValueError(f"A blockwise lower-triangular operator with non-singular operators on the main "
                                 f"diagonal is always non-singular. Expected argument `is_non_singular` to be "
                                 f"True. Received: {is_non_singular}.")
            is_non_singular = True
        elif any(o.is_non_singular is False for o in diag):
            if is_non_singular is True:
                raise ValueError(f"A blockwise lower-triangular operator with a singular operator on the main "
                                 f"diagonal is always singular. Expected argument `is_non_singular` to be True. "
                                 f"Received: {is_non_singular}.")
            is_non_singular = False
        for i, row in enumerate(operators):
            if len(row) != i + 1:
                raise ValueError(f"Argument `operators[{i}]` must contain `{i + 1}` blocks. "
                                 f"Received: {len(row)} blocks.")
        self._check_dimensions()
        if is_square is False:
            raise ValueError(f"`LinearOperatorBlockLowerTriangular` must be square. Expected argument `is_square` "
                             f"to be True. Received: {is_square}.")
        for i, o in enumerate(diag):
            if o.is_square is False:
                raise ValueError(f"Matrices on the diagonal (the final elements of each row-partition in the "
                                 f"`operators` list) must be square. Expected argument `operators[{i}][-1]."
                                 f"is_square` to be True. Received: {o.is_square}.")
        super().__init__(dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=True, name=name,
                         parameters=dict(operators=operators, name=name))

    def _check_dimensions(self):
        ops = self._operators
        for i in range(1, len(ops)):
            for j in range(i):
                op, above, right = ops[i][j], ops[i - 1][j], ops[i][j + 1]
                if op.domain_dimension != above.domain_dimension:
                    raise ValueError(f"Argument `operators[{i}][{j}].domain_dimension` ({op.domain_dimension}) "
                                     f"must be the same as `operators[{i - 1}][{j}].domain_dimension` "
                                     f"({above.domain_dimension}).")
                if op.range_dimension != right.range_dimension:
                    raise ValueError(f"Argument `operators[{i}][{j}].range_dimension` ({op.range_dimension}) "
                                     f"must be the same as `operators[{i}][{j + 1}].range_dimension` "
                                     f"({right.range_dimension}).")

    operators = property(lambda self: self._operators)

    def _sizes(self):
        return [int(o.shape[-1]) for o in self._diagonal_operators]

    def _shape(self):
        n = sum(self._sizes())
        return _batch_of([o for row in self._operators for o in row]) + [n, n]

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        xs = _split_rows(adjoint_if(x, adjoint_arg), self._sizes())
        k = len(self._operators)
        out = []
        for i in range(k):
            # Row i of A (or of A^H: column i of A, the blocks below the diagonal adjointed).
            pairs = ([(self._operators[j][i], xs[j]) for j in range(i, k)] if adjoint
                     else [(self._operators[i][j], xs[j]) for j in range(i + 1)])
            terms = [o.matmul(p, adjoint=adjoint) for o, p in pairs]
            total = terms[0]
            for t in terms[1:]:
                total = total + t
            out.append(total)
        return _concat_rows(out)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        bs = _split_rows(adjoint_if(rhs, adjoint_arg), self._sizes())
        k = len(self._operators)
        xs = [None] * k
        order = range(k - 1, -1, -1) if adjoint else range(k)
        for i in order:  # substitution: forward for A, backward for A^H
            known = (range(i + 1, k) if adjoint else range(i))
            r = bs[i]
            for j in known:
                block = self._operators[j][i] if adjoint else self._operators[i][j]
                r = r - block.matmul(xs[j], adjoint=adjoint)
            xs[i] = self._diagonal_operators[i].solve(r, adjoint=adjoint)
        return _concat_rows(xs)

    def _determinant(self):
        return product(o.determinant() for o in self._diagonal_operators)

    def _log_abs_determinant(self):
        return total(o.log_abs_determinant() for o in self._diagonal_operators)

    def _diag_part(self):
        parts = [o.diag_part() for o in self._diagonal_operators]
        batch = self.batch_shape.as_list()
        parts = [p if dims(p)[:-1] == batch else array_ops.broadcast_to(p, batch + dims(p)[-1:]) for p in parts]
        return array_ops.concat(parts, axis=-1) if len(parts) > 1 else parts[0]

    def _trace(self):
        return total(o.trace() for o in self._diagonal_operators)

    def _to_dense(self):
        batch = self.batch_shape.as_list()
        sizes = self._sizes()
        rows = []
        for i, row in enumerate(self._operators):
            blocks = []
            for o in row:
                b = o.to_dense()
                blocks.append(b if dims(b)[:-2] == batch else array_ops.broadcast_to(b, batch + dims(b)[-2:]))
            right = sum(sizes[i + 1:])
            if right:
                blocks.append(array_ops.zeros(batch + [sizes[i], right], dtype=self.dtype))
            rows.append(array_ops.concat(blocks, axis=-1) if len(blocks) > 1 else blocks[0])
        return array_ops.concat(rows, axis=-2) if len(rows) > 1 else rows[0]

    def _assert_non_singular(self):
        return group(*[o.assert_non_singular() for o in self._diagonal_operators])

    def _eigvals(self):
        return self._diag_part()


def _kron_vectors(a, b):
    """The Kronecker product of [batch of] vectors: [..., n] and [..., m] -> [..., n·m]."""
    outer = multiply(array_ops.expand_dims(a, -1), array_ops.expand_dims(b, -2))
    s = dims(outer)
    return array_ops.reshape(outer, s[:-2] + [s[-2] * s[-1]])


class LinearOperatorKronecker(LinearOperator):
    """operators[0] ⊗ operators[1] ⊗ ... (the Kronecker product), never formed densely to compute."""

    def __init__(self, operators, is_non_singular=None, is_self_adjoint=None, is_positive_definite=None,
                 is_square=None, name=None):
        operators = list(operators)
        if not operators:
            raise ValueError(f"Argument `operators` must be a list of >=1 operators. Received: {operators}.")
        dtype = _same_dtype(operators, lambda ops: f"Expected every operation in argument `operators` to have "
                            f"the same dtype. Received {[str((o.name, o.dtype)) for o in ops]}.")
        for attr, what in (("is_non_singular", "non-singular"), ("is_self_adjoint", "self-adjoint"),
                           ("is_positive_definite", "positive-definite")):
            given = {"is_non_singular": is_non_singular, "is_self_adjoint": is_self_adjoint,
                     "is_positive_definite": is_positive_definite}[attr]
            value = _all_imply(operators, attr, given, f"The Kronecker product of {what} operators is always "
                               f"{what}. Expected argument `{attr}` to be True. Received: {given}.")
            if attr == "is_non_singular":
                is_non_singular = value
            elif attr == "is_self_adjoint":
                is_self_adjoint = value
            else:
                is_positive_definite = value
        self._operators = operators
        super().__init__(dtype, is_non_singular=is_non_singular, is_self_adjoint=is_self_adjoint,
                         is_positive_definite=is_positive_definite, is_square=is_square,
                         name=name or "_x_".join(o.name for o in operators),
                         parameters=dict(operators=operators, name=name))

    operators = property(lambda self: self._operators)

    def _shape(self):
        return _batch_of(self._operators) + [math.prod(int(o.shape[-2]) for o in self._operators),
                                             math.prod(int(o.shape[-1]) for o in self._operators)]

    def _apply(self, method, x, adjoint, adjoint_arg, in_dim, out_dim):
        """Each factor applied along its own axis of x reshaped to [..., n1, n2, ..., nk, R]."""
        x = adjoint_if(x, adjoint_arg)
        s = dims(x)
        sizes = [int(o.shape[in_dim]) for o in self._operators]
        k = len(sizes)
        y = array_ops.reshape(x, s[:-2] + sizes + [s[-1]])
        for i, o in enumerate(self._operators):
            cur = dims(y)
            nb = len(cur) - k - 1
            others = [nb + j for j in range(k) if j != i] + [nb + k]
            perm = list(range(nb)) + [nb + i] + others
            moved = array_ops.transpose(y, perm)
            flat = array_ops.reshape(moved, cur[:nb] + [cur[nb + i], math.prod(cur[a] for a in others)])
            out = getattr(o, method)(flat, adjoint=adjoint)
            ob = dims(out)[:-2]
            m = int(o.shape[out_dim])
            out = array_ops.reshape(out, ob + [m] + [cur[a] for a in others])
            nb = len(ob)
            inverse = [0] * (k + 1)
            for pos, ax in enumerate([i] + [j for j in range(k) if j != i] + [k]):
                inverse[ax] = pos
            y = array_ops.transpose(out, list(range(nb)) + [nb + p for p in inverse])
        final = dims(y)
        nb = len(final) - k - 1
        return array_ops.reshape(y, final[:nb] + [math.prod(final[nb:nb + k]), final[-1]])

    def _matmul(self, x, adjoint=False, adjoint_arg=False):
        return self._apply("matmul", x, adjoint, adjoint_arg, -2 if adjoint else -1, -1 if adjoint else -2)

    def _solve(self, rhs, adjoint=False, adjoint_arg=False):
        self._require_square()
        return self._apply("solve", rhs, adjoint, adjoint_arg, -2, -1)

    def _require_square(self):
        if not all(o.is_square for o in self._operators):
            from ..framework.errors import InvalidArgumentError
            raise InvalidArgumentError(None, None, "LinearOperatorKronecker is only invertible if each factor is "
                                                   "invertible. Expected hint `is_square` to be True for every "
                                                   "operator in argument `operators`.")

    def _powers(self):
        n = int(self.shape[-1])
        return [n // int(o.shape[-1]) for o in self._operators]

    def _determinant(self):
        self._require_square()
        return product(o.determinant() ** _as(p, o) for o, p in zip(self._operators, self._powers()))

    def _log_abs_determinant(self):
        self._require_square()
        return total(o.log_abs_determinant() * _as(p, o) for o, p in zip(self._operators, self._powers()))

    def _trace(self):
        return product(o.trace() for o in self._operators)

    def _kron_reduce(self, method):
        result = getattr(self._operators[0], method)()
        for o in self._operators[1:]:
            a, b = result, getattr(o, method)()
            batch = broadcast_shapes(dims(a)[:-1], dims(b)[:-1])
            a = a if dims(a)[:-1] == batch else array_ops.broadcast_to(a, batch + dims(a)[-1:])
            b = b if dims(b)[:-1] == batch else array_ops.broadcast_to(b, batch + dims(b)[-1:])
            result = _kron_vectors(a, b)
        return result

    def _diag_part(self):
        return self._kron_reduce("diag_part")

    def _eigvals(self):
        return self._kron_reduce("eigvals")

    def _to_dense(self):
        result = self._operators[0].to_dense()
        for o in self._operators[1:]:
            a, b = broadcast_batch(result, o.to_dense())
            sa, sb = dims(a), dims(b)
            outer = multiply(array_ops.reshape(a, sa[:-2] + [sa[-2], 1, sa[-1], 1]),
                             array_ops.reshape(b, sb[:-2] + [1, sb[-2], 1, sb[-1]]))
            result = array_ops.reshape(outer, sa[:-2] + [sa[-2] * sb[-2], sa[-1] * sb[-1]])
        return result

    def _cond(self):
        return product(o.cond() for o in self._operators)

    def _assert_non_singular(self):
        return group(*[o.assert_non_singular() for o in self._operators])

    def _linop_adjoint(self):
        return LinearOperatorKronecker([o.adjoint() for o in self._operators], is_non_singular=self.is_non_singular,
                                       is_self_adjoint=self.is_self_adjoint,
                                       is_positive_definite=self.is_positive_definite, is_square=self.is_square)

    def _linop_inverse(self):
        return LinearOperatorKronecker([o.inverse() for o in self._operators], is_non_singular=self.is_non_singular,
                                       is_self_adjoint=self.is_self_adjoint,
                                       is_positive_definite=self.is_positive_definite, is_square=self.is_square)


def _as(value, operator):
    """A Python number as a scalar tensor of the operator's (real) dtype."""
    import numpy as np

    from ..ops.core import convert_to_tensor
    return convert_to_tensor(np.array(value, operator.dtype.np))


__all__ = ["LinearOperatorBlockDiag", "LinearOperatorBlockLowerTriangular", "LinearOperatorKronecker"]
