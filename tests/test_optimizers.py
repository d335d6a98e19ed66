"""tf.train optimizers: every update rule against TensorFlow 1.x's formula written out in NumPy, slot
variables, var_list, the global step, learning rates that change, errors, and the lecture's GD program."""
import numpy as np
import pytest

import graphgrad as tf
import graphgrad.train  # noqa: F401  (tf.train until the package wires it)
from graphgrad.framework.graph import GraphKeys

# --- NumPy references (the documented TF1 formulas) ------------------------------------------------------


def hp(x, dt):
    """A hyper-parameter as TensorFlow passes it: a float32 constant cast to the variable's dtype."""
    return dt(np.float32(x))


class GD:
    slots = ()

    def __init__(self, lr=0.05):
        self.lr = lr

    def make(self):
        return tf.train.GradientDescentOptimizer(self.lr)

    def init(self, v):
        return {}

    def update(self, v, s, g, shared, dt):
        return v - hp(self.lr, dt) * g


class Momentum:
    slots = ("momentum",)

    def __init__(self, lr=0.05, mu=0.9, nesterov=False):
        self.lr, self.mu, self.nesterov = lr, mu, nesterov

    def make(self):
        return tf.train.MomentumOptimizer(self.lr, self.mu, use_nesterov=self.nesterov)

    def init(self, v):
        return {"momentum": np.zeros_like(v)}

    def update(self, v, s, g, shared, dt):
        lr, mu = hp(self.lr, dt), hp(self.mu, dt)
        s["momentum"] = mu * s["momentum"] + g
        if self.nesterov:
            return v - (lr * g + lr * mu * s["momentum"])
        return v - lr * s["momentum"]


class Adam:
    slots = ("m", "v")

    def __init__(self, lr=0.05, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps

    def make(self):
        return tf.train.AdamOptimizer(self.lr, self.b1, self.b2, self.eps)

    def init(self, v):
        return {"m": np.zeros_like(v), "v": np.zeros_like(v)}

    def update(self, v, s, g, shared, dt):
        b1p = shared.setdefault("beta1_power", np.float32(self.b1))    # float32 variables, as in TF
        b2p = shared.setdefault("beta2_power", np.float32(self.b2))
        lr, b1, b2, eps = (hp(x, dt) for x in (self.lr, self.b1, self.b2, self.eps))
        lr_t = lr * np.sqrt(1 - dt(b2p)) / (1 - dt(b1p))
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * g * g
        return v - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)

    def end_step(self, shared):
        shared["beta1_power"] = shared["beta1_power"] * np.float32(self.b1)
        shared["beta2_power"] = shared["beta2_power"] * np.float32(self.b2)


class RMSProp:
    def __init__(self, lr=0.01, rho=0.9, mu=0.0, eps=1e-10, centered=False):
        self.lr, self.rho, self.mu, self.eps, self.centered = lr, rho, mu, eps, centered
        self.slots = ("rms", "momentum") + (("mg",) if centered else ())

    def make(self):
        return tf.train.RMSPropOptimizer(self.lr, self.rho, self.mu, self.eps, centered=self.centered)

    def init(self, v):
        return {"rms": np.ones_like(v), "momentum": np.zeros_like(v), "mg": np.zeros_like(v)}

    def update(self, v, s, g, shared, dt):
        lr, rho, mu, eps = (hp(x, dt) for x in (self.lr, self.rho, self.mu, self.eps))
        s["rms"] = rho * s["rms"] + (1 - rho) * g * g
        if self.centered:
            s["mg"] = rho * s["mg"] + (1 - rho) * g
            denom = np.sqrt(s["rms"] - s["mg"] * s["mg"] + eps)
        else:
            denom = np.sqrt(s["rms"] + eps)
        s["momentum"] = mu * s["momentum"] + lr * g / denom
        return v - s["momentum"]


