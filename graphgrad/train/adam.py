"""`tf.train.AdamOptimizer` in TensorFlow 1.x's "epsilon hat" form:

    lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
    m = beta1 * m + (1 - beta1) * g          (slot "m", `<var>/Adam`)
    v = beta2 * v + (1 - beta2) * g^2        (slot "v", `<var>/Adam_1`)
    var -= lr_t * m / (sqrt(v) + epsilon)

beta1^t and beta2^t are the float32 variables `beta1_power` and `beta2_power` (starting at beta1, beta2),
multiplied once per step after every variable's update.
"""
from __future__ import annotations

from ..framework.op_def import same_dtype, static_shape
from ..ops import math_ops, scatter_ops, state_ops
from ..ops.core import apply_op, group
from ..runtime import elementwise
from .optimizer import ApplyOp, Optimizer

__all__ = ["AdamOptimizer", "ApplyAdam", "AdamBetaPowers"]


class ApplyAdam(ApplyOp):
    """ApplyAdam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad), TF's input order
    and arithmetic: m += (g - m)(1 - b1); v += (g² - v)(1 - b2); var -= m·alpha / (sqrt(v) + eps)."""

    type = "ApplyAdam"
    ref_inputs = (0, 1, 2)
    input_names = ("var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon", "grad")
    update = elementwise.ADAM


class AdamBetaPowers(ApplyOp):
    """AdamBetaPowers(beta1_power, beta2_power, beta1, beta2): both powers multiplied in place, in one op
    (TensorFlow builds two Mul + Assign pairs)."""

    type = "AdamBetaPowers"
    ref_inputs = (0, 1)
    input_names = ("beta1_power", "beta2_power", "beta1", "beta2")
    update = elementwise.ADAM_BETA_POWERS

    def infer(op):
        p1, p2, b1, b2 = op.inputs
        for p, b in ((p1, b1), (p2, b2)):
            if not p.dtype.is_ref_dtype:
                raise TypeError(f"Input '{p.name}' of 'AdamBetaPowers' Op requires l-value input")
            same_dtype(op, p, b)
            if static_shape(b) not in (None, ()):
                raise ValueError(f"Shape must be rank 0 but is rank {len(static_shape(b))}")
        return [(static_shape(p1), p1.dtype)]


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba) with TensorFlow 1.x's defaults and variable names."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8, use_locking=False,
                 name="Adam"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon

    def _get_beta_accumulators(self, graph=None):
        return (self._get_non_slot_variable("beta1_power", graph),
                self._get_non_slot_variable("beta2_power", graph))

    def _create_slots(self, var_list):
        first_var = min(var_list, key=lambda v: v.name)
        self._create_non_slot_variable(self._beta1, "beta1_power", first_var)
        self._create_non_slot_variable(self._beta2, "beta2_power", first_var)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _prepare(self):
        self._lr_t = self._hyper("learning_rate", self._lr)
        self._beta1_t = self._hyper("beta1", self._beta1)
        self._beta2_t = self._hyper("beta2", self._beta2)
        self._epsilon_t = self._hyper("epsilon", self._epsilon)
        p1, p2 = self._get_beta_accumulators()
        self._hyper_tensors["beta1_power"] = p1.value()
        self._hyper_tensors["beta2_power"] = p2.value()
        # The powers' own update (in _finish) needs beta1, beta2 in their dtype (float32).
        self._cast("beta1", self._beta1_t, p1.dtype)
        self._cast("beta2", self._beta2_t, p2.dtype)

    def _apply_dense(self, grad, var):
        dt = var.dtype
        p1, p2 = self._get_beta_accumulators(var.graph)
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        inputs = [var._ref(), m._ref(), v._ref(),
                  self._cast("beta1_power", p1.value(), dt), self._cast("beta2_power", p2.value(), dt),
                  self._cast("learning_rate", self._lr_t, dt), self._cast("beta1", self._beta1_t, dt),
                  self._cast("beta2", self._beta2_t, dt), self._cast("epsilon", self._epsilon_t, dt), grad]
        return apply_op(ApplyAdam, inputs, {"use_locking": bool(self._use_locking), "use_nesterov": False},
                        "ApplyAdam")

    def _apply_sparse(self, grad, var):
        """TF1's sparse Adam: m and v decay in every row, the gradient's rows are scatter-added, and every row of
        the variable moves (as graph ops, TF's `_apply_sparse_shared`)."""
        dt = var.dtype
        p1, p2 = self._get_beta_accumulators(var.graph)
        beta1_power, beta2_power = self._cast("beta1_power", p1.value(), dt), self._cast("beta2_power", p2.value(), dt)
        beta1, beta2 = self._cast("beta1", self._beta1_t, dt), self._cast("beta2", self._beta2_t, dt)
        lr = self._cast("learning_rate", self._lr_t, dt) * math_ops.sqrt(1 - beta2_power) / (1 - beta1_power)
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        locking = self._use_locking
        m_t = state_ops.assign(m, m * beta1, use_locking=locking)
        with var.graph.control_dependencies([m_t]):
            m_t = scatter_ops.scatter_add(m, grad.indices, grad.values * (1 - beta1), use_locking=locking)
        v_t = state_ops.assign(v, v * beta2, use_locking=locking)
        with var.graph.control_dependencies([v_t]):
            v_t = scatter_ops.scatter_add(v, grad.indices, (grad.values * grad.values) * (1 - beta2),
                                          use_locking=locking)
        step = lr * m_t / (math_ops.sqrt(v_t) + self._cast("epsilon", self._epsilon_t, dt))
        return group(state_ops.assign_sub(var, step, use_locking=locking), m_t, v_t)

    def _finish(self, update_ops, name_scope):
        g = update_ops[0].graph
        p1, p2 = self._get_beta_accumulators(g)
        # The casts were made in _prepare: only in-place updates may run after the first write.
        inputs = [p1._ref(), p2._ref(), self._cast("beta1", self._beta1_t, p1.dtype),
                  self._cast("beta2", self._beta2_t, p2.dtype)]
        with g.control_dependencies(update_ops):
            powers = apply_op(AdamBetaPowers, inputs, {"use_locking": bool(self._use_locking)},
                              "update_beta_powers")
        return super()._finish(list(update_ops) + [powers], name_scope)
