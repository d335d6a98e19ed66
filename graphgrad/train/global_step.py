"""The global step: an int64 scalar variable named "global_step" that `apply_gradients` increments once per
training step; learning-rate schedules, checkpoint names and summaries read it."""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import GraphKeys, Tensor, get_default_graph
from ..variables import Variable, get_variable

__all__ = ["get_global_step", "create_global_step", "get_or_create_global_step", "global_step",
           "assert_global_step", "global_step_read"]


def global_step(sess, global_step_tensor):
    """The global step's current value in `sess`, as a Python int."""
    return int(sess.run(global_step_tensor))


def assert_global_step(global_step_tensor):
    """TypeError unless `global_step_tensor` is an integer scalar Variable or Tensor."""
    if not isinstance(global_step_tensor, (Variable, Tensor)):
        raise TypeError(f'Existing "global_step" must be a Variable or Tensor: {global_step_tensor}.')
    if not global_step_tensor.dtype.base_dtype.is_integer:
        raise TypeError(f'Existing "global_step" does not have integer type: {global_step_tensor.dtype}')
    shape = global_step_tensor.shape
    if shape.ndims not in (None, 0) and shape.is_fully_defined():
        raise TypeError(f'Existing "global_step" is not scalar: {shape}')


def get_global_step(graph=None):
    """The variable in the GLOBAL_STEP collection, else the tensor named "global_step:0" (e.g. a
    `tf.Variable(0, name="global_step")`), else None."""
    graph = graph or get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) == 1:
        step = found[0]
    elif not found:
        try:
            step = graph.get_tensor_by_name("global_step:0")
        except KeyError:
            return None
    else:
        return None  # TensorFlow logs "Multiple tensors in global_step collection." and returns None
    assert_global_step(step)
    return step


def create_global_step(graph=None):
    """Create the int64 scalar variable "global_step" (0, non-trainable, in GLOBAL_STEP and GLOBAL_VARIABLES)."""
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    with graph.as_default(), graph.name_scope(None):
        return get_variable(GraphKeys.GLOBAL_STEP, shape=[], dtype=dtypes.int64,
                            initializer=_zeros_initializer, trainable=False,
                            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def _zeros_initializer(shape, dtype=dtypes.int64, partition_info=None):
    from ..ops import array_ops

    return array_ops.zeros(shape, dtype=dtype)


def get_or_create_global_step(graph=None):
    graph = graph or get_default_graph()
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


_GLOBAL_STEP_READ_KEY = "global_step_read_op_cache"


def global_step_read(graph=None):
    """A tensor of the global step's value before any update of the same run (`global_step + 0`, TF's
    `_get_or_create_global_step_read`), made once per graph; None without a global step. Hooks fetch it
    beside the train op and learn the step that run started from."""
    graph = graph or get_default_graph()
    found = graph.get_collection(_GLOBAL_STEP_READ_KEY)
    if found:
        return found[0]
    step = get_global_step(graph)
    if step is None:
        return None
    with graph.as_default(), graph.name_scope(None), graph.name_scope(step.op.name + "/"):
        read = step + 0
    graph.add_to_collection(_GLOBAL_STEP_READ_KEY, read)
    return read
