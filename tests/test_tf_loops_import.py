"""TF 1.x while loops in GraphDefs TensorFlow wrote (graph_io/tf_while.py): each frame (Enter, Merge, Switch,
LoopCond, NextIteration, Exit) imports as graphgrad's While op and computes what TensorFlow computed: a counter,
several loop variables with a shape invariant, nested loops, a cond inside a loop, a loop inside a cond, tf.scan,
tf.map_fn, TensorArray writes and TF's gradient of those loops, and a frozen dynamic_rnn over an LSTMCell with
sequence_length (tools/record_tf_loops.py). Training graphs with loops are in tests/test_tf_training_graphs.py."""

import numpy as np
import pytest
from tf_recorded_graphs import check_runs, graph_def

import graphgrad as tf
from graphgrad.graph_io.protos import GraphDef

FRAME_OPS = {"Enter", "Exit", "NextIteration", "LoopCond", "Switch", "Merge"}






def test_loops_tensorflow_wrote_compute_what_tensorflow_computed():
    gd = graph_def("loops.pb")
    assert {"Enter", "Exit", "NextIteration", "LoopCond", "TensorArrayV3", "TensorArrayScatterV3", "StackPushV2",
            "TensorArrayGradV3"} <= {n.op for n in gd.node}  # and TF's gradient of the loops (fetch dx)
    g = check_runs("loops", gd, absent=FRAME_OPS)
    loops = [op for op in g.get_operations() if op.type == "While"]
    assert {op.name for op in loops} >= {"counter/LoopCond", "nested/LoopCond", "nested/inner/LoopCond"}
    inner = g.get_operation_by_name("nested/inner/LoopCond")
    assert inner._branch is g.get_operation_by_name("nested/LoopCond").attrs["body"]  # nested: built in the body
    assert g.get_operation_by_name("counter/Exit").type == "Identity"
    assert g.get_operation_by_name("in_cond/loop/LoopCond")._branch.which == "true"  # a loop inside a cond


def test_the_gradient_of_a_cond_inside_a_loop_is_a_value_error_naming_the_node():
    with tf.Graph().as_default(), pytest.raises(ValueError, match="Cannot import node '.*StackP.*V2' .*inside a "
                                                                  "cond's branch .*not imported yet"):
        tf.import_graph_def(graph_def("loop_cond_gradient.pb"))


def test_a_frozen_dynamic_rnn_with_an_lstm_cell_and_sequence_lengths():
    check_runs("lstm_frozen", graph_def("lstm_frozen.pb"), absent=FRAME_OPS)


def test_gradients_flow_through_an_imported_loop():
    """An imported loop is graphgrad's own While: tf.gradients of it works (checked by central differences)."""
    gd = graph_def("loops.pb")
    x0 = np.random.default_rng(3).normal(0, 1, (3, 3))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, (None, 3))
        f32 = tf.cast(x, tf.float32)
        scanned, powered = tf.import_graph_def(gd, input_map={"x:0": f32, "n:0": tf.constant(2)},
                                               return_elements=["scanned:0", "power_out:0"])
        loss = tf.reduce_sum(tf.cast(scanned, tf.float64) ** 2) + tf.reduce_sum(tf.cast(powered, tf.float64))
        (dx,) = tf.gradients(loss, [x])
        s = tf.Session()
        got = s.run(dx, {x: x0})
        eps, num = 1e-3, np.zeros_like(x0)
        for idx in np.ndindex(*x0.shape):
            d = np.zeros_like(x0)
            d[idx] = eps
            num[idx] = (s.run(loss, {x: x0 + d}) - s.run(loss, {x: x0 - d})) / (2 * eps)
    np.testing.assert_allclose(got, num, rtol=1e-3, atol=1e-3)


def _graph(text):
    from google.protobuf import text_format

    return text_format.Parse(text, GraphDef())


