"""TF 2.x control flow v2 in GraphDefs TensorFlow wrote (graph_io/tf_functions.py): `StatelessIf`,
`StatelessWhile` and `PartitionedCall` nodes whose functions are in the GraphDef's library, and the TensorList
ops of v2 loops, import as graphgrad's If and While ops and compute what TensorFlow computed: a cond with two
outputs, nested conds, a counter, a loop of several variables, a cond inside a loop, tf.scan, tf.map_fn, a
tf.function called in the graph (and two that add to a variable), and a frozen dynamic_rnn over an LSTMCell with
sequence_length (tools/record_tf_cfv2.py, recorded under TensorFlow 2.21 with control flow v2)."""

import numpy as np
import pytest
from tf_recorded_graphs import check_runs, graph_def

import graphgrad as tf
from graphgrad.graph_io.tf_functions import _C
from graphgrad.ops.core import apply_op
from graphgrad.ops.optional_ops import OptionalFromValue, OptionalGetValue, OptionalHasValue, OptionalNone
from graphgrad.ops.tensor_array_ops import TensorArrayScatterV3, TensorArrayV3
from graphgrad.ops.tensor_list_ops import TensorListAddN, TensorListElementShape, TensorListPopBack, TensorListZerosLike


def _library(gd):
    return _C["_WithLibrary"].FromString(gd.SerializeToString()).library




def test_v2_conds_loops_and_calls_compute_what_tensorflow_computed():
    gd = graph_def("cfv2.pb")
    lib = _library(gd)
    in_functions = {n.op for f in lib.function for n in f.node_def}
    assert {"StatelessIf", "StatelessWhile", "PartitionedCall", "TensorListFromTensor"} <= {n.op for n in gd.node}
    assert {"StatelessIf", "TensorListGetItem", "TensorListSetItem"} <= in_functions  # nested: in a branch, a body
    g = check_runs("cfv2", gd, init=["init_calls"])
    two = g.get_operation_by_name("two")
    assert two.type == "If" and len(two.outputs) == 2
    loops = [op for op in g.get_operations() if op.type == "While"]
    assert {op.name for op in loops} >= {"counter", "power", "with_cond"}
    in_loop = [op for op in g.get_operations() if op.type == "If" and op._branch is not None]
    assert any(op._branch is g.get_operation_by_name("with_cond").attrs["body"] for op in in_loop)


def test_a_tf_function_runs_its_stateful_ops_with_its_results():
    """`counted` adds 1 to a resource variable and returns x * 2, `add_ten` adds 10 and returns nothing (its
    add is only in its control_ret)."""
    gd = graph_def("cfv2.pb")
    with tf.Graph().as_default() as g:
        tf.import_graph_def(gd, name="")
        s = tf.Session()
        s.run("init_calls")
        x = np.ones((2, 3), np.float32)
        for _ in range(2):
            np.testing.assert_array_equal(s.run("bumped:0", {"x:0": x}), x * 2.0)
        assert s.run(g.get_tensor_by_name("calls:0")) == 2.0
        (call,) = [n.name for n in gd.node if n.op == "StatefulPartitionedCall" and not n.attr["Tout"].list.type]
        s.run(call)  # add_ten: no outputs
        assert s.run(g.get_tensor_by_name("calls:0")) == 12.0


def test_a_frozen_v2_dynamic_rnn_computes_what_tensorflow_computed():
    gd = graph_def("lstm_v2_frozen.pb")
    assert "StatelessWhile" in {n.op for n in gd.node} | {n.op for f in _library(gd).function for n in f.node_def}
    check_runs("lstm_v2_frozen", gd)


def test_the_gradient_of_an_imported_v2_loop_and_cond_is_graphgrads():
    with tf.Graph().as_default() as g:
        tf.import_graph_def(graph_def("cfv2.pb"), name="")
        x = g.get_tensor_by_name("x:0")
        (dx,) = tf.gradients(tf.reduce_sum(g.get_tensor_by_name("power_out:0")) +
                             tf.reduce_sum(g.get_tensor_by_name("two_a:0")), [x])
        value = np.arange(6, dtype=np.float32).reshape(2, 3)
        feed = {"x:0": value, "n:0": 3, "flag:0": True}
        # power: v -> 1.5 v + 0.1 three times; two_a = 2 x when flag
        np.testing.assert_allclose(tf.Session().run(dx, feed), np.full((2, 3), 1.5 ** 3 + 2.0), rtol=1e-6)


