"""The `graphgrad` command: the training job, its logdir (events, checkpoints), resume, inspect-checkpoint."""
import contextlib
import errno
import io
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from graphgrad import cli
from graphgrad.train import checkpoint_io as cio
from graphgrad.train import saver as saver_mod

FINAL = re.compile(r"^(\w+): train loss ([\d.]+) accuracy ([\d.]+) \| "
                   r"test loss ([\d.]+) accuracy ([\d.]+) \([\d.]+s\)$")
BATCHES = 43  # digits: 1,347 training images in batches of 32


def numbers(stdout):
    """(train loss, train acc, test loss, test acc) from the job's final line (the time is left out)."""
    m = FINAL.match(stdout.strip().splitlines()[-1])
    assert m, stdout
    return tuple(float(v) for v in m.groups()[1:])


def run_main(argv):
    """cli.main in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), err.getvalue()


def accumulator(logdir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    ea = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0})
    ea.Reload()
    return ea


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """`graphgrad` with no arguments, in a fresh working directory (so the default logdir lands there)."""
    cwd = tmp_path_factory.mktemp("default")
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code, out, err = run_main([])
    finally:
        os.chdir(old)
    assert code == 0, err
    (logdir,) = (cwd / "runs").iterdir()
    return out, err, logdir


def test_no_arguments_trains_digits_to_97_percent_with_progress_bars(default_run):
    out, err, logdir = default_run
    train_loss, train_acc, test_loss, test_acc = numbers(out)
    assert out.strip().splitlines()[-1].startswith("digits: ")
    assert test_acc >= 0.97 and train_acc >= 0.97
    assert "epoch 1/30" in err and "epoch 30/30" in err and "43/43" in err
    assert re.fullmatch(r"digits-\d{8}-\d{6}", logdir.name)
    assert str(os.path.join("runs", logdir.name)) in out


def test_event_files_hold_scalars_histograms_and_graph(default_run):
    ea = accumulator(default_run[2])
    tags = ea.Tags()
    assert {"train/loss", "train/accuracy", "test/loss", "test/accuracy"} <= set(tags["scalars"])
    assert set(tags["histograms"]) == {f"weights/{layer}/{v}" for layer in ("hidden1", "hidden2", "logits")
                                       for v in ("kernel", "bias")}
    assert tags["graph"]
    names = {n.name for n in ea.Graph().node}
    assert {"x", "y", "hidden1/kernel", "logits/BiasAdd", "global_step"} <= names
    epochs = [BATCHES * (e + 1) for e in range(30)]
    assert [e.step for e in ea.Scalars("test/accuracy")] == epochs
    assert [e.step for e in ea.Histograms("weights/hidden1/kernel")] == epochs
    assert [e.step for e in ea.Scalars("train/loss")] == list(range(10, 30 * BATCHES + 1, 10))
    assert ea.Scalars("test/accuracy")[-1].value == pytest.approx(numbers(default_run[0])[3], abs=1e-4)
    assert ea.Scalars("train/loss")[-1].value < ea.Scalars("train/loss")[0].value


def test_a_checkpoint_per_epoch_keeping_the_last_five(default_run):
    logdir = default_run[2]
    state = saver_mod.get_checkpoint_state(str(logdir))
    steps = [BATCHES * e for e in range(26, 31)]
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == [f"model.ckpt-{s}" for s in steps]
    assert sorted(p.name for p in logdir.glob("*.safetensors")) == sorted(f"model.ckpt-{s}.safetensors"
                                                                          for s in steps)
    reader = saver_mod.load_checkpoint(str(logdir))
    names = set(reader.get_variable_to_shape_map())
    assert {"global_step", "hidden1/kernel", "hidden1/kernel/Adam", "hidden1/kernel/Adam_1", "beta1_power"} <= names
    assert reader.get_tensor("global_step") == 30 * BATCHES


def test_same_seed_same_numbers_other_seed_other_numbers():
    args = ["train", "--no-progress", "--no-logdir", "--epochs", "3", "--dropout", "0.2"]
    a, b, c = (run_main(args + ["--seed", s]) for s in ("1", "1", "2"))
    assert a[0] == b[0] == c[0] == 0
    assert numbers(a[1]) == numbers(b[1])
    assert numbers(a[1]) != numbers(c[1])
    assert len(a[1].strip().splitlines()) == 1   # --no-logdir: no "logging to" line


@pytest.mark.parametrize("argv", [
    ["train", "--epochs", "0"],
    ["train", "--hidden", "64,x"],
    ["train", "--dataset", "nope"],
    ["train", "--dropout", "1.5"],
    ["train", "--batch-size", "0"],
    ["train", "--seed", "-1"],
    ["train", "--log-every", "0"],
    ["train", "--l2", "nan", "--epochs", "1", "--no-progress"],
    ["train", "--l2", "inf", "--epochs", "1", "--no-progress"],
    ["train", "--logdir", "", "--epochs", "1", "--no-progress"],
    ["train", "--logdir", "  ", "--epochs", "1", "--no-progress"],
    ["train", "--resume"],
    ["train", "--resume", "--no-logdir"],
    ["train", "--logdir", "somewhere", "--no-logdir"],
    ["inspect-checkpoint"],
    ["bogus"],
])
def test_bad_options_exit_2_with_one_line(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_main(argv)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith("graphgrad") and "error: " in err
    assert not (tmp_path / "runs").exists()


def test_bad_option_through_the_real_command():
    p = subprocess.run([sys.executable, "-m", "graphgrad", "train", "--lr", "-1"], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr == "graphgrad train: error: --lr must be a positive number, got -1.0\n"


RESUME_ARGS = ["train", "--no-progress", "--dropout", "0.3", "--log-every", "5"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """6 epochs with dropout in one go: what every resumed run must reproduce."""
    logdir = tmp_path_factory.mktemp("full")
    code, out, err = run_main(RESUME_ARGS + ["--epochs", "6", "--logdir", str(logdir)])
    assert code == 0, err
    return numbers(out), logdir


def assert_same_run(logdir, reference):
    """Same checkpoint contents (weights, Adam slots, step) and the same TensorBoard curves."""
    a, b = saver_mod.load_checkpoint(str(logdir)), saver_mod.load_checkpoint(str(reference))
    assert a.get_variable_to_shape_map() == b.get_variable_to_shape_map()
    for name in b.get_variable_to_shape_map():
        np.testing.assert_array_equal(a.get_tensor(name), b.get_tensor(name), err_msg=name)
    ea, eb = accumulator(logdir), accumulator(reference)
    for tag in ("train/loss", "test/accuracy"):
        assert [(e.step, e.value) for e in ea.Scalars(tag)] == [(e.step, e.value) for e in eb.Scalars(tag)]
    assert [e.step for e in ea.Histograms("weights/logits/kernel")] == [BATCHES * e for e in range(1, 7)]


def test_resume_gives_the_uninterrupted_numbers_with_dropout(uninterrupted, tmp_path):
    code, out, err = run_main(RESUME_ARGS + ["--epochs", "2", "--logdir", str(tmp_path)])
    assert code == 0, err
    assert numbers(out) != uninterrupted[0]
    code, out, err = run_main(RESUME_ARGS + ["--epochs", "6", "--logdir", str(tmp_path), "--resume"])
    assert code == 0, err
    assert f"resuming from {tmp_path / f'model.ckpt-{2 * BATCHES}'} after epoch 2/6" in out
    assert numbers(out) == uninterrupted[0]
    assert_same_run(tmp_path, uninterrupted[1])


def test_resume_refuses_other_options_and_a_used_logdir(tmp_path):
    base = ["train", "--no-progress", "--epochs", "1", "--logdir", str(tmp_path)]
    assert run_main(base)[0] == 0
    for extra, message in [(["--resume", "--hidden", "32"], "--hidden 32 (the run has --hidden 128,64)"),
                           (["--resume", "--optimizer", "sgd"], "--optimizer sgd (the run has --optimizer adam)"),
                           (["--resume", "--lr", "0.01"], "--lr 0.01 (the run has --lr 0.001)"),
                           ([], "already holds a run (checkpoint, config.json, events.out.tfevents.")]:
        code, out, err = run_main(base + extra)
        assert code == 2 and len(err.splitlines()) == 1 and message in err, err
    assert run_main(base + ["--resume", "--lr", "0.001"])[0] == 0   # the default, spelled out
    code, _, err = run_main(["train", "--no-progress", "--resume", "--logdir", str(tmp_path / "empty")])
    assert code == 2 and err.strip() == f"graphgrad train: error: no checkpoint to resume from in {tmp_path / 'empty'}"


SLOW_JOB = """
import sys, time
import graphgrad.trainer as trainer
from graphgrad.cli import main