class Adagrad:
    slots = ("accumulator",)

    def __init__(self, lr=0.1, init=0.1):
        self.lr, self.init_value = lr, init

    def make(self):
        return tf.train.AdagradOptimizer(self.lr, self.init_value)

    def init(self, v):
        return {"accumulator": np.full_like(v, self.init_value)}

    def update(self, v, s, g, shared, dt):
        s["accumulator"] = s["accumulator"] + g * g
        return v - hp(self.lr, dt) * g / np.sqrt(s["accumulator"])


class Adadelta:
    slots = ("accum", "accum_update")

    def __init__(self, lr=1.0, rho=0.95, eps=1e-6):
        self.lr, self.rho, self.eps = lr, rho, eps

    def make(self):
        return tf.train.AdadeltaOptimizer(self.lr, self.rho, self.eps)

    def init(self, v):
        return {"accum": np.zeros_like(v), "accum_update": np.zeros_like(v)}

    def update(self, v, s, g, shared, dt):
        lr, rho, eps = (hp(x, dt) for x in (self.lr, self.rho, self.eps))
        s["accum"] = rho * s["accum"] + (1 - rho) * g * g
        upd = np.sqrt(s["accum_update"] + eps) / np.sqrt(s["accum"] + eps) * g
        s["accum_update"] = rho * s["accum_update"] + (1 - rho) * upd * upd
        return v - lr * upd


CASES = {
    "gd": GD(), "momentum": Momentum(), "nesterov": Momentum(nesterov=True), "adam": Adam(),
    "rmsprop": RMSProp(), "rmsprop_momentum": RMSProp(mu=0.5), "rmsprop_centered": RMSProp(mu=0.3, centered=True),
    "adagrad": Adagrad(), "adadelta": Adadelta(), "adadelta_defaults": Adadelta(lr=0.001, eps=1e-8),
}


def _mlp(dtype, seed=0):
    """A small two-layer network with a squared-error loss; returns (loss, variables)."""
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.standard_normal((6, 3)).astype(dtype))
    y = tf.constant(rng.standard_normal((6, 2)).astype(dtype))
    w1 = tf.Variable(rng.standard_normal((3, 4)).astype(dtype), name="w1")
    b1 = tf.Variable(np.full(4, 0.1, dtype), name="b1")
    w2 = tf.Variable(rng.standard_normal((4, 2)).astype(dtype) * dtype(0.5), name="w2")
    b2 = tf.Variable(np.zeros(2, dtype), name="b2")
    h = tf.tanh(tf.matmul(x, w1) + b1)
    loss = tf.reduce_sum(tf.square(tf.matmul(h, w2) + b2 - y)) * dtype(0.5)
    return loss, [w1, b1, w2, b2]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", list(CASES))
def test_update_rule_matches_tf1_formula(case, dtype):
    ref = CASES[case]
    loss, variables = _mlp(dtype)
    opt = ref.make()
    gvs = opt.compute_gradients(loss)
    assert [v for _, v in gvs] == variables
    train = opt.apply_gradients(gvs)
    grads = [g for g, _ in gvs]
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    state = s.run(variables)
    slots = [ref.init(v) for v in state]
    shared = {}
    # CUDA compiles a fused update with multiply-adds rounded once (nvcc's default), where NumPy rounds twice
    atol = 1e-6 if s._ctx.backend.name == "gpu" and dtype == np.float32 else 1e-7
    for _ in range(20):
        g_vals, _ = s.run([grads, train])       # gradients at the old values, then the update
        state = [ref.update(v, sl, g, shared, dtype) for v, sl, g in zip(state, slots, g_vals)]
        if hasattr(ref, "end_step"):
            ref.end_step(shared)
        for var, want in zip(s.run(variables), state):
            assert var.dtype == dtype
            np.testing.assert_allclose(var, want, rtol=1e-6, atol=atol)
    for var, sl in zip(variables, slots):
        for name in ref.slots:
            np.testing.assert_allclose(s.run(opt.get_slot(var, name)), sl[name], rtol=1e-6, atol=1e-7)
    for name, value in shared.items():
        got = s.run(opt._get_non_slot_variable(name))
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, value, rtol=1e-6)
    before = s.run(loss)
    for _ in range(30):
        s.run(train)
    assert s.run(loss) < before