def _with_function_node(gd, edit):
    """`gd` with its library edited by `edit(library)`: tensorboardX's GraphDef keeps the library (field 2) as an
    unknown field, so the nodes and versions are written anew and the edited library appended."""
    holder = _C["_WithLibrary"].FromString(gd.SerializeToString())
    edit(holder.library)
    out = tf.GraphDef()
    out.node.extend(gd.node)
    out.versions.CopyFrom(gd.versions)
    return tf.GraphDef.FromString(out.SerializeToString() + holder.SerializeToString())


def test_an_op_graphgrad_cannot_build_inside_a_function_is_a_value_error_naming_it():
    def edit(lib):  # the add in the true branch of the cond nested in the outer cond's true branch
        outer = next(f for f in lib.function if any(n.op == "StatelessIf" for n in f.node_def)
                     and f.signature.name.startswith("outer"))
        name = next(n for n in outer.node_def if n.op == "StatelessIf").attr["then_branch"].func.name
        next(n for n in next(f for f in lib.function if f.signature.name == name).node_def
             if n.op == "AddV2").op = "Bogus"
    gd = _with_function_node(graph_def("cfv2.pb"), edit)
    with tf.Graph().as_default(), pytest.raises(ValueError, match=r"Cannot import node '.*' \(op: 'Bogus'\): "
                                                                  "graphgrad cannot build TensorFlow's op type"):
        tf.import_graph_def(gd, name="")


def test_a_function_missing_from_the_library_is_a_value_error_naming_the_node():
    gd = _with_function_node(graph_def("cfv2.pb"), lambda lib: lib.ClearField("function"))
    with tf.Graph().as_default(), pytest.raises(ValueError, match=r"Cannot import node '.*' \(op: 'Stateless.*'\): "
                                                                  "its function '.*' .* not in the GraphDef's library"):
        tf.import_graph_def(gd, name="")



def _list(rows):
    """A TensorList of the rows of `rows`, as TensorListFromTensor imports."""
    attrs = {"dtype": tf.float32, "element_shape": tf.TensorShape(None), "dynamic_size": True, "infer_shape": True}
    value = tf.constant(rows, tf.float32)
    empty = apply_op(TensorArrayV3, [tf.shape(value)[0]], dict(attrs, tensor_array_name=""))
    return apply_op(TensorArrayScatterV3, [empty, value], dict(attrs, unstack=True))


def test_tensor_lists_pop_add_and_zero_as_tf_does():
    with tf.Graph().as_default():
        a, b = _list([[1.0, 2.0], [3.0, 4.0]]), _list([[10.0, 20.0], [30.0, 40.0]])
        rest, last = apply_op(TensorListPopBack, [apply_op(TensorListAddN, [a, b], {})],
                              {"element_dtype": tf.float32, "element_shape": tf.TensorShape([2])})
        assert last.shape.as_list() == [2]
        zeros = apply_op(TensorListZerosLike, [a], {})
        _, first = apply_op(TensorListPopBack, [rest], {"element_dtype": tf.float32,
                                                        "element_shape": tf.TensorShape(None)})
        shape = apply_op(TensorListElementShape, [zeros], {"shape_type": tf.int32})
        s = tf.Session()
        np.testing.assert_array_equal(s.run(last), [33.0, 44.0])
        np.testing.assert_array_equal(s.run(first), [11.0, 22.0])
        np.testing.assert_array_equal(s.run(shape), [2])
        with pytest.raises(tf.errors.InvalidArgumentError, match="Trying to pop from an empty list"):
            s.run(apply_op(TensorListPopBack, [apply_op(TensorListPopBack, [rest], {
                "element_dtype": tf.float32, "element_shape": tf.TensorShape(None)})[0]], {
                "element_dtype": tf.float32, "element_shape": tf.TensorShape(None)})[1])
        with pytest.raises(tf.errors.InvalidArgumentError, match="different lengths"):
            s.run(apply_op(TensorListAddN, [a, rest], {}))


def test_an_optional_without_a_value_is_an_invalid_argument_error_when_read():
    with tf.Graph().as_default():
        flag = tf.placeholder(tf.bool, ())
        x = tf.constant([1.0, 2.0])
        opt = tf.cond(flag, lambda: apply_op(OptionalFromValue, [x * 2.0], {}), lambda: apply_op(OptionalNone, [], {}))
        value = apply_op(OptionalGetValue, [opt], {"output_types": [tf.float32],
                                                   "output_shapes": [tf.TensorShape([2])]})
        has = apply_op(OptionalHasValue, [opt], {})
        s = tf.Session()
        np.testing.assert_array_equal(s.run(value, {flag: True}), [2.0, 4.0])
        assert s.run(has, {flag: False}) == np.bool_(False)
        with pytest.raises(tf.errors.InvalidArgumentError, match="does not have a value"):
            s.run(value, {flag: False})