def slow(batches, total, desc, enabled):  # ~0.2 s per epoch, so the kill lands mid-run
    for batch in batches:
        time.sleep(0.005)
        yield batch

trainer._progress = slow
sys.exit(main(sys.argv[1:]))
"""


def signal_mid_training(argv, logdir, signum):
    """Run the job in a child process, send `signum` in the epoch after its first checkpoint: (status, out, err)."""
    proc = subprocess.Popen([sys.executable, "-c", SLOW_JOB, *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (logdir / "checkpoint").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no checkpoint after 60 s"
            time.sleep(0.002)
        time.sleep(0.1)   # into the next epoch
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, out, err


@pytest.mark.host_process("trains in a child process")
def test_sigkill_mid_training_then_resume_matches_the_uninterrupted_run(uninterrupted, tmp_path):
    argv = RESUME_ARGS + ["--epochs", "6", "--logdir", str(tmp_path)]
    status, out, _ = signal_mid_training(argv, tmp_path, signal.SIGKILL)
    assert status == -signal.SIGKILL
    assert "accuracy" not in out   # killed before the end
    step = int(cio.latest_checkpoint(str(tmp_path)).rsplit("-", 1)[1])
    assert step % BATCHES == 0 and BATCHES <= step < 6 * BATCHES

    code, out, err = run_main(argv + ["--resume"])
    assert code == 0, err
    assert f"after epoch {step // BATCHES}/6" in out
    assert numbers(out) == uninterrupted[0]
    assert_same_run(tmp_path, uninterrupted[1])
    # the resumed events file tells TensorBoard to drop what the killed process logged after the checkpoint
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    first, second = sorted(tmp_path.glob("events.out.tfevents.*"))
    starts = [e.step for e in EventFileLoader(str(second)).Load() if e.session_log.status == e.session_log.START]
    assert starts == [step + 1]


def test_inspect_checkpoint_prints_the_listing(uninterrupted, capsys):
    logdir = uninterrupted[1]
    prefix = str(logdir / f"model.ckpt-{6 * BATCHES}")
    expected = saver_mod.inspect_checkpoint(prefix)
    for path in (str(logdir), prefix, prefix + ".safetensors"):
        assert cli.main(["inspect-checkpoint", path]) == 0
        out, err = capsys.readouterr()
        assert out == expected and err == ""
    assert out.startswith(f"checkpoint   {prefix}\n")
    assert f"global step  {6 * BATCHES}" in out
    assert re.search(r"^hidden1/kernel/Adam_1 +\[64, 128\] +float32 ", out, re.M)


def test_inspect_checkpoint_errors_exit_1_with_one_line(tmp_path, capsys):
    bad = tmp_path / "model.ckpt-1.safetensors"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not a header}  ")
    for path in (tmp_path / "missing", tmp_path / "model.ckpt-1", bad, tmp_path):
        assert cli.main(["inspect-checkpoint", str(path)]) == 1
        out, err = capsys.readouterr()
        assert out == "" and len(err.splitlines()) == 1, err
        assert err.startswith("graphgrad inspect-checkpoint: error: ")


def test_options_without_a_command_imply_train(capsys):
    from graphgrad.cli import main

    assert main(["--no-progress", "--no-logdir", "--epochs", "1", "--hidden", "8"]) == 0
    assert "test loss" in capsys.readouterr().out


# --- failures: one line on stderr, no traceback; 2 when the options cannot run, 1 when training fails ------

QUICK = ["train", "--no-progress", "--epochs", "1", "--hidden", "16"]


def assert_one_line_error(code, err, status, *parts):
    assert code == status, err
    assert len(err.splitlines()) == 1 and err.startswith("graphgrad train: error: "), err
    for part in parts:
        assert part in err, err


def test_mnist1d_without_the_extra_exits_2_with_the_install_hint(tmp_path, monkeypatch):
    from importlib import metadata

    from graphgrad.datasets import mnist1d

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(mnist1d.metadata, "version", not_installed)
    monkeypatch.setitem(sys.modules, "mnist1d", None)   # `import mnist1d` raises ImportError
    monkeypatch.setenv("GRAPHGRAD_CACHE", str(tmp_path / "cache"))
    code, out, err = run_main(QUICK + ["--dataset", "mnist1d", "--logdir", str(tmp_path / "run")])
    assert_one_line_error(code, err, 2, "--dataset mnist1d", "pip install 'graphgrad[mnist1d]'")
    assert out == "" and not (tmp_path / "run").exists()


# leaky_relu with plain SGD at lr 2 trains for a while, then its weights overflow (NaN in epoch 2 or 3 on digits).
DIVERGING = ["train", "--no-progress", "--activation", "leaky_relu", "--optimizer", "sgd", "--lr", "2",
             "--hidden", "16", "--epochs", "5"]
DIVERGED = re.compile(r"^graphgrad train: error: training diverged in epoch (\d+)/5 at step (\d+): (.*)$")


def test_divergence_stops_naming_epoch_and_step_and_keeps_the_last_good_checkpoint(tmp_path):
    code, out, err = run_main(DIVERGING + ["--logdir", str(tmp_path)])
    assert_one_line_error(code, err, 1)
    m = DIVERGED.match(err.strip())
    assert m, err
    epoch, step = int(m.group(1)), int(m.group(2))
    assert 2 <= epoch <= 5 and (epoch - 1) * BATCHES < step <= epoch * BATCHES
    latest = cio.latest_checkpoint(str(tmp_path))
    assert latest == str(tmp_path / f"model.ckpt-{(epoch - 1) * BATCHES}")
    assert f"the last good checkpoint is {latest}" in m.group(3)
    assert sorted(p.name for p in tmp_path.glob("*.safetensors")) == sorted(
        f"model.ckpt-{e * BATCHES}.safetensors" for e in range(1, epoch))   # none of non-finite weights
    reader = saver_mod.load_checkpoint(latest)
    for name in reader.get_variable_to_shape_map():
        assert np.all(np.isfinite(reader.get_tensor(name))), name
    assert "accuracy" not in out   # no final line

    code, out, err = run_main(DIVERGING + ["--no-logdir"])   # without a logdir: the same stop, nothing kept
    assert_one_line_error(code, err, 1, f"training diverged in epoch {epoch}/5 at step {step}:")


def test_divergence_in_the_last_step_of_an_epoch_writes_no_checkpoint(tmp_path, monkeypatch):
    """The loss a step reports is from before its update, so weights can go bad in an epoch's last step."""
    import graphgrad as tf
    import graphgrad.trainer as trainer

    def overflowing(batches, total, desc, enabled):
        yield from batches
        if desc.startswith("epoch 2/"):   # as if epoch 2's last update overflowed
            kernel, = (v for v in tf.get_default_session().graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)
                       if v.op.name == "logits/kernel")
            kernel.load(np.full(kernel.shape.as_list(), np.inf, np.float32))

    monkeypatch.setattr(trainer, "_progress", overflowing)
    code, _, err = run_main(QUICK[:-4] + ["--epochs", "3", "--hidden", "16", "--logdir", str(tmp_path)])
    assert_one_line_error(code, err, 1, f"training diverged in epoch 2/3 at step {2 * BATCHES}:", "logits/kernel",
                          f"the last good checkpoint is {tmp_path / f'model.ckpt-{BATCHES}'}")
    assert cio.latest_checkpoint(str(tmp_path)) == str(tmp_path / f"model.ckpt-{BATCHES}")
    assert not (tmp_path / f"model.ckpt-{2 * BATCHES}.safetensors").exists()


