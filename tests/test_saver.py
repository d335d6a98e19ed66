"""tf.train.Saver: the lecture's checkpoint program, max_to_keep, renames, mismatch errors, corruption,
restoring in a fresh process, and crash safety when a process is killed mid-save."""
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphgrad as tf
from graphgrad.train import checkpoint_io as cio
from graphgrad.train import saver as saver_mod
from graphgrad.train.saver import (
    Saver,
    checkpoint_exists,
    get_checkpoint_state,
    inspect_checkpoint,
    latest_checkpoint,
    list_variables,
    load_checkpoint,
)

errors = tf.errors


# --- helpers that use the real optimizers / reductions once they exist ----------------------------------

def _optimizer(name):
    return getattr(getattr(tf, "train", None), name, None)


def _gd_step(loss, lr, var_list=None):
    """`GradientDescentOptimizer(lr).minimize(loss)`, or the same update written with tf.gradients."""
    opt = _optimizer("GradientDescentOptimizer")
    if opt is not None:
        return opt(lr).minimize(loss, var_list=var_list)
    var_list = var_list or tf.trainable_variables()
    grads = tf.gradients(loss, var_list)
    return tf.group(*[tf.assign_sub(v, lr * g) for v, g in zip(var_list, grads)])


def _mse(target, predictions, n):
    if hasattr(tf, "reduce_mean") and hasattr(tf.Tensor, "__pow__"):
        return tf.reduce_mean((target - predictions) ** 2)
    r = target - predictions
    return tf.matmul(r, r, transpose_a=True) * (1.0 / n)


def _var(name, value, **kw):
    return tf.Variable(np.asarray(value), name=name, **kw)


def _session():
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    return s


# --- the lecture ------------------------------------------------------------------------------------------

