"""`tf.initializers`: TensorFlow 1.x's short names for the initializers of `graphgrad.ops.init_ops` and for the
variable-initializing ops of `graphgrad.variables`.

    w = tf.get_variable("w", [784, 10], initializer=tf.initializers.he_normal())
    sess.run(tf.initializers.global_variables())
"""
from __future__ import annotations

from .ops import init_ops as _init_ops
from .ops.lookup_ops import tables_initializer  # noqa: F401  (tf.initializers.tables_initializer)
from .variables import global_variables_initializer as _global_init
from .variables import local_variables_initializer as _local_init
from .variables import variables_initializer as _variables_init

zeros = _init_ops.zeros_initializer
ones = _init_ops.ones_initializer
constant = _init_ops.constant_initializer
random_uniform = _init_ops.random_uniform_initializer
random_normal = _init_ops.random_normal_initializer
truncated_normal = _init_ops.truncated_normal_initializer
uniform_unit_scaling = _init_ops.uniform_unit_scaling_initializer
variance_scaling = _init_ops.variance_scaling_initializer
glorot_uniform = _init_ops.glorot_uniform_initializer
glorot_normal = _init_ops.glorot_normal_initializer
orthogonal = _init_ops.orthogonal_initializer
identity = _init_ops.identity_initializer
he_normal = _init_ops.he_normal
he_uniform = _init_ops.he_uniform
lecun_normal = _init_ops.lecun_normal
lecun_uniform = _init_ops.lecun_uniform


def global_variables():
    """The op initializing every global variable (`tf.global_variables_initializer()`, named `init`)."""
    return _global_init()


def local_variables():
    """The op initializing every local variable, e.g. the counters of `tf.metrics`."""
    return _local_init()


def variables(var_list, name="init"):
    """The op initializing the variables in `var_list`."""
    return _variables_init(var_list, name=name)


__all__ = ["zeros", "ones", "constant", "random_uniform", "random_normal", "truncated_normal",
           "uniform_unit_scaling", "variance_scaling", "glorot_uniform", "glorot_normal", "orthogonal",
           "identity", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform", "global_variables",
           "local_variables", "variables", "tables_initializer"]