INT = 'attr { key: "T" value { type: DT_INT32 } }'
COUNTER = f"""
node {{ name: "zero" op: "Const" attr {{ key: "dtype" value {{ type: DT_INT32 }} }}
       attr {{ key: "value" value {{ tensor {{ dtype: DT_INT32 tensor_shape {{ }} int_val: 0 }} }} }} }}
node {{ name: "n" op: "Placeholder" attr {{ key: "dtype" value {{ type: DT_INT32 }} }} }}
node {{ name: "w/Enter" op: "Enter" input: "zero" {INT}
       attr {{ key: "frame_name" value {{ s: "w" }} }} attr {{ key: "is_constant" value {{ b: false }} }} }}
node {{ name: "w/n" op: "Enter" input: "n" {INT}
       attr {{ key: "frame_name" value {{ s: "w" }} }} attr {{ key: "is_constant" value {{ b: true }} }} }}
node {{ name: "w/Merge" op: "Merge" input: "w/Enter" input: "w/NextIteration" {INT} }}
node {{ name: "w/Less" op: "Less" input: "w/Merge" input: "w/n" {INT} }}
node {{ name: "w/LoopCond" op: "LoopCond" input: "w/Less" }}
node {{ name: "w/Switch" op: "Switch" input: "w/Merge" input: "w/LoopCond" {INT} }}
node {{ name: "w/Identity" op: "Identity" input: "w/Switch:1" {INT} }}
node {{ name: "w/add" op: "AddV2" input: "w/Identity" input: "w/Identity" {INT} }}
node {{ name: "w/NextIteration" op: "NextIteration" input: "w/BODY" {INT} }}
node {{ name: "w/Exit" op: "Exit" input: "w/Switch" {INT} }}
"""


def test_a_hand_written_frame_runs_and_broken_ones_are_value_errors_naming_the_node():
    with tf.Graph().as_default():
        tf.import_graph_def(_graph(COUNTER.replace("w/BODY", "w/plus1").replace(
            'node { name: "w/add"', 'node { name: "w/one" op: "Const" input: "^w/Identity" attr { key: "dtype" '
            'value { type: DT_INT32 } } attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape { } '
            'int_val: 1 } } } }\nnode { name: "w/plus1" op: "AddV2" input: "w/Identity" input: "w/one" '
            'attr { key: "T" value { type: DT_INT32 } } }\nnode { name: "w/add"')), name="")
        assert tf.Session().run("w/Exit:0", {"n:0": 5}) == 5
    outside = 'node { name: "n" op: "Placeholder" attr { key: "dtype" value { type: DT_INT32 } } }\n' \
        f'node {{ name: "e" op: "Exit" input: "n" {INT} }}'
    with tf.Graph().as_default(), pytest.raises(ValueError, match="Cannot import node 'e' .*not inside a while"):
        tf.import_graph_def(_graph(outside))
    with tf.Graph().as_default(), pytest.raises(ValueError, match="Cannot import node 'w/Enter' .*frame 'w' has no "
                                                                  "LoopCond or no loop variables"):
        tf.import_graph_def(_graph(COUNTER))
    bad_type = COUNTER.replace("w/BODY", "w/f").replace(
        'node { name: "w/add"', 'node { name: "w/f" op: "Cast" input: "w/Identity" attr { key: "SrcT" value { type: '
        'DT_INT32 } } attr { key: "DstT" value { type: DT_FLOAT } } }\nnode { name: "w/add"')
    with tf.Graph().as_default(), pytest.raises(ValueError, match="Cannot import node 'w/NextIteration' .*float32 "
                                                                  "back to the loop variable 'w/Merge' of type int32"):
        tf.import_graph_def(_graph(bad_type))


def test_the_stacks_of_a_tf1_loop_gradient_pop_last_first_and_fail_when_empty():
    """StackV2/StackPushV2/StackPopV2 (ops/stack_ops.py), which TF's loop gradients use; each run has its own."""
    from graphgrad.ops import stack_ops
    from graphgrad.ops.core import apply_op

    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (2,))
        stack = apply_op(stack_ops.StackV2, [tf.constant(-1)], {"elem_type": tf.float32, "stack_name": "s"})
        push_a = apply_op(stack_ops.StackPushV2, [stack, x], {"swap_memory": False})
        push_b = apply_op(stack_ops.StackPushV2, [stack, x * 2.0], {"swap_memory": False})
        with tf.control_dependencies([push_a, push_b]):
            first = apply_op(stack_ops.StackPopV2, [stack], {"elem_type": tf.float32})
        with tf.control_dependencies([first]):
            second = apply_op(stack_ops.StackPopV2, [stack], {"elem_type": tf.float32})
        with tf.control_dependencies([second]):
            third = apply_op(stack_ops.StackPopV2, [stack], {"elem_type": tf.float32})
        s = tf.Session()
        for _ in range(2):  # a new stack per run
            a, b = s.run([first, second], {x: [1.0, 2.0]})
            np.testing.assert_array_equal(a, [2.0, 4.0])
            np.testing.assert_array_equal(b, [1.0, 2.0])
        with pytest.raises(tf.errors.InvalidArgumentError, match="Calling Pop\\(\\) when the stack is empty"):
            s.run(third, {x: [1.0, 2.0]})