@contextlib.contextmanager
def read_only(folder, monkeypatch):
    """Make `folder` unwritable: chmod where that works; as root (which chmod does not stop), refuse writes there."""
    if os.geteuid() != 0:
        os.chmod(folder, 0o555)
        try:
            yield
        finally:
            os.chmod(folder, 0o755)
        return
    import builtins

    inside = str(folder) + os.sep

    def denied(path):
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))

    real_open, real_os_open = builtins.open, os.open

    def open_(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.path.abspath(file).startswith(inside) and \
                any(c in mode for c in "wxa+"):
            raise denied(file)
        return real_open(file, mode, *args, **kwargs)

    def os_open(path, flags, *args, **kwargs):
        if os.path.abspath(path).startswith(inside) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise denied(path)
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(os, "open", os_open)
    yield


def test_resume_into_a_read_only_logdir_exits_2_with_one_line(tmp_path, monkeypatch):
    assert run_main(QUICK + ["--logdir", str(tmp_path)])[0] == 0
    with read_only(tmp_path, monkeypatch):
        code, out, err = run_main(QUICK[:-4] + ["--epochs", "2", "--hidden", "16", "--logdir", str(tmp_path),
                                                "--resume"])
    assert_one_line_error(code, err, 2, f"cannot write to {tmp_path}", "Permission denied")


@pytest.mark.parametrize("where", ["checkpoint", "events"])
def test_a_full_disk_stops_the_run_with_exit_1_and_keeps_the_last_checkpoint(where, tmp_path, monkeypatch):
    import graphgrad as tf

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    target, name = (tf.train.Saver, "save") if where == "checkpoint" else (tf.summary.FileWriter, "flush")
    real, calls = getattr(target, name), []

    def fails_the_second_time(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs) if len(calls) < 2 else full()

    monkeypatch.setattr(target, name, fails_the_second_time)
    code, out, err = run_main(QUICK[:-4] + ["--epochs", "3", "--hidden", "16", "--logdir", str(tmp_path)])
    assert_one_line_error(code, err, 1, f"cannot write to {tmp_path} in epoch 2/3", "No space left on device",
                          f"the last good checkpoint is {tmp_path / f'model.ckpt-{BATCHES}'}")
    assert cio.latest_checkpoint(str(tmp_path)) == str(tmp_path / f"model.ckpt-{BATCHES}")


def test_a_model_too_big_for_memory_is_refused_before_training(monkeypatch):
    import graphgrad.trainer as trainer

    monkeypatch.setattr(trainer, "physical_memory", lambda: 8 << 30)
    code, out, err = run_main(["train", "--no-progress", "--no-logdir", "--hidden", "100000,100000"])
    assert_one_line_error(code, err, 2, "--hidden 100000,100000", "10,007,600,010 parameters", "8.6 GB")


OUT_OF_MEMORY_JOB = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))  # a 40 GB kernel cannot be allocated under 6 GB
import graphgrad.trainer as trainer
from graphgrad.cli import main