def test_lecture_checkpoint_program(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    N, D = 100, 3
    x = rng.random((N, D)).astype(np.float32)
    w = rng.random((D, 1)).astype(np.float32)
    y = (x @ w + rng.standard_normal((N, 1)) * 0.20).astype(np.float32)

    features = tf.placeholder(tf.float32, shape=(None, D))
    target = tf.placeholder(tf.float32, shape=(None, 1))
    weights = tf.get_variable("w", initializer=tf.constant(rng.random((D, 1)).astype(np.float32)))
    predictions = features @ weights
    loss = _mse(target, predictions, N)
    step = _gd_step(loss, 0.1)

    s = tf.InteractiveSession()
    saver = Saver(tf.trainable_variables())
    s.run(tf.global_variables_initializer())
    saved = {}
    for i in range(300):
        _, curr_loss, curr_weights = s.run([step, loss, weights], feed_dict={features: x, target: y})
        if i % 50 == 0:
            assert saver.save(s, "logs/2/model.ckpt", global_step=i) == f"logs/2/model.ckpt-{i}"
            saved[i] = curr_weights

    assert saver.last_checkpoints == ["logs/2/model.ckpt-50", "logs/2/model.ckpt-100", "logs/2/model.ckpt-150",
                                      "logs/2/model.ckpt-200", "logs/2/model.ckpt-250"]
    assert sorted(os.listdir("logs/2")) == ["checkpoint"] + sorted(f"model.ckpt-{i}.{ext}" for i in range(50, 300, 50)
                                                                   for ext in ("meta", "safetensors"))
    assert latest_checkpoint("logs/2") == os.path.join("logs/2", "model.ckpt-250")
    final = s.run(weights)

    saver.restore(s, "logs/2/model.ckpt-50")
    np.testing.assert_array_equal(s.run(weights), saved[50])
    assert not np.array_equal(saved[50], final)
    saver.restore(s, latest_checkpoint("logs/2"))
    np.testing.assert_array_equal(s.run(weights), saved[250])
    # The found weights approach the ground truth, as on the slide.
    np.testing.assert_allclose(saved[250], w, atol=0.25)


# --- bookkeeping: max_to_keep, keep_checkpoint_every_n_hours, recovery ------------------------------------

def test_max_to_keep_deletes_oldest_files(tmp_path):
    v = _var("v", np.zeros(3, np.float32))
    s = _session()
    saver = Saver(max_to_keep=2)
    prefix = str(tmp_path / "m")
    for i in range(4):
        v.load(np.full(3, i, np.float32), s)
        saver.save(s, prefix, global_step=i)
    assert saver.last_checkpoints == [f"{prefix}-2", f"{prefix}-3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint", "m-2.meta", "m-2.safetensors", "m-3.meta",
                                                          "m-3.safetensors"]
    state = get_checkpoint_state(tmp_path)
    assert state.model_checkpoint_path == f"{prefix}-3"
    assert list(state.all_model_checkpoint_paths) == [f"{prefix}-2", f"{prefix}-3"]
    # Saving the same prefix again does not count it twice.
    saver.save(s, prefix, global_step=3)
    assert saver.last_checkpoints == [f"{prefix}-2", f"{prefix}-3"]
    assert checkpoint_exists(f"{prefix}-2")


@pytest.mark.parametrize("max_to_keep", [0, None])
def test_max_to_keep_none_keeps_every_file(tmp_path, max_to_keep):
    _var("v", np.zeros(3, np.float32))
    s = _session()
    saver = Saver(max_to_keep=max_to_keep)
    for i in range(3):
        saver.save(s, str(tmp_path / "m"), global_step=i)
    assert saver.last_checkpoints == []
    assert all(checkpoint_exists(str(tmp_path / f"m-{i}")) for i in range(3))
    assert list(get_checkpoint_state(tmp_path).all_model_checkpoint_paths) == [str(tmp_path / "m-2")]


def test_keep_checkpoint_every_n_hours_keeps_some_files(tmp_path, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(saver_mod, "time", types.SimpleNamespace(time=lambda: clock[0], strftime=time.strftime,
                                                                 gmtime=time.gmtime))
    _var("v", np.zeros(2, np.float32))
    s = _session()
    saver = Saver(max_to_keep=1, keep_checkpoint_every_n_hours=1.0)
    for k in range(1, 7):
        clock[0] = 1800.0 * k  # half an hour per checkpoint
        saver.save(s, str(tmp_path / "m"), global_step=k)
    assert saver.last_checkpoints == [str(tmp_path / "m-6")]
    # One checkpoint older than each full hour survives on disk (TF's rule).
    kept = sorted(int(p.name[2:-len(".safetensors")]) for p in tmp_path.glob("m-*.safetensors"))
    assert kept == [3, 5, 6]


def test_recover_last_checkpoints_continues_max_to_keep(tmp_path):
    _var("v", np.zeros(2, np.float32))
    s = _session()
    first = Saver(max_to_keep=3)
    for i in range(3):
        first.save(s, str(tmp_path / "m"), global_step=i)
    # A resumed run: a new Saver adopts the kept checkpoints and keeps deleting the oldest.
    resumed = Saver(max_to_keep=3)
    resumed.recover_last_checkpoints(get_checkpoint_state(tmp_path).all_model_checkpoint_paths)
    assert resumed.last_checkpoints == [str(tmp_path / f"m-{i}") for i in range(3)]
    resumed.save(s, str(tmp_path / "m"), global_step=3)
    assert resumed.last_checkpoints == [str(tmp_path / f"m-{i}") for i in (1, 2, 3)]
    assert not checkpoint_exists(str(tmp_path / "m-0"))
    # Paths whose files are gone are skipped.
    resumed.recover_last_checkpoints([str(tmp_path / "m-0"), str(tmp_path / "m-3")])
    assert resumed.last_checkpoints == [str(tmp_path / "m-3")]
    resumed.set_last_checkpoints_with_time([(str(tmp_path / "m-1"), 5.0)])
    assert resumed.last_checkpoints == [str(tmp_path / "m-1")]


class Killed(BaseException):
    """Stands in for SIGKILL: nothing after the point where it is raised runs, no `except Exception` sees it."""


def _kill_at(monkeypatch, name):
    def killed(*args, **kwargs):
        raise Killed(name)

    monkeypatch.setattr(cio, name, killed)


def _steps(directory, base="m"):
    names = (p.name for p in directory.glob(f"{base}-*.safetensors"))
    return sorted(int(n[len(base) + 1:-len(".safetensors")]) for n in names if n[len(base) + 1].isdigit())


def test_next_saver_removes_checkpoints_orphaned_by_kills(tmp_path, monkeypatch):
    _var("v", np.zeros(2, np.float32))
    s = _session()
    prefix = str(tmp_path / "m")
    first = Saver(max_to_keep=2)
    first.save(s, prefix, global_step=1)
    first.save(s, prefix, global_step=2)
    with monkeypatch.context() as m:  # killed after the data file of step 3, before the state file
        _kill_at(m, "write_checkpoint_state")
        with pytest.raises(Killed):
            first.save(s, prefix, global_step=3)
    assert _steps(tmp_path) == [1, 2, 3] and latest_checkpoint(tmp_path) == f"{prefix}-2"
    # Files that are not this saver's: other prefixes and names, a non-graphgrad file, unreadable bytes.
    foreign = {"other-1.safetensors", "m-best.safetensors", "m-7.safetensors", "m-8.safetensors", "notes.txt",
               "m-9.safetensors.bak"}
    cio.save_arrays(tmp_path / "other-1.safetensors", {"x": np.ones(1)})
    cio.save_arrays(tmp_path / "m-best.safetensors", {"x": np.ones(1)})
    header = b'{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}'
    (tmp_path / "m-7.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + b"\x01")
    (tmp_path / "m-8.safetensors").write_bytes(b"not a checkpoint at all")
    (tmp_path / "notes.txt").write_text("mine")
    cio.save_arrays(tmp_path / "m-9.safetensors.bak", {"x": np.ones(1)})

    resumed = Saver(max_to_keep=2)
    resumed.recover_last_checkpoints(get_checkpoint_state(tmp_path).all_model_checkpoint_paths)
    with monkeypatch.context() as m:  # killed after the state file of step 4, before deleting step 1
        _kill_at(m, "remove_checkpoint")
        with pytest.raises(Killed):
            resumed.save(s, prefix, global_step=4)
    assert _steps(tmp_path) == [1, 2, 3, 4, 7, 8]

    third = Saver(max_to_keep=2)  # a new run that does not even adopt the old list
    third.save(s, prefix, global_step=5)
    # Its list holds only 5; the newest other checkpoint (4) fills max_to_keep, the older ones go.
    assert _steps(tmp_path) == [4, 5, 7, 8]
    assert foreign <= {p.name for p in tmp_path.iterdir()}


def test_sweep_spares_this_savers_write_state_false_checkpoints(tmp_path):
    _var("v", np.zeros(2, np.float32))
    s = _session()
    saver = Saver(max_to_keep=1)
    saver.save(s, str(tmp_path / "m"), global_step=1, write_state=False)  # not managed: never deleted
    for k in (2, 3):
        saver.save(s, str(tmp_path / "m"), global_step=k)
    assert _steps(tmp_path) == [1, 3]


def test_sweep_keeps_one_earlier_checkpoint_per_n_hours_when_asked(tmp_path):
    _var("v", np.zeros(2, np.float32))
    s = _session()
    earlier = Saver(max_to_keep=None)  # a run that kept everything, half an hour apart
    start = time.time() - 10 * 3600
    for k in range(1, 7):
        path = earlier.save(s, str(tmp_path / "m"), global_step=k)
        os.utime(cio.data_path(path), (start + 1800 * k, start + 1800 * k))
    Saver(max_to_keep=1, keep_checkpoint_every_n_hours=1.0).save(s, str(tmp_path / "m"), global_step=7)
    assert _steps(tmp_path) == [1, 3, 5, 7]
    Saver(max_to_keep=1).save(s, str(tmp_path / "m"), global_step=8)  # the default keeps none of them
    assert _steps(tmp_path) == [8]


def test_stale_temp_files_are_removed_but_live_and_foreign_ones_kept(tmp_path):
    _var("v", np.zeros(2, np.float32))
    s = _session()
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()  # a writer that was killed: its pid is gone
    live = os.getpid()  # e.g. another thread of this process, still writing

    def temp(name, pid):
        path = cio._temp_name(str(tmp_path / name), pid)
        open(path, "wb").close()
        return os.path.basename(path)

    stale = {temp("m-3.safetensors", dead.pid), temp("checkpoint", dead.pid)}
    old_style = tmp_path / ".m-4.safetensors.0123456789abcdef.graphgrad-tmp"  # no pid: judged by age
    old_style.write_bytes(b"")
    os.utime(old_style, (time.time() - 86400, time.time() - 86400))
    stale.add(old_style.name)
    kept = {temp("m-5.safetensors", live), temp("other-3.safetensors", dead.pid),
            ".m-6.safetensors.fedcba9876543210.graphgrad-tmp", ".m-3.safetensors.tmp"}
    (tmp_path / ".m-6.safetensors.fedcba9876543210.graphgrad-tmp").write_bytes(b"")  # fresh, no pid
    (tmp_path / ".m-3.safetensors.tmp").write_bytes(b"")
    Saver(max_to_keep=2).save(s, str(tmp_path / "m"), global_step=1)
    names = set(os.listdir(tmp_path))
    assert not stale & names
    assert kept <= names


def test_save_creates_missing_directories_and_returns_prefix(tmp_path):
    v = _var("v", np.arange(4, dtype=np.float32))
    s = _session()
    path = tmp_path / "a" / "b" / "c" / "model.ckpt"
    out = Saver().save(s, path)
    assert out == str(path)
    assert os.path.isfile(cio.data_path(path))
    assert latest_checkpoint(path.parent) == str(path)
    np.testing.assert_array_equal(load_checkpoint(path.parent).get_tensor("v"), s.run(v))


def test_global_step_int_tensor_variable_and_padding(tmp_path):
    _var("v", np.zeros(2, np.float32))
    gs = tf.Variable(np.int64(7), name="global_step", trainable=False)
    s = _session()
    saver = Saver([tf.trainable_variables()[0]])
    d = str(tmp_path / "m")
    assert saver.save(s, d, global_step=np.int32(3)) == f"{d}-3"
    assert saver.save(s, d, global_step=gs) == f"{d}-7"
    assert saver.save(s, d, global_step=gs + 1) == f"{d}-8"
    assert Saver(pad_step_number=True).save(s, d, global_step=5) == f"{d}-00000005"
    assert load_checkpoint(f"{d}-7").metadata["global_step"] == "7"


def test_save_and_restore_add_no_ops(tmp_path):
    v = _var("v", np.ones(3, np.float32))
    gs = tf.Variable(np.int64(1), name="global_step", trainable=False)
    s = _session()
    saver = Saver()
    g = tf.get_default_graph()
    g.finalize()  # any op added now raises
    path = saver.save(s, str(tmp_path / "m"), global_step=gs)
    v.load(np.zeros(3, np.float32), s)
    saver.restore(s, path)
    np.testing.assert_array_equal(s.run(v), np.ones(3, np.float32))


def test_latest_filename_and_write_state(tmp_path):
    _var("v", np.zeros(2, np.float32))
    s = _session()
    saver = Saver()
    saver.save(s, str(tmp_path / "m"), global_step=1, latest_filename="mystate")
    assert latest_checkpoint(tmp_path) is None
    assert latest_checkpoint(tmp_path, "mystate") == str(tmp_path / "m-1")
    saver.save(s, str(tmp_path / "m"), global_step=2, write_state=False)
    assert checkpoint_exists(str(tmp_path / "m-2"))
    assert latest_checkpoint(tmp_path, "mystate") == str(tmp_path / "m-1")
    with pytest.raises(ValueError, match="path components"):
        saver.save(s, str(tmp_path / "m"), latest_filename="a/b")
    with pytest.raises(ValueError, match="collides"):
        saver.save(s, str(tmp_path / "checkpoint"))


# --- what gets saved ------------------------------------------------------------------------------------

def test_var_list_none_saves_all_global_variables_including_optimizer_slots(tmp_path):
    w = tf.Variable(np.array([[1.0], [-2.0]], np.float32), name="w")
    loss = tf.matmul(tf.constant(np.ones((1, 2), np.float32)), w)
    adam = _optimizer("AdamOptimizer")
    if adam is not None:
        step = adam(0.1).minimize(loss)
        slots = {"w/Adam", "w/Adam_1"}
    else:  # optimizers not built yet: variables named like Adam's slots stand in for them
        tf.Variable(np.zeros((2, 1), np.float32), name="w/Adam", trainable=False)
        tf.Variable(np.zeros((2, 1), np.float32), name="w/Adam_1", trainable=False)
        step = _gd_step(loss, 0.1, [w])
        slots = {"w/Adam", "w/Adam_1"}
    s = _session()
    s.run(step)
    path = Saver().save(s, str(tmp_path / "all"))
    names = {n for n, _ in list_variables(path)}
    assert {"w"} | slots <= names
    assert names == {v.op.name for v in tf.global_variables()}
    only_trainable = Saver(tf.trainable_variables()).save(s, str(tmp_path / "trainable"))
    assert [n for n, _ in list_variables(only_trainable)] == ["w"]
    # Restoring brings the slots back too.
    before = {v.op.name: s.run(v) for v in tf.global_variables()}
    s.run(step)
    Saver().restore(s, path)
    for v in tf.global_variables():
        np.testing.assert_array_equal(s.run(v), before[v.op.name])


def test_names_are_op_names_with_scopes(tmp_path):
    with tf.variable_scope("dense"):
        tf.get_variable("kernel", initializer=tf.constant(np.ones((2, 3), np.float32)))
        tf.get_variable("bias", initializer=tf.constant(np.zeros(3, np.float32)))
    s = _session()
    path = Saver().save(s, str(tmp_path / "m"))
    assert list_variables(path) == [("dense/bias", [3]), ("dense/kernel", [2, 3])]


def test_var_list_validation():
    a = _var("a", np.zeros(2, np.float32))
    with pytest.raises(ValueError, match="same name: a"):
        Saver([a, a])
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="No variables to save"):
            Saver()
        assert Saver(allow_empty=True).save(tf.Session(), "unused") is None
    with pytest.raises(TypeError, match="dict or a list"):
        Saver(a)
    with pytest.raises(TypeError, match="only variables"):
        Saver([tf.constant(1.0)])
    with pytest.raises(TypeError, match="non-empty strings"):
        Saver({3: a})
    with tf.Graph().as_default():
        b = _var("b", np.zeros(2, np.float32))
    with pytest.raises(ValueError, match="same graph"):
        Saver([a, b])


def test_uninitialized_variable_cannot_be_saved(tmp_path):
    _var("ready", np.zeros(2, np.float32))
    late = _var("late", np.zeros(2, np.float32))
    s = tf.Session()
    s.run(tf.global_variables()[0].initializer)
    with pytest.raises(errors.FailedPreconditionError, match="Attempting to use uninitialized value late"):
        Saver().save(s, str(tmp_path / "m"))
    assert not os.path.exists(tmp_path / "m.safetensors")
    s.run(late.initializer)
    Saver().save(s, str(tmp_path / "m"))


def test_session_of_another_graph_is_rejected(tmp_path):
    _var("v", np.zeros(2, np.float32))
    saver = Saver()
    with tf.Graph().as_default() as g2:
        other = tf.Session(graph=g2)
    with pytest.raises(ValueError, match="session's graph"):
        saver.save(other, str(tmp_path / "m"))


# --- restoring: renames, subsets, mismatches ------------------------------------------------------------

def _save_model(path):
    """Graph A: dense/kernel, dense/bias, head/kernel; returns the saved values."""
    g = tf.Graph()
    with g.as_default():
        vals = {"dense/kernel": np.arange(6, dtype=np.float32).reshape(2, 3),
                "dense/bias": np.array([0.5, -1.5, 2.5], np.float32),
                "head/kernel": np.ones((3, 1), np.float32),
                "step": np.int64(42)}
        for name, val in vals.items():
            tf.Variable(val, name=name)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            Saver().save(s, path)
    return vals


def test_dict_var_list_restores_a_subset_into_another_model(tmp_path):
    path = str(tmp_path / "a")
    vals = _save_model(path)
    # Graph B: a different model reusing the encoder (transfer learning) with a fresh head.
    enc_k = _var("encoder/kernel", np.zeros((2, 3), np.float32))
    enc_b = _var("encoder/bias", np.zeros(3, np.float32))
    head = _var("new_head/kernel", np.full((3, 5), 7.0, np.float32))
    s = _session()
    Saver({"dense/kernel": enc_k, "dense/bias": enc_b}).restore(s, path)
    np.testing.assert_array_equal(s.run(enc_k), vals["dense/kernel"])
    np.testing.assert_array_equal(s.run(enc_b), vals["dense/bias"])
    np.testing.assert_array_equal(s.run(head), np.full((3, 5), 7.0, np.float32))


def test_dict_var_list_saves_under_new_names(tmp_path):
    v = _var("v", np.arange(3, dtype=np.float32))
    s = _session()
    path = Saver({"renamed/v": v}).save(s, str(tmp_path / "m"))
    assert list_variables(path) == [("renamed/v", [3])]
    assert '"renamed/v":"v"' in load_checkpoint(path).metadata["variables"]


def test_restore_initializes_uninitialized_variables(tmp_path):
    path = str(tmp_path / "a")
    vals = _save_model(path)
    k = _var("dense/kernel", np.zeros((2, 3), np.float32))
    s = tf.Session()  # nothing initialized
    Saver([k]).restore(s, path)
    np.testing.assert_array_equal(s.run(k), vals["dense/kernel"])


def test_mismatches_are_listed_together_and_nothing_is_restored(tmp_path):
    path = str(tmp_path / "a")
    _save_model(path)
    good = _var("dense/bias", np.zeros(3, np.float32))
    bad_shape = _var("dense/kernel", np.zeros((3, 2), np.float32))
    bad_dtype = _var("step", np.int32(0))
    missing = _var("extra/w", np.zeros(2, np.float32))
    also_missing = _var("extra/b", np.zeros(2, np.float32))
    s = _session()
    with pytest.raises(errors.NotFoundError) as info:
        Saver().restore(s, path)
    e = info.value
    assert isinstance(e, errors.InvalidArgumentError) and isinstance(e, ValueError)
    msg = str(e)
    for text in ["Key extra/w not found in checkpoint", "Key extra/b not found in checkpoint",
                 "dense/kernel: shape [2,3] in checkpoint, [3,2] in graph",
                 "step: dtype int64 in checkpoint, int32 in graph", path, "4 of the saver's 5"]:
        assert text in msg
    assert "dense/bias" not in msg
    np.testing.assert_array_equal(s.run(good), np.zeros(3, np.float32))  # untouched
    del bad_shape, bad_dtype, missing, also_missing


def test_only_missing_is_not_found_only_shapes_is_invalid_argument(tmp_path):
    path = str(tmp_path / "a")
    _save_model(path)
    missing = _var("nope", np.zeros(2, np.float32))
    wrong = _var("dense/bias", np.zeros(4, np.float32))
    s = _session()
    with pytest.raises(errors.NotFoundError) as info:
        Saver([missing]).restore(s, path)
    assert not isinstance(info.value, errors.InvalidArgumentError)
    with pytest.raises(errors.InvalidArgumentError) as info:
        Saver({"dense/bias": wrong}).restore(s, path)
    assert not isinstance(info.value, errors.NotFoundError)
    assert "dense/bias: shape [3] in checkpoint, [4] in graph" in str(info.value)


def test_restore_missing_checkpoint(tmp_path):
    _var("v", np.zeros(2, np.float32))
    s = _session()
    for exc in (ValueError, errors.NotFoundError):
        with pytest.raises(exc, match="The passed save_path is not a valid checkpoint: .*nothing"):
            Saver().restore(s, str(tmp_path / "nothing"))
    with pytest.raises(ValueError, match="a directory"):
        Saver().restore(s, str(tmp_path))
    with pytest.raises(ValueError, match="None"):
        Saver().restore(s, None)


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_corrupted_checkpoint_error_names_the_file(tmp_path, damage):
    v = _var("v", np.arange(1000, dtype=np.float32))
    s = _session()
    path = Saver().save(s, str(tmp_path / "m"))
    data = bytearray(open(cio.data_path(path), "rb").read())
    if damage == "flip":
        data[-10] ^= 0x40
    else:
        data = data[:len(data) // 2]
    open(cio.data_path(path), "wb").write(bytes(data))
    v.load(np.zeros(1000, np.float32), s)
    with pytest.raises(errors.DataLossError, match="m.safetensors") as info:
        Saver().restore(s, path)
    assert isinstance(info.value, cio.CorruptCheckpointError) and isinstance(info.value, ValueError)
    np.testing.assert_array_equal(s.run(v), np.zeros(1000, np.float32))


# --- reading checkpoints ---------------------------------------------------------------------------------

def test_reader_list_variables_and_inspect(tmp_path):
    path = str(tmp_path / "a")
    vals = _save_model(path)
    for where in (path, tmp_path, cio.data_path(path)):
        reader = load_checkpoint(where)
        assert reader.has_tensor("dense/bias") and not reader.has_tensor("nope")
        np.testing.assert_array_equal(reader.get_tensor("dense/kernel"), vals["dense/kernel"])
    assert reader.get_variable_to_shape_map() == {"dense/kernel": [2, 3], "dense/bias": [3], "head/kernel": [3, 1],
                                                  "step": []}
    assert reader.get_variable_to_dtype_map()["step"] == tf.int64
    with pytest.raises(errors.NotFoundError, match="Key nope not found in checkpoint"):
        reader.get_tensor("nope")
    np.testing.assert_array_equal(saver_mod.load_variable(path, "dense/bias:0"), vals["dense/bias"])
    assert list_variables(tmp_path) == [("dense/bias", [3]), ("dense/kernel", [2, 3]), ("head/kernel", [3, 1]),
                                        ("step", [])]
    assert reader.metadata["graphgrad_version"] == tf.__version__

    text = inspect_checkpoint(tmp_path)
    lines = text.splitlines()
    assert lines[0] == f"checkpoint   {path}"
    row = next(line for line in lines if line.startswith("dense/kernel"))
    assert row.split() == ["dense/kernel", "[2,", "3]", "float32", "0", "2.5", "5", f"{np.sqrt(55):.6g}"]
    step_row = next(line for line in lines if line.startswith("step"))
    assert step_row.split() == ["step", "[]", "int64", "42", "42", "42", "42"]

    with pytest.raises(errors.NotFoundError, match="Failed to find"):
        load_checkpoint(tmp_path / "zzz")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert latest_checkpoint(empty) is None and get_checkpoint_state(empty) is None
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file"):
        list_variables(empty)


def test_inspect_reports_non_finite_values(tmp_path):
    _var("v", np.array([1.0, np.nan, np.inf, 3.0], np.float32))
    s = _session()
    path = Saver().save(s, str(tmp_path / "m"), global_step=9)
    text = inspect_checkpoint(path)
    assert "global step  9" in text
    assert "(1 NaN, 1 Inf)" in text


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["float32", "float64", "int32", "int64", "bool", "float16"]),
                          st.lists(st.integers(0, 4), max_size=3)), min_size=1, max_size=4))