def test_float64_variables_see_float32_hyper_parameters():
    v = tf.Variable(np.array([1.0, -2.0]), name="v")          # float64
    step = tf.train.GradientDescentOptimizer(0.1).minimize(v * v)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(step)
    x = np.array([1.0, -2.0])
    np.testing.assert_array_equal(s.run(v), x - np.float64(np.float32(0.1)) * (2 * x))
    assert not np.array_equal(s.run(v), x - 0.1 * (2 * x))
    assert s.run(v).dtype == np.float64


# --- slots and variables -----------------------------------------------------------------------------------

@pytest.mark.parametrize("make, expected", [
    (lambda: tf.train.MomentumOptimizer(0.1, 0.9), {"momentum": "w/Momentum"}),
    (lambda: tf.train.AdamOptimizer(), {"m": "w/Adam", "v": "w/Adam_1"}),
    (lambda: tf.train.RMSPropOptimizer(0.1), {"rms": "w/RMSProp", "momentum": "w/RMSProp_1"}),
    (lambda: tf.train.RMSPropOptimizer(0.1, centered=True),
     {"rms": "w/RMSProp", "mg": "w/RMSProp_1", "momentum": "w/RMSProp_2"}),
    (lambda: tf.train.AdagradOptimizer(0.1), {"accumulator": "w/Adagrad"}),
    (lambda: tf.train.AdadeltaOptimizer(), {"accum": "w/Adadelta", "accum_update": "w/Adadelta_1"}),
    (lambda: tf.train.GradientDescentOptimizer(0.1), {}),
])
def test_slot_names_and_collections(make, expected):
    w = tf.Variable(np.ones((2, 3), np.float32), name="w")
    opt = make()
    opt.minimize(w * w)
    assert opt.get_slot_names() == sorted(expected)
    for slot_name, var_name in expected.items():
        slot = opt.get_slot(w, slot_name)
        assert slot.name == var_name + ":0"
        assert slot.op.name == var_name
        assert slot.shape.as_list() == [2, 3] and slot.dtype.base_dtype == tf.float32
        assert slot in tf.global_variables()
        assert slot not in tf.trainable_variables()
    assert opt.get_slot(w, "nonexistent") is None
    assert tf.trainable_variables() == [w]
    names = [v.name for v in opt.variables()]
    assert names == sorted(names)
    assert set(names) >= {n + ":0" for n in expected.values()}
    s = tf.Session()
    s.run(tf.global_variables_initializer())   # initializes the slots too
    assert list(s.run(tf.report_uninitialized_variables())) == []


def test_adam_beta_powers_are_float32_non_slot_variables_in_global_variables():
    w = tf.Variable(np.ones(3), name="w")        # float64 variable
    opt = tf.train.AdamOptimizer(0.1, beta1=0.8, beta2=0.9)
    step = opt.minimize(w * w)
    names = [v.name for v in opt.variables()]
    assert names == ["beta1_power:0", "beta2_power:0", "w/Adam:0", "w/Adam_1:0"]
    p1, p2 = opt.variables()[:2]
    assert p1.dtype.base_dtype == tf.float32 and p1 in tf.global_variables() and p1 not in tf.trainable_variables()
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    assert s.run(p1) == np.float32(0.8)
    for _ in range(3):
        s.run(step)
    np.testing.assert_allclose(s.run([p1, p2]), [np.float32(0.8) ** 4, np.float32(0.9) ** 4], rtol=1e-6)
    # A second Adam gets its own powers; minimizing again with the first reuses its slots and powers.
    opt2 = tf.train.AdamOptimizer()
    opt2.minimize(w * w)
    assert [v.name for v in opt2.variables()] == ["beta1_power_1:0", "beta2_power_1:0", "w/Adam_2:0", "w/Adam_3:0"]
    n = len(tf.global_variables())
    opt.minimize(w * w * 2.0)
    assert len(tf.global_variables()) == n