trainer.physical_memory = lambda: None   # skip the check before training: the real MemoryError must be caught
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.host_process("limits the memory of a child process")
def test_running_out_of_memory_exits_1_with_one_line(tmp_path):
    p = subprocess.run([sys.executable, "-c", OUT_OF_MEMORY_JOB, "train", "--no-progress", "--epochs", "1",
                        "--hidden", "100000,100000", "--logdir", str(tmp_path / "run")],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "GRAPHGRAD_DEVICE": "cpu"})   # host memory; CUDA would not start under 6 GB
    assert_one_line_error(p.returncode, p.stderr, 1, "out of memory", "--hidden 100000,100000")


@pytest.mark.host_process("interrupts training in a child process")
def test_ctrl_c_exits_130_and_says_how_to_resume(uninterrupted, tmp_path):
    status, out, err = signal_mid_training(RESUME_ARGS + ["--epochs", "6", "--logdir", str(tmp_path)], tmp_path,
                                           signal.SIGINT)
    assert status == 130, err
    assert "accuracy" not in out   # stopped before the end
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("graphgrad train: interrupted")
    command = err.split("resume with: ", 1)[1].strip()
    assert command.startswith(shlex.join(["graphgrad", "train", "--logdir", str(tmp_path), "--resume"]))
    code, out, err = run_main(shlex.split(command)[1:] + ["--no-progress"])   # the command, as told
    assert code == 0, err
    assert numbers(out) == uninterrupted[0]