def test_round_trip_is_exact_for_random_shapes_and_dtypes(specs):
    rng = np.random.default_rng(len(specs))
    with tf.Graph().as_default(), tempfile.TemporaryDirectory() as d:
        variables, values = [], []
        for i, (dt, shape) in enumerate(specs):
            val = (rng.standard_normal(shape) * 100).astype(dt)
            values.append(val)
            variables.append(tf.Variable(val, name=f"v{i}"))
        s = tf.Session()
        s.run(tf.global_variables_initializer())
        saver = Saver()
        path = saver.save(s, os.path.join(d, "m"))
        for v in variables:
            v.load(np.zeros(v.shape.as_list(), v.dtype.base_dtype.np), s)
        saver.restore(s, path)
        for v, val in zip(variables, values):
            out = np.asarray(s.run(v))
            assert out.dtype == val.dtype and out.tobytes() == val.tobytes()


# --- other processes ----------------------------------------------------------------------------------

MODEL = textwrap.dedent("""
    import numpy as np
    import graphgrad as tf
    from graphgrad.train.saver import Saver

    def build(seed):
        rng = np.random.default_rng(seed)
        x = tf.placeholder(tf.float32, (None, 4), name="x")
        with tf.variable_scope("layer1"):
            w1 = tf.get_variable("kernel", initializer=tf.constant(rng.standard_normal((4, 8)).astype(np.float32)))
            b1 = tf.get_variable("bias", initializer=tf.constant(rng.standard_normal((1, 8)).astype(np.float32)))
        with tf.variable_scope("layer2"):
            w2 = tf.get_variable("kernel", initializer=tf.constant(rng.standard_normal((8, 2)).astype(np.float32)))
        h = x @ w1 + b1
        out = h @ w2
        return x, out, h

    INPUT = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
""")