def test_uninitialized_slot_is_reported_by_name():
    w = tf.Variable(np.ones(2, np.float32), name="w")
    step = tf.train.MomentumOptimizer(0.1, 0.9).minimize(w * w)
    s = tf.Session()
    s.run(w.initializer)
    with pytest.raises(tf.errors.FailedPreconditionError, match="Attempting to use uninitialized value w/Momentum"):
        s.run(step)
    np.testing.assert_array_equal(s.run(w), [1, 1])


@pytest.mark.parametrize("make", [
    lambda: tf.train.AdamOptimizer(tf.constant(np.float64(0.01)), beta1=tf.constant(np.float64(0.9))),
    lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
])
def test_train_step_needs_no_snapshot_and_runs_updates_after_all_gradients(make):
    loss, variables = _mlp(np.float32)
    v64 = tf.Variable(np.ones(2), name="v64")       # float64: hyper-parameters are cast for both dtypes
    loss = loss + tf.cast(tf.reduce_sum(v64 * v64), tf.float32)
    gs = tf.train.get_or_create_global_step()
    step = make().minimize(loss, global_step=gs)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run([step, loss])
    plan = next(p for p, _ in s._plans.values() if step in p.ops)
    assert not plan.needs_snapshot          # nothing but in-place updates after the first write
    types = [op.type for op in plan.ops]
    first_update = next(i for i, t in enumerate(types) if t.startswith("Apply"))
    assert all(t.startswith("Apply") or t in ("AdamBetaPowers", "NoOp", "AssignAdd")
               for t in types[first_update:])
    assert types.count("NoOp") == 1 and types.count("AssignAdd") == 1


# --- var_list, global_step, apply_gradients ----------------------------------------------------------------

def test_minimize_var_list_only_touches_those_variables():
    a = tf.Variable(np.float32(1.0), name="a")
    b = tf.Variable(np.float32(2.0), name="b")
    opt = tf.train.MomentumOptimizer(0.1, 0.5)
    step = opt.minimize(a * b, var_list=[a])
    assert opt.get_slot(b, "momentum") is None and opt.get_slot(a, "momentum") is not None
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(step)
    assert s.run(b) == np.float32(2.0)
    np.testing.assert_allclose(s.run(a), 1.0 - np.float32(0.1) * 2.0, rtol=1e-7)


def test_global_step_increments_once_per_step():
    w = tf.Variable(np.ones(3, np.float32), name="w")
    gs = tf.train.get_or_create_global_step()
    opt = tf.train.AdamOptimizer(0.1)
    step = opt.minimize(w * w, global_step=gs)
    assert isinstance(step, tf.Operation)
    assert step.name == "Adam" and step.type == "AssignAdd"
    assert step in tf.get_collection(GraphKeys.TRAIN_OP)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    for i in range(1, 6):
        assert s.run(step) is None
        assert tf.train.global_step(s, gs) == i
    assert s.run(gs).dtype == np.int64
    # The step is taken after the updates: fetching it in the same run gives the new count.
    assert s.run([step, gs])[1] == 6


def test_global_step_may_be_a_plain_int32_variable():
    w = tf.Variable(np.ones(2, np.float32), name="w")
    gs = tf.Variable(0, name="global_step", trainable=False)
    assert tf.train.get_global_step() is not None
    step = tf.train.GradientDescentOptimizer(0.1).minimize(w * w, global_step=gs)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(step)
    s.run(step)
    assert s.run(gs) == 2 and s.run(gs).dtype == np.int32


def test_without_global_step_returns_group_named_after_optimizer():
    w = tf.Variable(np.ones(2, np.float32), name="w")
    step = tf.train.GradientDescentOptimizer(0.1).minimize(w * w)
    assert step.name == "GradientDescent" and step.type == "NoOp"
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert "GradientDescent/learning_rate" in names
    assert "GradientDescent/update_w/ApplyGradientDescent" in names
    step2 = tf.train.GradientDescentOptimizer(0.1).minimize(w * w, name="second")
    assert step2.name == "second"
    step3 = tf.train.GradientDescentOptimizer(0.1).minimize(w * w)
    assert step3.name == "GradientDescent_1"