def test_ctrl_c_before_the_first_checkpoint_can_be_resumed_too(tmp_path, monkeypatch):
    import graphgrad.trainer as trainer

    def interrupted(batches, total, desc, enabled):
        yield next(iter(batches))
        raise KeyboardInterrupt

    args = QUICK + ["--logdir", str(tmp_path / "a")]
    with monkeypatch.context() as m:
        m.setattr(trainer, "_progress", interrupted)
        code, out, err = run_main(args)
    assert code == 130 and len(err.splitlines()) == 1, err
    command = err.split("resume with: ", 1)[1].strip()
    code, out, err = run_main(shlex.split(command)[1:] + ["--no-progress"])
    assert code == 0, err
    assert "resuming" in out and "from the start" in out
    code, reference, err = run_main(QUICK + ["--logdir", str(tmp_path / "b")])
    assert numbers(out) == numbers(reference)


def test_resume_skips_a_damaged_newest_checkpoint_with_a_warning(tmp_path):
    args = QUICK[:-4] + ["--hidden", "16", "--logdir", str(tmp_path)]
    assert run_main(args + ["--epochs", "2"])[0] == 0
    newest = tmp_path / f"model.ckpt-{2 * BATCHES}.safetensors"
    data = bytearray(newest.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8] = bytes(b ^ 0xFF for b in data[middle:middle + 8])
    newest.write_bytes(bytes(data))
    code, out, err = run_main(args + ["--epochs", "3", "--resume"])
    assert code == 0, err
    assert len(err.splitlines()) == 1 and err.startswith("graphgrad train: warning: ") and str(newest) in err, err
    assert f"resuming from {tmp_path / f'model.ckpt-{BATCHES}'} after epoch 1/3" in out
    reader = saver_mod.load_checkpoint(str(tmp_path))   # epoch 2 was trained again and saved intact
    assert reader.get_tensor("global_step") == 3 * BATCHES
    assert saver_mod.load_checkpoint(str(newest)[:-len(".safetensors")]).get_tensor("global_step") == 2 * BATCHES


@pytest.mark.parametrize("left", ["config.json", "events", "safetensors", "checkpoint"])
def test_a_fresh_run_refuses_a_folder_with_any_trace_of_a_run(left, tmp_path):
    """Not only the `checkpoint` state file: a run's options file, events or checkpoint data also mark a used folder."""
    run = tmp_path / "run"
    assert run_main(QUICK + ["--logdir", str(run)])[0] == 0
    keep = {"config.json": "config.json", "events": "events.out.tfevents.*", "safetensors": "*.safetensors",
            "checkpoint": "checkpoint"}[left]
    kept = set(run.glob(keep))
    assert kept
    for path in run.iterdir():
        if path not in kept:
            path.unlink()
    code, out, err = run_main(QUICK + ["--hidden", "32", "--logdir", str(run)])
    assert_one_line_error(code, err, 2, f"{run} already holds a run", "pass --resume")
    assert set(run.iterdir()) == kept   # nothing of the new run mixed in
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("not a run")
    assert run_main(QUICK + ["--logdir", str(tmp_path / "other")])[0] == 0   # unrelated files are fine
