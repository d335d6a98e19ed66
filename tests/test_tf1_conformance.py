"""graphgrad against recorded TensorFlow 1.x behaviour.

tools/record_tf1_reference.py holds small TF1 programs; run under real TensorFlow (tensorflow-cpu 2.21,
`compat.v1`, graph mode) it recorded what each program observes into tests/tf1_reference.json. Here the same
programs run with `import graphgrad as tf` and every observation must match: names, printed forms, shapes and
dtypes exactly, float values to float32 rounding, errors by class, built-in base class and message fragments.

Where graphgrad differs on purpose, EXPECTED_DIFFERENCES pins graphgrad's own observation with the reason, so
the difference stays deliberate: the test fails if graphgrad changes, and also if it starts to match TensorFlow
(then the entry is stale and should go).
"""
import importlib.util
import json
import math
import os

import autograd.numpy as anp
import numpy as np
import pytest
from gradcheck import check_gradients

import graphgrad as tf

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "record_tf1_reference", os.path.join(HERE, "..", "tools", "record_tf1_reference.py"))
recorder = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(recorder)

with open(os.path.join(HERE, "tf1_reference.json")) as _f:
    REFERENCE = json.load(_f)

#: "program.key" -> (graphgrad's observation, why it differs from TensorFlow's); `...` instead of the
#: observation: a test of its own (named in the reason) checks what graphgrad does instead.
EXPECTED_DIFFERENCES = {
    "keras_initializers.deserialized": (
        ["TruncatedNormal", {"mean": 0.0, "stddev": 0.5, "seed": 2}],
        "graphgrad's tf.keras has one set of initializer classes, tf_keras' TF 2 ones (configs without a dtype, "
        "seeded values drawn statelessly); in TF1's graph mode tf_keras deserializes into its v1 classes, whose "
        "configs hold a dtype (docs/keras.md#initializers-regularizers-constraints-activations)"),
    "image_resize_bicubic_area.names": (
        ["Identity", "Identity", "ResizeBicubic:0", "ResizeArea:0"],
        "resize_bicubic and resize_area are gathers times TF's weights (image/resample.py), so gradients flow "
        "through ops autodiff knows; the result is an Identity named as TF names its ResizeBicubic / ResizeArea"),
    "debugging_checks.modes": (
        [False, False], "graphgrad does not filter tracebacks (no C++ bridge frames to hide), so "
        "is_traceback_filtering_enabled() says False"),
    "test_compute_gradient.predicates": (
        [False, False, True, True], "tf.test.is_built_with_xla() says the truth: graphgrad compiles plans with Numba "
        "(the jit extra), not XLA"),
    "compat_v2_switches.resource_enabled": (
        False, "graphgrad's graph-mode tf.Variable is a reference variable whatever the switch says (reads do not race "
        "with a run's updates already: reads first); resource_variables_enabled() tells that truth (docs/eager.md)"),
    "compat_v2_switches.cfv2_enabled": (
        False, "graphgrad has one control flow, TF1's (branch ops in the enclosing graph), so enable_control_flow_v2 "
        "changes nothing and control_flow_v2_enabled() stays False (docs/eager.md)"),
    "lecture_operation_example.ops": (
        [["Placeholder", "Placeholder"], ["random_uniform", "RandomUniform"], ["w", "VariableV2"],
         ["w/Assign", "Assign"], ["w/read", "Identity"], ["matmul", "MatMul"]],
        "one RandomUniform op holds shape and range as attributes; TF composes random_uniform/shape (Const), "
        "random_uniform/RandomUniform and, for other ranges, sub/mul/add"),
    "naming_operators_and_constants.consts": (
        ["mul_2/y", "mul_3/x", "add/y", "add_1/x", "sub/y", "sub_1/x", "truediv/y", "truediv_1/x", "pow/y",
         "floordiv/y", "mod/y", "floordiv_1/y", "mod_1/y", "truediv_2/y", "Const", "c", "c_1"],
        "slice bounds and reduction axes are op attributes (bound once in the kernel), not the Const inputs "
        "TF creates (strided_slice/stack, Mean/reduction_indices, a Const for reduce_sum without axis)"),
    "dtype_feeds.string_feed": (
        [{"type": "ndarray", "dtype": "object", "shape": [2], "value": [{"bytes": "a"}, {"bytes": "é"}]}] * 2,
        "fed str values are encoded to UTF-8 bytes as the feed is checked, so every op sees bytes as in TF; "
        "fetching the fed tensor itself then gives the bytes too, where TF hands back the str objects it was fed"),
    "api_edge_values.argmax_nan": (
        {"type": "int64", "dtype": "int64", "shape": [], "value": 1},
        "argmax is NumPy's, which stops at the first NaN; TF's CPU kernel compares with >, so NaN never wins "
        "(unless first); a NaN-aware kernel costs a pass for a case with no meaningful answer"),
    "api_edge_values.warnings": (
        ["RuntimeWarning"],
        "kept on purpose: kernels run without np.errstate, so log(0), 0/0, overflow emit NumPy RuntimeWarnings "
        "that point at the op (values match TF's inf/nan); an errstate per run would cost every run"),
    "api_edge_values.int_truncdiv_zero": (
        {"error": "InvalidArgumentError", "base": "Exception", "has": []},
        "TF raises InternalError for truncatediv by an integer zero but InvalidArgumentError for floordiv and "
        "mod; graphgrad raises InvalidArgumentError for all three"),
    "api_print_formats.formats": (
        "m: [0.33333334 1e-08 1e+10 -0 2.5][0 1 2][1 0][1.5][text][[[0 0][0 0]][[0 0][0 0]]][7][nan inf -inf]\n",
        "tf.Print formats float32 as TF 1.x did (%.6g, else %.8g: the lecture's 'x, f:[1.5879565][2.521606]'); "
        "TF 2.21 uses %.9g for the second form"),
    "api_array_errors.reshape_two_minus_one": (
        {"error": "ValueError", "base": "ValueError", "has": []},
        "shape errors are found at build time where the static shapes allow (DESIGN.md); TF builds the op and "
        "fails when it runs"),
    "api_array_errors.transpose_bad_perm": (
        {"error": "ValueError", "base": "ValueError", "has": []},
        "as reshape_two_minus_one: a permutation that repeats an axis is refused while building"),
    **{f"distributions_samples.{k}": (
        ..., "the random generators differ from TF's: tests/test_distributions.py compares these sample statistics "
        "and sample gradients with TF's recording to Monte-Carlo tolerance")
       for k in ("stats", "reparameterized_grads")},
    "api_nn_values.exact_zeros": (
        {"sigmoid": [False, False, False], "softmax": [True, False], "exp": [True, True],
         "sigmoid_ce": [True, True], "softplus": [True, True]},
        "sigmoid clamps its input at log(smallest normal float), so sigmoid(-100) is 1.2e-38 where TF gives "
        "0: no overflow warning from exp, no denormals (math_ops.Sigmoid); the difference is below 1e-37"),
    "api_get_variable_forms.shape_and_constant": (
        {"error": None},
        "get_variable accepts a `shape` that agrees with a constant initializer (TF refuses any); one that "
        "disagrees is the same ValueError (wrong_shape_and_constant)"),
    "api_get_variable_forms.bad_initializer_dtype": (
        {"error": "ValueError", "base": "ValueError", "has": []},
        "a float initializer for an int32 variable is refused up front (ValueError, as TF 2's initializers "
        "do); TF 1's glorot fails later converting a float to int32 (TypeError)"),
    "image_adjustments.rot_shapes": (
        {"rot1": [[5, 4, 3], "uint8"], "rot3": [[1, 5, 4, 3], "float32"]},
        "rot90's k is known while building, so the rotated height and width are known; TF picks the rotation with a "
        "tf.case on k and loses them (TF's other shapes and every value match)"),
    "data_shuffle.graph_seed_orders": (
        ..., "with only a graph seed, a shuffle's op seed is the graph's op count, TF 1.x's rule "
        "(framework/random_seed.py; TF 2.x counts seed requests instead), so the order differs from TF 2.21's; "
        "with an op seed (graph_and_op_seed_orders, orders) it is TensorFlow's. "
        "test_tf_data.py::test_shuffle_with_graph_seed_is_reproducible checks it is reproducible"),
    "data_batch_sparse.shapes": (
        "{'sp': TensorShape([Dimension(None), Dimension(None), Dimension(None)]), 'n': TensorShape([Dimension(None)])}",
        "tf.data keeps a SparseTensor component as its three tensors' shapes, so a dense shape known only in part "
        "while building ([1, ?] from from_dense) is kept as its rank; the batched values are TF's"),
    "data_batch_sparse.static": (
        ["(?, 3)", "(3,)", "(?, ?, ?)"], "see data_batch_sparse.shapes"),
}