def test_apply_gradients_skips_none_and_uses_given_gradients():
    a = tf.Variable(np.float32(1.0), name="a")
    b = tf.Variable(np.float32(5.0), name="b")
    opt = tf.train.GradientDescentOptimizer(0.5)
    gvs = opt.compute_gradients(a * a, var_list=[a, b])
    assert gvs[1][0] is None and gvs[1][1] is b
    clipped = [(g * 0.5 if g is not None else None, v) for g, v in gvs]
    step = opt.apply_gradients(clipped)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(step)
    assert s.run(a) == np.float32(0.5) and s.run(b) == np.float32(5.0)


def test_errors():
    a = tf.Variable(np.float32(1.0), name="a")
    c = tf.constant(3.0)
    opt = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match="No gradients provided for any variable.*'a:0'"):
        opt.minimize(c * c, var_list=[a])
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply_gradients([(None, a)])
    with pytest.raises(ValueError, match="No variables provided"):
        opt.apply_gradients([])
    with pytest.raises(ValueError, match="No variables to optimize"):
        opt.compute_gradients(c * c, var_list=[])
    with pytest.raises(ValueError, match="Invalid type int32"):
        opt.compute_gradients(tf.constant(3) * 2)
    with pytest.raises(TypeError):
        opt.apply_gradients([(tf.constant(np.float64(1.0)), a)])
    with pytest.raises(ValueError, match="Shapes"):
        opt.apply_gradients([(tf.constant(np.ones(3, np.float32)), a)])
    with pytest.raises(ValueError, match="Must specify the optimizer name"):
        tf.train.GradientDescentOptimizer(0.1, name="")
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)


def test_no_variables_at_all_is_an_error():
    with pytest.raises(ValueError, match="No variables to optimize"):
        tf.train.AdamOptimizer().minimize(tf.constant(2.0) * 3.0)


def test_gate_graph_and_constraint():
    w = tf.Variable(np.array([3.0, -3.0], np.float32), name="w",
                    constraint=lambda t: tf.clip_by_value(t, -1.0, 1.0))
    opt = tf.train.GradientDescentOptimizer(0.1)
    gvs = opt.compute_gradients(w * w, gate_gradients=tf.train.Optimizer.GATE_GRAPH)
    step = opt.apply_gradients(gvs)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(step)
    np.testing.assert_allclose(s.run(w), [1.0, -1.0])


def test_several_runs_of_one_plan_and_fresh_sessions_are_independent():
    w = tf.Variable(np.array([1.0, 2.0], np.float32), name="w")
    opt = tf.train.AdamOptimizer(0.1)
    step = opt.minimize(w * w)
    s1, s2 = tf.Session(), tf.Session()
    for s in (s1, s2):
        s.run(tf.global_variables_initializer())
    for _ in range(3):
        s1.run(step)
    s2.run(step)
    assert not np.allclose(s1.run(w), s2.run(w))
    s2.run(tf.global_variables_initializer())   # re-initializing resets slots and beta powers
    for _ in range(3):
        s2.run(step)
    np.testing.assert_array_equal(s1.run(w), s2.run(w))


# --- learning rates that change ---------------------------------------------------------------------------

def test_learning_rate_placeholder():
    w = tf.Variable(np.float32(1.0), name="w")
    lr = tf.placeholder(tf.float32, ())
    step = tf.train.GradientDescentOptimizer(lr).minimize(w * w)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(step, {lr: 0.25})
    assert s.run(w) == np.float32(0.5)
    s.run(step, {lr: 0.0})
    assert s.run(w) == np.float32(0.5)
    s.run(step, {lr: 0.5})
    assert s.run(w) == np.float32(0.0)


