"""Each program in examples/ runs and shows what the lecture (or the paper) says it shows.

The examples are scripts, not a package: they are loaded from their files under private module names, so
examples/ never lands on sys.path (where a file could shadow an installed package).
"""
import contextlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

try:  # small matmuls on a busy 2-core machine: OpenBLAS threads spin against each other (10x slower)
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1) if threadpool_limits else contextlib.nullcontext():
        yield


def load_example(name):
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(name, *args, cwd):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc


# --- triangle ----------------------------------------------------------------------------------------------

def test_triangle_needs_the_nonlinearity():
    triangle = load_example("triangle")
    result = triangle.main(steps=1000)
    sigmoid_train, sigmoid_test = result["sigmoid"]
    linear_train, linear_test = result["linear"]
    assert sigmoid_test >= 0.98 and sigmoid_train >= 0.98
    # A linear hidden layer makes the whole model one line: not even the 64 % of "always outside".
    assert linear_test < 0.7 and linear_train < 0.7
    assert triangle.main(steps=1000) == result  # tf.set_random_seed makes the run repeatable


@pytest.mark.host_process("runs the example as a script")
def test_triangle_script_prints_both_models(tmp_path):
    out = run_script("triangle", cwd=tmp_path).stdout
    accuracies = [float(a) for a in re.findall(r"test accuracy (\d\.\d+)", out)]
    assert "sigmoid" in out and "linear" in out and len(accuracies) == 2
    assert accuracies[0] >= 0.98 > 0.8 > accuracies[1]


# --- linear regression -------------------------------------------------------------------------------------

def test_linear_regression_recovers_weights_and_checkpoints(tmp_path):
    lr = load_example("linear_regression")
    result = lr.main(tmp_path / "logs" / "2")
    np.testing.assert_allclose(result["found_weights"], result["true_weights"], atol=0.05)
    losses = [loss for _, loss in result["losses"]]
    assert [i for i, _ in result["losses"]] == [0, 50, 100, 150, 200, 250]
    assert all(a > b for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 0.05  # near the noise variance 0.2² = 0.04
    # The slide: six saves (steps 0..250), the newest five kept.
    expected = [str(tmp_path / "logs" / "2" / f"model.ckpt-{i}") for i in (50, 100, 150, 200, 250)]
    assert result["last_checkpoints"] == expected
    assert not list((tmp_path / "logs" / "2").glob("model.ckpt-0*"))
    np.testing.assert_array_equal(result["restored_weights"], result["saved_weights"][50].ravel())
    assert np.abs(result["restored_weights"] - result["found_weights"]).max() > 0.01


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_linear_regression_claim_holds_for_other_seeds(tmp_path, seed):
    result = load_example("linear_regression").main(tmp_path, seed=seed)
    np.testing.assert_allclose(result["found_weights"], result["true_weights"], atol=0.05)


@pytest.mark.host_process("runs the example as a script")
def test_linear_regression_script_writes_into_its_folder(tmp_path):
    out = run_script("linear_regression", "ckpts", cwd=tmp_path).stdout
    assert "Found weights" in out and "model.ckpt-250" in out
    assert (tmp_path / "ckpts" / "checkpoint").exists()


# --- minimize x² -------------------------------------------------------------------------------------------

PRINT_LINE = re.compile(r"x, f:\[([^\]]+)\]\[([^\]]+)\]")


def test_minimize_x_squared_shrinks_x_prints_and_logs(tmp_path, capsys):
    example = load_example("minimize_x_squared")
    history = example.main(str(tmp_path / "logs" / "1"))
    captured = capsys.readouterr()
    xs = np.array([x for x, _ in history], np.float64)
    fs = np.array([f for _, f in history], np.float64)
    assert len(history) == 10 and xs[0] == pytest.approx(1.6)
    np.testing.assert_allclose(xs[1:] / xs[:-1], 0.8, rtol=1e-5)
    # s.run([step, x, f]): x comes back after the step, f from before it (f = (x / 0.8)²).
    np.testing.assert_allclose(fs, (xs / 0.8) ** 2, rtol=1e-5)

    # tf.Print goes to stderr in TensorFlow's format, with the values from before each step.
    assert "x, f:" not in captured.out
    lines = captured.err.strip().splitlines()
    assert len(lines) == 10 and all(PRINT_LINE.fullmatch(line) for line in lines)
    printed = np.array([[float(v) for v in PRINT_LINE.fullmatch(line).groups()] for line in lines])
    assert lines[0] == "x, f:[2][4]"
    np.testing.assert_allclose(printed[1:, 0], xs[:-1], rtol=1e-6)
    np.testing.assert_allclose(printed[:, 1], fs, rtol=1e-6)

    acc = EventAccumulator(str(tmp_path / "logs" / "1"), size_guidance={"scalars": 0})
    acc.Reload()
    curr_x, curr_f = acc.Scalars("curr_x"), acc.Scalars("curr_f")
    assert [e.step for e in curr_x] == list(range(10)) == [e.step for e in curr_f]
    # Summaries read x before the step, as TF1 logs them: curr_x and curr_f of one run agree (f = x²).
    logged_x = np.array([e.value for e in curr_x], np.float64)
    np.testing.assert_array_equal(logged_x, np.concatenate([[2.0], xs[:-1]]).astype(np.float32))
    np.testing.assert_allclose([e.value for e in curr_f], logged_x ** 2, rtol=1e-6)
    np.testing.assert_array_equal([e.value for e in curr_f], fs.astype(np.float32))
    assert acc.Tags()["graph"]


@pytest.mark.host_process("runs the example as a script")
def test_minimize_x_squared_script(tmp_path):
    proc = run_script("minimize_x_squared", "logs/1", cwd=tmp_path)
    assert proc.stdout.split()[:2] == ["1.6", "4.0"]
    assert proc.stderr.count("x, f:") == 10
    assert list((tmp_path / "logs" / "1").glob("events.out.tfevents.*"))


# --- digits ------------------------------------------------------------------------------------------------

def test_digits_mlp_reaches_95_percent():
    result = load_example("digits_mlp").main(epochs=10)
    assert result["test_accuracy"] >= 0.95
    assert result["losses"][-1] < result["losses"][0] / 5


# --- MNIST-1D ----------------------------------------------------------------------------------------------

def test_mnist1d_mlp_beats_logistic_regression():
    pytest.importorskip("mnist1d")
    result = load_example("mnist1d_benchmark").main(total_steps=1000, cache=False)
    logistic, mlp = result["logistic regression"]["test_accuracy"], result["MLP"]["test_accuracy"]
    assert 0.2 < logistic < 0.45  # the paper: about 32 %; chance is 10 %
    assert mlp > 0.5 and mlp > logistic + 0.15  # the paper: about 68 % after 6000 steps
