"""tf.Module (graphgrad/module.py) and tf.config.experimental / tf.config.optimizer (graphgrad/config.py): names,
orders and errors as TensorFlow 2.21 gives them for the same programs (recorded by hand)."""
import pytest

import graphgrad as tf
from graphgrad import config


class Dense(tf.Module):
    def __init__(self, n, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.w = tf.Variable(tf.ones([2, n]), name="w")
            self.b = tf.Variable(tf.zeros([n]), name="b", trainable=False)

    @tf.Module.with_name_scope
    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b


class MLP(tf.Module):
    def __init__(self):
        super().__init__()
        self.layers = [Dense(2), Dense(2, name="out")]
        self.extra = {"z": tf.Variable(1.0, name="z")}

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x * self.extra["z"]


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default():
        yield


def test_module_finds_variables_and_submodules_in_tf_order():
    m = MLP()
    assert m.name == "mlp" and m.name_scope.name == "mlp/"
    assert [v.name for v in m.variables] == ["z:0", "dense/b:0", "dense/w:0", "out/b:0", "out/w:0"]
    assert [v.name for v in m.trainable_variables] == ["z:0", "dense/w:0", "out/w:0"]
    assert [s.name for s in m.submodules] == ["dense", "out"]
    assert tf.Module().name == "module" and Dense(1).name == "dense"


def test_module_own_variables_come_before_deeper_ones():
    class Holder(tf.Module):
        def __init__(self, inner=None, var=None):
            super().__init__()
            self.a, self.b = inner, var
    deep = Holder(Holder(var=tf.Variable(1.0, name="deep")))
    top = Holder(deep, None)
    top.c = Holder(var=tf.Variable(2.0, name="shallow"))
    assert [v.name for v in top.variables] == ["deep:0", "shallow:0"]  # depth first, each module's own first


def test_module_name_scope_names_ops_and_trains():
    m = MLP()
    x = tf.placeholder(tf.float32, [None, 2])
    y = m(x)
    assert y.op.name.startswith("mul") and m.layers[0](x).op.name.startswith("dense/")
    loss = tf.reduce_sum(y)
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=list(m.trainable_variables))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        before = s.run(loss, {x: [[1.0, 2.0]]})
        s.run(step, {x: [[1.0, 2.0]]})
        assert s.run(loss, {x: [[1.0, 2.0]]}) < before


def test_module_rejects_names_that_are_not_identifiers():
    with pytest.raises(ValueError, match="'bad name' is not a valid module name. Module names must be valid Python "
                                         "identifiers"):
        tf.Module(name="bad name")


def test_config_experimental_device_functions():
    cpu = tf.config.experimental.list_physical_devices("CPU")
    assert cpu == [tf.config.PhysicalDevice("/physical_device:CPU:0", "CPU")]
    assert tf.config.experimental.list_logical_devices("CPU")[0].name == "/device:CPU:0"
    with pytest.raises(ValueError, match="Cannot set memory growth on non-GPU and non-Pluggable devices"):
        tf.config.experimental.set_memory_growth(cpu[0], True)
    with pytest.raises(KeyError):
        tf.config.experimental.get_memory_growth(cpu[0])
    assert tf.config.experimental.get_device_details(cpu[0]) == {}
    with pytest.raises(ValueError, match="Unrecognized device"):
        tf.config.experimental.set_memory_growth(tf.config.PhysicalDevice("/physical_device:TPU:0", "TPU"), True)
    assert tf.config.experimental.VirtualDeviceConfiguration is tf.config.LogicalDeviceConfiguration


def test_memory_growth_of_a_gpu_is_kept(monkeypatch):
    gpu = tf.config.PhysicalDevice("/physical_device:GPU:0", "GPU")
    monkeypatch.setattr(config, "list_physical_devices", lambda device_type=None: [gpu])
    monkeypatch.setattr(config, "_memory_growth", {})
    assert tf.config.experimental.get_memory_growth(gpu) is None
    tf.config.experimental.set_memory_growth(gpu, True)
    assert tf.config.experimental.get_memory_growth(gpu) is True


def test_config_optimizer_settings_are_kept(monkeypatch):
    monkeypatch.setattr(config, "_jit", False)
    monkeypatch.setattr(config, "_optimizer_options", {})
    assert tf.config.optimizer.get_jit() is False
    tf.config.optimizer.set_jit(True)
    assert tf.config.optimizer.get_jit() is True
    tf.config.optimizer.set_experimental_options({"layout_optimizer": False})
    assert tf.config.optimizer.get_experimental_options() == {"layout_optimizer": False}