#: float32 rounding; on a real GPU (CuPy) 2e-5: CUDA's reductions add in another order and its kernels fuse
#: multiply-adds, so a batch-norm gradient lands a few float32 steps away from TF's CPU (TF's GPU differs likewise)
REL_TOL = [2e-6]


def differences(ours, ref, path=""):
    """Human-readable places where two observations differ (floats compared to float32 rounding)."""
    if isinstance(ref, dict) and isinstance(ours, dict):
        out = []
        keys = [k for k in ref if k != "msg"] + [k for k in ours if k not in ref and k != "msg"]
        for k in keys:
            if k not in ours or k not in ref:
                out.append(f"{path}.{k}: {'missing in graphgrad' if k not in ours else 'not in TensorFlow'}")
            else:
                out += differences(ours[k], ref[k], f"{path}.{k}")
        if "msg" in ref and any("has" in d or "error" in d for d in out):
            out.append(f"{path}: TensorFlow's message: {ref['msg']!r}; graphgrad's: {ours.get('msg')!r}")
        return out
    if isinstance(ref, list) and isinstance(ours, list):
        if len(ref) != len(ours):
            return [f"{path}: length {len(ours)} != {len(ref)}: {_short(ours)} != {_short(ref)}"]
        return [d for i, (a, b) in enumerate(zip(ours, ref)) for d in differences(a, b, f"{path}[{i}]")]
    if isinstance(ref, float) and isinstance(ours, (int, float)) and not isinstance(ours, bool):
        if math.isnan(ref) and math.isnan(ours):
            return []
        if ours == ref or math.isclose(ours, ref, rel_tol=REL_TOL[0], abs_tol=1e-6):
            return []
    elif type(ours) is type(ref) and ours == ref:
        return []
    return [f"{path}: {_short(ours)} != {_short(ref)} (graphgrad != TensorFlow)"]