def test_learning_rate_callable_variable_and_decay():
    w = tf.Variable(np.float32(1.0), name="w")
    lr_var = tf.Variable(np.float32(0.25), name="lr", trainable=False)
    step = tf.train.MomentumOptimizer(lambda: lr_var, 0.0).minimize(w * w, var_list=[w])
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(step)
    assert s.run(w) == np.float32(0.5)
    s.run(lr_var.assign(0.5))
    s.run(step)
    assert s.run(w) == np.float32(0.0)


def test_learning_rate_schedule_follows_global_step():
    w = tf.Variable(np.float32(1.0), name="w")
    gs = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(0.1, gs, decay_steps=1, decay_rate=0.5)
    step = tf.train.GradientDescentOptimizer(lr).minimize(w * w, global_step=gs)
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    x = np.float32(1.0)
    for k in range(5):
        assert s.run(lr) == pytest.approx(0.1 * 0.5 ** k, rel=1e-6)
        s.run(step)
        x = x - np.float32(0.1 * 0.5 ** k) * 2 * x
        assert s.run(w) == pytest.approx(x, rel=1e-6)


# --- the lecture program -----------------------------------------------------------------------------------

def test_lecture_gradient_descent_on_x_squared():
    x = tf.get_variable("x", shape=(), dtype=tf.float32, initializer=tf.constant_initializer(5.0))
    f = x ** 2
    step = tf.train.GradientDescentOptimizer(0.1).minimize(f)
    s = tf.InteractiveSession()
    s.run(tf.global_variables_initializer())
    old_x = np.float32(5.0)
    for _ in range(10):
        _, new_x, old_f = s.run([step, x, f])
        assert old_f == pytest.approx(old_x * old_x, rel=1e-6)    # f from before the step
        assert new_x == pytest.approx(0.8 * old_x, rel=1e-6)      # x with the step already applied
        assert isinstance(new_x, np.float32)
        old_x = new_x
    assert x.eval() == pytest.approx(5.0 * 0.8 ** 10, rel=1e-5)


def test_custom_optimizer_subclass_with_slots():
    class SignDescent(tf.train.Optimizer):
        """A TF1-style user optimizer built from assign ops."""

        def __init__(self, lr):
            super().__init__(False, "SignDescent")
            self._lr = lr

        def _create_slots(self, var_list):
            for v in var_list:
                self._zeros_slot(v, "count", "steps")
                self._get_or_make_slot_with_initializer(v, tf.constant_initializer(2.0), v.shape, v.dtype,
                                                        "scale", self._name)

        def _apply_dense(self, grad, var):
            count, scale = self.get_slot(var, "count"), self.get_slot(var, "scale")
            return tf.group(tf.assign_add(count, tf.ones_like(var)),
                            tf.assign_sub(var, self._lr * scale * tf.sign(grad)))

    w = tf.Variable(np.array([1.0, -1.0], np.float32), name="w")
    opt = SignDescent(0.25)
    step = opt.minimize(w * w)
    assert [v.name for v in opt.variables()] == ["w/SignDescent:0", "w/steps:0"]
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(step)
    s.run(step)
    np.testing.assert_allclose(s.run(w), [0.0, 0.0])
    np.testing.assert_allclose(s.run(opt.get_slot(w, "count")), [2.0, 2.0])


def test_slots_of_a_variable_without_static_shape():
    w = tf.Variable(tf.placeholder_with_default(np.ones(3, np.float32), shape=None), validate_shape=False, name="w")
    opt = tf.train.AdagradOptimizer(0.5)
    step = opt.apply_gradients([(tf.ones_like(w), w)])
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    s.run(step)
    np.testing.assert_allclose(s.run(opt.get_slot(w, "accumulator")), np.full(3, 1.1), rtol=1e-6)
    np.testing.assert_allclose(s.run(w), np.full(3, 1 - 0.5 / np.sqrt(np.float32(1.1))), rtol=1e-6)
