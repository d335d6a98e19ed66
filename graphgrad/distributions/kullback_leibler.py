"""`tf.distributions.kl_divergence` and `RegisterKL`: KL(a || b) found by the classes of a and b, walking both
method resolution orders and taking the registered pair nearest to them (TF 1.15's rule, so Exponential uses the
Gamma-Gamma formula). The registry maps classes to functions, as TF's does: a table of code, not of state.
"""
from __future__ import annotations

from ..framework.graph import control_dependencies, name_scope
from ..ops.check_ops import Assert
from ..ops.comparison_ops import logical_not
from ..ops.core import identity
from ..ops.reduction_ops import reduce_any
from ..ops.unary_ops import is_nan

_DIVERGENCES = {}


def _registered_kl(type_a, type_b):
    best, best_distance = None, None
    for da, parent_a in enumerate(type_a.__mro__):
        for db, parent_b in enumerate(type_b.__mro__):
            fn = _DIVERGENCES.get((parent_a, parent_b))
            if fn is not None and (best is None or da + db < best_distance):
                best, best_distance = fn, da + db
    return best


def kl_divergence(distribution_a, distribution_b, allow_nan_stats=True, name=None):
    """KL(distribution_a || distribution_b), batched; NotImplementedError when no function is registered for the
    pair. With allow_nan_stats=False the result asserts that it holds no NaN."""
    kl_fn = _registered_kl(type(distribution_a), type(distribution_b))
    if kl_fn is None:
        raise NotImplementedError(
            f"No KL(distribution_a || distribution_b) registered for distribution_a type "
            f"{type(distribution_a).__name__} and distribution_b type {type(distribution_b).__name__}")
    with name_scope("KullbackLeibler"):
        kl_t = kl_fn(distribution_a, distribution_b, name=name)
        if allow_nan_stats:
            return kl_t
        kl_t = identity(kl_t, name="kl")
        message = (f"KL calculation between {distribution_a.name} and {distribution_b.name} returned NaN values "
                   "(and was called with allow_nan_stats=False). Values:")
        with control_dependencies([Assert(logical_not(reduce_any(is_nan(kl_t))), [message, kl_t])]):
            return identity(kl_t, name="checked_kl")


def cross_entropy(ref, other, allow_nan_stats=True, name=None):
    """H[ref, other] = entropy(ref) + KL(ref || other)."""
    from ..ops.arithmetic_ops import add

    with name_scope(name, f"cross_entropy_{ref.name.strip('/')}_{other.name.strip('/')}"):
        return add(ref.entropy(), kl_divergence(ref, other, allow_nan_stats=allow_nan_stats))


class RegisterKL:
    """Decorator: `@RegisterKL(ClassA, ClassB) def _kl(a, b, name=None): ...` registers KL(ClassA || ClassB)."""

    def __init__(self, dist_cls_a, dist_cls_b):
        self._key = (dist_cls_a, dist_cls_b)

    def __call__(self, kl_fn):
        if not callable(kl_fn):
            raise TypeError(f"kl_fn must be callable, received: {kl_fn}")
        if self._key in _DIVERGENCES:
            raise ValueError(f"KL({self._key[0].__name__} || {self._key[1].__name__}) has already been registered "
                             f"to: {_DIVERGENCES[self._key]}")
        _DIVERGENCES[self._key] = kl_fn
        return kl_fn