def _short(v):
    s = repr(v)
    return s if len(s) < 300 else s[:300] + "..."


#: The reference was recorded on the CPU; where TensorFlow itself behaves differently on a GPU, a run of the suite
#: with a GPU as the default device (GRAPHGRAD_DEVICE, e.g. the fake GPU) expects TensorFlow's GPU behaviour.
GPU_DIFFERENCES = {
    "api_edge_values.sparse_ce_bad_label": (
        {"error": None},
        "TensorFlow on a GPU gives NaN loss rows for labels outside [0, classes) instead of raising"),
    "api_array_values.gather_negative": (
        {"error": None},
        "TensorFlow's GPU gather does not check indices (zeros for a bad index); graphgrad skips the check there too"),
}


#: What is deliberate on the CPU but not on CUDA, where graphgrad then matches TensorFlow.
NOT_ON_CUDA = {
    "api_edge_values.warnings": "CUDA kernels raise no floating-point warnings: no RuntimeWarning, as in TF",
}


def _expected_differences():
    backend = tf.Session()._ctx.backend
    cuda = backend.name == "gpu"  # CuPy; the fake GPU computes with NumPy
    REL_TOL[0] = 2e-5 if cuda else 2e-6
    if backend.device_type != "GPU":
        return EXPECTED_DIFFERENCES
    both = {**EXPECTED_DIFFERENCES, **GPU_DIFFERENCES}
    return {k: v for k, v in both.items() if k not in NOT_ON_CUDA} if cuda else both


