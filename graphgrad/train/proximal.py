"""`tf.train.ProximalGradientDescentOptimizer`, `ProximalAdagradOptimizer` and `AdagradDAOptimizer`: TF1's updates
with l1 / l2 penalties applied by a proximal step (soft-thresholding, then shrinking), written once as graph ops of
the variable and its slots. `tf.import_graph_def` builds TF's Apply*/SparseApply* ops of the same names from the
same rules (graph_io/tf_ops.py), so an imported TF graph and a graphgrad one train alike.

    ProximalGradientDescent  prox = var - lr·g;  var = sign(prox)·max(|prox| - lr·l1, 0) / (1 + lr·l2)
    ProximalAdagrad          accum += g²;  rate = lr / √accum;  the same step with rate for lr
    AdagradDA                g_acc += g;  gg_acc += g²;  t = global_step + 1
                             var = -lr·sign(g_acc)·max(|g_acc| - l1·t, 0) / (l2·t·lr + √gg_acc)

An IndexedSlices gradient (an embedding's) updates its rows only: the rule on the gathered rows of the variable and
its slots, scattered back, with repeated rows summed first (TF's Sparse* ops).
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import get_default_graph, name_scope
from ..ops import math_ops, scatter_ops, state_ops
from ..ops.array_ops import gather
from ..ops.core import group, identity
from .optimizer import Optimizer

__all__ = ["ProximalGradientDescentOptimizer", "ProximalAdagradOptimizer", "AdagradDAOptimizer",
           "gradient_descent_rule", "adagrad_rule", "adagrad_da_rule", "apply_rule"]


def _proximal(prox, rate, l1, l2):
    """The proximal step of the l1 / l2 penalties after a descent step to `prox`, as TensorFlow's kernels: for
    l1 = 0 it is prox / (1 + rate·l2) alike (sign(p)·|p| is p exactly)."""
    shrunk = math_ops.maximum(math_ops.abs(prox) - rate * l1, 0.0)
    return math_ops.sign(prox) * shrunk / (1.0 + rate * l2)


def gradient_descent_rule(refs, args):
    """ApplyProximalGradientDescent(var; alpha, l1, l2, delta) -> [var]."""
    alpha, l1, l2, delta = args
    return [_proximal(refs[0] - alpha * delta, alpha, l1, l2)]


def adagrad_rule(refs, args):
    """ApplyProximalAdagrad(var, accum; lr, l1, l2, grad): Adagrad's rate lr / √accum' for the proximal step."""
    var, accum = refs
    lr, l1, l2, grad = args
    new_accum = accum + grad * grad
    rate = lr * math_ops.rsqrt(new_accum)
    return [_proximal(var - grad * rate, rate, l1, l2), new_accum]


def adagrad_da_rule(refs, args):
    """ApplyAdagradDA(var, gradient_accumulator, gradient_squared_accumulator; grad, lr, l1, l2, global_step): the
    dual-averaging step of the accumulated g and g² at step t (the var's old value is not used)."""
    _, g_acc, gg_acc = refs
    grad, lr, l1, l2, step = args
    new_g, new_gg = g_acc + grad, gg_acc + grad * grad
    t = math_ops.cast(step, grad.dtype.base_dtype)
    shrunk = -lr * math_ops.sign(new_g) * math_ops.maximum(math_ops.abs(new_g) - t * l1, 0.0)
    return [shrunk / (l2 * (t * lr) + math_ops.sqrt(new_gg)), new_g, new_gg]


def apply_rule(rule, refs, args, name, indices=None):
    """`rule(refs, args)` assigned to the variable and slots `refs` under the name scope `name`: one Assign for a
    single variable, else a NoOp named `name` grouping them. With `indices`, on those rows only (they must be
    distinct): the rule on the gathered rows, scattered back once all are computed."""
    with name_scope(name) as scope:
        if indices is None:
            new = rule(refs, args)
            updates = [state_ops.assign(r, n) for r, n in zip(refs, new)]
        else:
            new = rule([gather(r, indices) for r in refs], args)
            with get_default_graph().control_dependencies(new):
                updates = [scatter_ops.scatter_update(r, indices, n) for r, n in zip(refs, new)]
    return updates[0] if len(updates) == 1 else group(*updates, name=scope)


class _Proximal(Optimizer):
    """What the three share: hyper-parameters as float32 tensors cast once per dtype, and one rule applied to the
    variable (or its rows) and the slots `_slot_names`."""

    _slot_names: tuple = ()
    _op: str = ""

    def __init__(self, use_locking, name, learning_rate, l1, l2):
        super().__init__(use_locking, name)
        self._hypers = dict(learning_rate=learning_rate, l1_regularization_strength=l1,
                            l2_regularization_strength=l2)

    def _prepare(self):
        self._tensors = {k: self._hyper(k, v) for k, v in self._hypers.items()}

    def _rates(self, var):
        """The learning rate, l1 and l2 in the variable's dtype."""
        return [self._cast(k, t, var.dtype) for k, t in self._tensors.items()]

    def _args(self, var, grad):
        return [*self._rates(var), grad]  # TF's order, but AdagradDA's

    def _apply(self, grad, var, indices):
        refs = [var] + [self.get_slot(var, n) for n in self._slot_names]
        op = "Sparse" + self._op if indices is not None else self._op
        return apply_rule(self._rule, refs, self._args(var, grad), op, indices)

    def _apply_dense(self, grad, var):
        return self._apply(grad, var, None)

    def _apply_sparse(self, grad, var):
        return self._apply(grad.values, var, grad.indices)


class ProximalGradientDescentOptimizer(_Proximal):
    """Gradient descent with l1 / l2 penalties taken by a proximal step (FOBOS); no slots."""

    _op = "ApplyProximalGradientDescent"
    _rule = staticmethod(gradient_descent_rule)

    def __init__(self, learning_rate, l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="ProximalGradientDescent"):
        super().__init__(use_locking, name, learning_rate, l1_regularization_strength, l2_regularization_strength)


class ProximalAdagradOptimizer(_Proximal):
    """Adagrad's per-coordinate rate with the proximal l1 / l2 step; slot "accumulator" (`<var>/ProximalAdagrad`)
    starting at `initial_accumulator_value`."""

    _op = "ApplyProximalAdagrad"
    _slot_names = ("accumulator",)
    _rule = staticmethod(adagrad_rule)

    def __init__(self, learning_rate, initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, use_locking=False, name="ProximalAdagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: {initial_accumulator_value}")
        super().__init__(use_locking, name, learning_rate, l1_regularization_strength, l2_regularization_strength)
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accumulator", self._initial_accumulator_value)


class AdagradDAOptimizer(_Proximal):
    """Adagrad dual averaging (Duchi et al.), for sparse linear models: slots "gradient_accumulator" (0) and
    "gradient_squared_accumulator" (`initial_gradient_squared_accumulator_value`), both `<var>/AdagradDA[_1]`; the
    step uses `global_step + 1` as read before this run's increment."""

    _op = "ApplyAdagradDA"
    _slot_names = ("gradient_accumulator", "gradient_squared_accumulator")
    _rule = staticmethod(adagrad_da_rule)

    def __init__(self, learning_rate, global_step, initial_gradient_squared_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0, use_locking=False,
                 name="AdagradDA"):
        if initial_gradient_squared_accumulator_value <= 0.0:
            raise ValueError("initial_gradient_squared_accumulator_value must be positive: "
                             f"{initial_gradient_squared_accumulator_value}")
        super().__init__(use_locking, name, learning_rate, l1_regularization_strength, l2_regularization_strength)
        self._initial_gradient_squared_accumulator_value = initial_gradient_squared_accumulator_value
        self._global_step = global_step

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "gradient_accumulator")
            self._slot(v, "gradient_squared_accumulator", self._initial_gradient_squared_accumulator_value)

    def _prepare(self):
        super()._prepare()
        self._global_step_on_worker = identity(self._global_step) + 1

    def _args(self, var, grad):
        step = math_ops.cast(self._global_step_on_worker, dtypes.int64)
        return [grad, *self._rates(var), step]