CHILD_RESTORE = MODEL + textwrap.dedent("""
    import sys
    x, out, h = build(seed=12345)          # different initial values than the parent's
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    Saver().restore(s, sys.argv[1])
    np.save(sys.argv[2], s.run(out, {x: INPUT}))
""")


@pytest.mark.host_process("restores in a child process")
def test_restore_in_a_fresh_process_is_bit_for_bit(tmp_path):
    ns = {}
    exec(compile(MODEL, "<model>", "exec"), ns)
    x, out, h = ns["build"](seed=0)
    loss = tf.matmul(out, out, transpose_a=True)
    step = _gd_step(loss, 0.01)
    s = _session()
    for _ in range(3):
        s.run(step, {x: ns["INPUT"]})
    expected = s.run(out, {x: ns["INPUT"]})
    path = Saver().save(s, str(tmp_path / "model.ckpt"), global_step=3)
    result = tmp_path / "child.npy"
    proc = subprocess.run([sys.executable, "-c", CHILD_RESTORE, path, str(result)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    got = np.load(result)
    assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()


CHILD_SAVER = textwrap.dedent("""
    import sys, time
    import numpy as np
    import graphgrad as tf
    from graphgrad.train import checkpoint_io as cio
    from graphgrad.train.saver import Saver

    directory, n_elems, pause_after_data = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
    a = tf.Variable(np.zeros(n_elems, np.float32), name="big/a")
    b = tf.Variable(np.zeros(n_elems // 2, np.float64), name="big/b")
    s = tf.Session()
    s.run(tf.global_variables_initializer())
    if pause_after_data:  # stop between the data file and the state file
        real = cio.write_checkpoint_state
        def slow_state(*args, **kw):
            print("data written", flush=True)
            time.sleep(60)
            real(*args, **kw)
        cio.write_checkpoint_state = slow_state
    saver = Saver(max_to_keep=2)
    for k in range(1, 1000):
        if k > 2 and not sys.stdin.readline():  # the parent says when to save again
            break
        a.load(np.full(n_elems, k, np.float32), s)
        b.load(np.full(n_elems // 2, k, np.float64), s)
        print(f"saving {k}", flush=True)
        t = time.perf_counter()
        saver.save(s, directory + "/model.ckpt", global_step=k)
        print(f"saved {k} {time.perf_counter() - t:.4f}", flush=True)
""")


def _start_saver(directory, n_elems, pause_after_data=False):
    return subprocess.Popen([sys.executable, "-c", CHILD_SAVER, str(directory), str(n_elems),
                             "1" if pause_after_data else "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _stop(proc):
    proc.kill()
    proc.wait()
    for f in (proc.stdin, proc.stdout, proc.stderr):
        f.close()


def _wait_for(proc, prefix):
    while True:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"child exited early: {proc.stderr.read()}")
        if line.startswith(prefix):
            return line


def _restore_latest(directory, n_elems):
    """Restore the latest checkpoint into a fresh graph; return the step whose values it holds."""
    with tf.Graph().as_default():
        a = tf.Variable(np.zeros(n_elems, np.float32), name="big/a")
        b = tf.Variable(np.zeros(n_elems // 2, np.float64), name="big/b")
        with tf.Session() as s:
            latest = latest_checkpoint(directory)
            assert latest is not None
            Saver().restore(s, latest)
            va, vb = s.run([a, b])
    k = int(latest.rsplit("-", 1)[1])
    # A fully written checkpoint: every element of every variable from that one step.
    assert (va == k).all() and (vb == k).all()
    return k


@pytest.mark.skipif(not hasattr(os, "kill") or sys.platform == "win32", reason="needs SIGKILL")
@pytest.mark.host_process("saves in a child process")
def test_sigkill_during_save_leaves_latest_checkpoint_restorable(tmp_path):
    n = 3_000_000  # 12 MB + 12 MB per checkpoint
    rnd = random.Random(0)
    for trial in range(4):
        d = tmp_path / f"run{trial}"
        proc = _start_saver(d, n)
        try:
            durations = [float(_wait_for(proc, "saved ").split()[2]) for _ in range(2)]
            proc.stdin.write("go\n")
            proc.stdin.flush()
            line = _wait_for(proc, "saving")  # the child blocks after this save until told to go on
            time.sleep(rnd.uniform(0, 1.2 * max(durations)))
        finally:
            _stop(proc)
        started = int(line.split()[1])
        k = _restore_latest(d, n)
        assert k in (started - 1, started)
        for f in d.glob("*.safetensors"):  # nothing half-written under a final name
            cio.load_arrays(f)


@pytest.mark.skipif(not hasattr(os, "kill") or sys.platform == "win32", reason="needs SIGKILL")
@pytest.mark.host_process("saves in a child process")
def test_kill_between_data_and_state_file_then_resume(tmp_path):
    n = 1000
    proc = _start_saver(tmp_path, n, pause_after_data=True)
    try:
        _wait_for(proc, "data written")  # checkpoint 1's data is on disk, the state file is not
    finally:
        _stop(proc)
    assert checkpoint_exists(str(tmp_path / "model.ckpt-1"))
    assert latest_checkpoint(tmp_path) is None  # the state file never names an unfinished checkpoint
    # A new run saves into the same folder; killed mid-save of step 3, the state file still names step 2.
    proc = _start_saver(tmp_path, n)
    try:
        _wait_for(proc, "saved 2")
        proc.stdin.write("go\n")
        proc.stdin.flush()
        _wait_for(proc, "saving 3")
    finally:
        _stop(proc)
    assert _restore_latest(tmp_path, n) in (2, 3)


def test_restore_from_a_file_written_by_the_safetensors_package(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    w = _var("dense/kernel", np.zeros((2, 3), np.float32))
    s = _session()
    exported = np.arange(6, dtype=np.float32).reshape(2, 3)
    st.save_file({"dense/kernel": exported}, str(tmp_path / "exported.safetensors"))
    assert list_variables(tmp_path / "exported.safetensors") == [("dense/kernel", [2, 3])]
    Saver([w]).restore(s, str(tmp_path / "exported"))
    np.testing.assert_array_equal(s.run(w), exported)