@pytest.mark.parametrize("name", list(recorder.PROGRAMS))
def test_program_matches_tensorflow(name):
    assert name in REFERENCE, f"{name} is not recorded: run tools/record_tf1_reference.py under TensorFlow"
    ours = recorder.run_program(tf, name)
    ref = dict(REFERENCE[name])
    problems = []
    for key, (pinned, why) in _expected_differences().items():
        prog, _, k = key.partition(".")
        if prog != name:
            continue
        assert k in ref, f"stale expected difference {key}: not recorded"
        if not differences(ours.get(k), ref[k]):
            problems.append(f"{key} now matches TensorFlow: drop it from EXPECTED_DIFFERENCES ({why})")
        if pinned is not ...:
            problems += [f"{key} (deliberate: {why}) changed: {d}" for d in differences(ours.get(k), pinned)]
        ours.pop(k, None)
        ref.pop(k)
    problems += differences(ours, ref, name)
    assert not problems, "\n".join(problems)


def test_reference_is_small_and_covers_every_program():
    # ~3.5 KB a program (136 programs: 465 KB; large arrays recorded as digests: tools/record_tf1_reference.py,
    # `_digest`): the bound grows with the programs, and catches one that records a large array whole
    size, n = os.path.getsize(os.path.join(HERE, "tf1_reference.json")), len(recorder.PROGRAMS)
    assert size < 5_000 * n, f"{size} bytes for {n} programs"
    recorded = {k for k in REFERENCE if not k.startswith("_")}
    assert recorded == set(recorder.PROGRAMS), "re-record: programs and reference disagree"
    for key in {**EXPECTED_DIFFERENCES, **GPU_DIFFERENCES}:
        assert key.partition(".")[0] in recorder.PROGRAMS, key


def test_recorded_fragments_are_in_tensorflows_messages():
    """A fragment TensorFlow's own message lacks would test nothing."""
    def walk(v, path):
        if isinstance(v, dict):
            assert False not in v.get("has", []), path
            for k, x in v.items():
                walk(x, f"{path}.{k}")
        elif isinstance(v, list):
            for i, x in enumerate(v):
                walk(x, f"{path}[{i}]")
    walk(REFERENCE, "")


def test_differences_sees_what_matters():
    """The comparison itself: dtype, shape and Python type must match exactly, floats to float32 rounding."""
    a = recorder.encode(np.float32(1.0))
    assert differences(a, dict(a)) == []
    assert differences(a, {**a, "dtype": "float64"})
    assert differences({**a, "value": 1.0 + 1e-7}, a) == []
    assert differences({**a, "value": 1.001}, a)
    assert differences([1, 2], [1, 2, 3]) and differences(True, 1) and differences(None, 0.0)
    assert differences({"error": "TypeError", "msg": "x"}, {"error": "TypeError", "msg": "y"}) == []


# --- checks of what this audit changed, beyond the recorded programs ----------------------------------------

@pytest.mark.parametrize("fn, ref", [
    (lambda x: tf.sqrt(x), lambda x: anp.sqrt(x)),
    (lambda x: tf.math.rsqrt(x), lambda x: 1.0 / anp.sqrt(x)),
    (lambda x: tf.reciprocal(x), lambda x: 1.0 / x),
])
def test_output_gradient_ops_first_and_second_order(fn, ref):
    """SqrtGrad, RsqrtGrad and ReciprocalGrad (and their own gradients) against autograd."""
    import autograd

    x0 = np.array([[0.5, 1.5, 2.0], [3.0, 0.7, 1.1]])
    check_gradients(fn, [x0], reference=ref)
    # d/dx of (dy · f'(x)) with a fixed dy: the gradient of the gradient op, both of its inputs.
    dy0 = np.array([[1.0, -2.0, 0.5], [0.3, 2.0, -1.0]])
    check_gradients(lambda x, dy: tf.gradients(fn(x), x, grad_ys=dy)[0], [x0, dy0],
                    reference=lambda x, dy: autograd.elementwise_grad(ref)(x) * dy)


def test_output_gradient_is_zero_where_upstream_gradient_is_zero():
    """TF's rule: tf.where(x > 0, tf.sqrt(x), 0) trains without NaN at x <= 0."""
    x = tf.constant([-1.0, 0.0, 4.0])
    outs = [tf.gradients(tf.where(x > 0.0, f(tf.abs(x)), tf.zeros_like(x)), x)[0]
            for f in (tf.sqrt, tf.math.rsqrt, tf.reciprocal)]
    with tf.Session() as s:
        got = s.run(outs)
    np.testing.assert_array_equal(got, [[0, 0, 0.25], [0, 0, -1 / 16], [0, 0, -1 / 16]])


