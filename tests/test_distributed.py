"""graphgrad.distributed: the world of one process (no MPI needed), the collectives' kernels and gradients, the
bucketing and its place in the plan, host staging of device buffers (fake GPU), and — launched with mpiexec — the
equivalence of N processes with one process on N times the batch, finite-difference gradients across ranks, and a
job that loses a rank mid-run (tests/mpi_worker.py runs on each rank)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import graphgrad as tf
import graphgrad.distributed as hvd
from graphgrad.distributed import comm, supervisor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import mpi_launch  # noqa: E402
import mpi_worker  # noqa: E402
from mpi_launch import needs_mpi  # noqa: E402


@pytest.fixture
def one_process(monkeypatch):
    """A fresh world of one process, whatever launched pytest."""
    for var in mpi_launch.LAUNCHER_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(comm, "_WORLD", None)
    yield hvd.init()
    monkeypatch.setattr(comm, "_WORLD", None)


# --- one process ---------------------------------------------------------------------------------------------

def test_a_world_of_one_without_a_launcher(one_process):
    assert (hvd.rank(), hvd.size(), hvd.local_rank(), hvd.local_size(), hvd.is_root()) == (0, 1, 0, 1, True)
    assert hvd.init() is one_process and one_process.comm is None
    hvd.shutdown()
    assert not hvd.is_initialized()


def test_missing_mpi4py_under_a_launcher_says_what_to_install(monkeypatch):
    monkeypatch.setattr(comm, "_WORLD", None)
    monkeypatch.setenv("PMI_SIZE", "4")
    monkeypatch.setenv("PMI_RANK", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py raises ImportError
    with pytest.raises(hvd.DistributedError, match=r"one of 4 .*PMI_RANK=2.*pip install 'graphgrad\[distributed\]'"):
        hvd.init()
    monkeypatch.setenv("PMI_SIZE", "1")
    assert hvd.init().size == 1


def test_launcher_sizes(monkeypatch):
    for var in mpi_launch.LAUNCHER_VARS:
        monkeypatch.delenv(var, raising=False)
    assert comm.launcher_size() is None
    monkeypatch.setenv("SLURM_STEP_NUM_TASKS", "8")
    assert comm.launcher_size() is None        # Slurm's variable counts only inside srun (with a SLURM_PROCID)
    monkeypatch.setenv("SLURM_PROCID", "3")
    assert comm.launcher_size() == 8
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    assert comm.launcher_size() == 2


def test_collectives_of_one_process_are_identities_with_gradients(one_process):
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    ys = [hvd.allreduce(x), hvd.allreduce(x, op=hvd.Sum), hvd.allreduce(x, average=False), hvd.allgather(x),
          hvd.broadcast(x, 0)]
    assert ys[3].shape.as_list() == [None, 3]
    grads = tf.gradients([tf.reduce_sum(y * y) for y in ys], x)[0]
    with tf.Session() as s:
        for v in s.run(ys):
            np.testing.assert_array_equal(v, np.arange(6).reshape(2, 3))
        np.testing.assert_allclose(s.run(grads), 5 * 2 * np.arange(6).reshape(2, 3))


def test_collective_ops_are_checked_when_built(one_process):
    with pytest.raises(TypeError, match="op=Sum for integers"):
        hvd.allreduce(tf.constant([1, 2]))
    assert hvd.allreduce(tf.constant([1, 2]), op=hvd.Sum).dtype == tf.int32
    with pytest.raises(ValueError, match="Sum or Average"):
        hvd.allreduce(tf.constant(1.0), op="max")
    with pytest.raises(ValueError, match="scalar"):
        hvd.allgather(tf.constant(1.0))
    with pytest.raises(ValueError, match="root_rank"):
        hvd.broadcast(tf.constant(1.0), -1)
    with tf.Session() as s, pytest.raises(tf.errors.InvalidArgumentError, match="root_rank 3"):
        s.run(hvd.broadcast(tf.constant(1.0), 3))


def test_collectives_are_stateful_never_folded_or_merged(one_process):
    x = tf.constant([1.0, 2.0])
    a, b = hvd.allreduce(x), hvd.allreduce(x)
    with tf.Session() as s:
        s.run([a, b])
        ((plan, _),) = s._plans.values()
    assert sum("(HorovodAllreduce)" in line for line in plan.source.splitlines()) == 2


def _mlp(n_layers=6, width=5):
    x = tf.placeholder(tf.float32, (None, width), name="x")
    h = x
    for i in range(n_layers):
        h = tf.layers.dense(h, width, activation=tf.nn.tanh, name=f"l{i}")
    return x, tf.reduce_mean(h ** 2)


def test_distributed_optimizer_of_one_process_matches_the_optimizer(one_process):
    feed = np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32)
    out = []
    for wrap in (False, True):
        tf.reset_default_graph()
        tf.set_random_seed(3)
        x, loss = _mlp()
        opt = tf.train.AdamOptimizer(0.01)
        if wrap:
            opt = hvd.DistributedOptimizer(opt)
            assert opt.get_name() == "DistributedAdam"
        step = opt.minimize(loss)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            s.run(hvd.broadcast_global_variables(0))
            for _ in range(3):
                s.run(step, {x: feed})
            out.append(s.run(tf.trainable_variables()))
        if wrap:
            assert opt.get_slot_names() == ["m", "v"]
            assert opt.get_slot(tf.trainable_variables()[0], "m") is not None
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)


def _ops_of_type(t):
    return [op for op in tf.get_default_graph().get_operations() if op.type == t]


def test_gradients_are_fused_into_buckets(one_process):
    x, loss = _mlp(n_layers=6)            # 12 gradients of 100 or 20 bytes
    grads = hvd.allreduce_gradients(tf.train.GradientDescentOptimizer(0.1).compute_gradients(loss))
    assert len(_ops_of_type("HorovodBucketStart")) == 1 and not _ops_of_type("HorovodAllreduce")
    assert all(g is not None for g, _ in grads)
    tf.reset_default_graph()
    x, loss = _mlp(n_layers=6)
    hvd.allreduce_gradients(tf.train.GradientDescentOptimizer(0.1).compute_gradients(loss), bucket_bytes=240)
    starts = _ops_of_type("HorovodBucketStart")
    assert len(starts) == 3               # kernel + bias = 120 bytes: two layers per bucket
    # buckets fill in the order the backward pass produces the gradients: the last layer's first
    assert [op.inputs[0].op.name.split("/")[1] for op in starts][:2] == ["l5", "l3"]
    with pytest.raises(ValueError, match="bucket_bytes"):
        hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.1), bucket_bytes=0)
    with pytest.raises(TypeError, match="wraps a tf.train.Optimizer"):
        hvd.DistributedOptimizer(object())


def test_a_bucket_starts_as_soon_as_its_gradients_exist(one_process):
    """The plan issues each bucket's allreduce right after its last gradient (`urgent`), and waits for it only
    where the updates need it, so the backward pass of the earlier layers runs in between."""
    x, loss = _mlp(n_layers=4)
    step = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.1), bucket_bytes=120).minimize(loss)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(step, {x: np.ones((2, 5), np.float32)})
        plan = [p for p, _ in s._plans.values() if "HorovodBucketStart" in p.source][0]
    lines = [ln for ln in plan.source.splitlines() if "(" in ln and "#" in ln]
    kinds = [re.search(r"\((\w+)\)( in place| into a kept buffer)?$", ln).group(1) for ln in lines]
    first_start = kinds.index("HorovodBucketStart")
    first_wait = kinds.index("HorovodBucketWait")
    assert kinds.count("HorovodBucketStart") == 4
    assert "MatMul" in kinds[first_start:first_wait]     # backward matmuls of earlier layers run in between
    assert kinds[first_wait:].count("HorovodBucketStart") == 0


def test_shards_and_seeds():
    x = np.arange(10)
    parts = [hvd.shard_arrays(x, size=3, rank=r) for r in range(3)]
    assert [p.tolist() for p in parts] == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    a, b = hvd.shard_arrays(x, x * 2, size=2, rank=1)
    assert a.tolist() == [1, 3, 5, 7, 9] and b.tolist() == [2, 6, 10, 14, 18]
    batches = [hvd.split_batch(x, size=3, rank=r) for r in range(3)]
    assert [p.tolist() for p in batches] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    with pytest.raises(ValueError, match="rank"):
        hvd.shard_arrays(x, size=2, rank=2)
    seeds = [hvd.rank_seed(42, r) for r in range(8)]
    assert seeds[0] == 42 and len(set(seeds)) == 8 and seeds == [hvd.rank_seed(42, r) for r in range(8)]
    assert hvd.rank_seed(None, 3) is None


class _Done:
    def Test(self):  # noqa: N802 (mpi4py's name)
        return True


class _TwinWorld(comm.World):
    """A world of two ranks whose peer holds the same values: an allreduce doubles, in-process. It records the
    type of every buffer handed to 'MPI'."""

    def __init__(self):
        super().__init__()
        self.size, self.seen = 2, []

    def iallreduce(self, buf):
        self.seen.append(type(buf))
        buf *= 2
        return _Done()

    def wait(self, request, what):
        pass


def test_device_buffers_are_staged_through_the_host(monkeypatch):
    """On a GPU without CUDA-aware MPI, MPI gets host copies and the results go back to the device: checked on
    the fake GPU, whose arrays refuse to mix with host arrays."""
    import fakegpu

    fakegpu.register()
    w = _TwinWorld()
    monkeypatch.setattr(comm, "_WORLD", w)
    x, loss = _mlp(n_layers=2)
    step = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.1)).minimize(loss)
    y = hvd.allreduce(x, op=hvd.Sum)
    feed = np.ones((2, 5), np.float32)
    with tf.Session(device="fakegpu") as s:
        assert s._ctx.backend.name == "fakegpu"
        s.run(tf.global_variables_initializer())
        before = s.run(tf.trainable_variables())
        grads = s.run([g for g, _ in tf.train.GradientDescentOptimizer(0.1).compute_gradients(loss)], {x: feed})
        s.run(step, {x: feed})
        after = s.run(tf.trainable_variables())
        np.testing.assert_array_equal(s.run(y, {x: feed}), 2 * feed)
    assert w.seen and all(t is np.ndarray for t in w.seen)   # host copies, never device arrays
    for b, a, g in zip(before, after, grads):                # averaged: 2g / 2 = g
        np.testing.assert_allclose(a, b - 0.1 * g, rtol=1e-6, atol=1e-7)


# --- several processes, launched with mpiexec ------------------------------------------------------------------

def launch(n, *args, timeout=60, supervised=False):
    """Run tests/mpi_worker.py on n ranks (each under its supervisor: `python -m graphgrad.distributed`);
    (returncode, stdout and stderr, seconds)."""
    run = ("-m", "graphgrad.distributed") if supervised else ()
    rc, out, err, seconds = mpi_launch.launch(n, *run, os.path.join(HERE, "mpi_worker.py"), *args, timeout=timeout)
    return rc, out + err, seconds


@needs_mpi
@pytest.mark.parametrize("n", [2, 4])
def test_n_processes_train_like_one_process_on_n_times_the_batch(n, tmp_path):
    rc, out, _ = launch(n, "train", tmp_path)
    assert rc == 0, out[-3000:]
    ranks = [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(n)]
    batches = mpi_worker.global_batches(n)
    for kind in ("sgd", "momentum", "adam"):
        reference = mpi_worker.train(kind, batches, distributed=False)   # one process, the whole batch
        assert len(reference) >= 5
        for name, value in reference.items():
            for r in range(n):
                got = ranks[r][f"{kind}:{name}"]
                np.testing.assert_array_equal(got, ranks[0][f"{kind}:{name}"])   # every rank the same bits
                np.testing.assert_allclose(got, value, rtol=1e-5, atol=1e-6, err_msg=f"{kind} {name} rank {r}")


@needs_mpi
def test_collective_gradients_match_finite_differences_across_two_ranks(tmp_path):
    rc, out, _ = launch(2, "fd", tmp_path)
    assert rc == 0, out[-3000:]
    for r in range(2):
        worst = dict(np.load(tmp_path / f"fd{r}.npz"))
        assert set(worst) == {"allreduce_sum", "allreduce_avg", "allgather", "broadcast"}
        for name, err in worst.items():
            assert err < 1e-6, (r, name, err)


def _restores(tmp_path):
    """The newest checkpoint restores into a fresh model; its global step."""
    tf.reset_default_graph()
    mpi_worker.make_model(mpi_worker.BASE_SEED)
    gs = tf.train.get_or_create_global_step()
    loss = tf.get_default_graph().get_tensor_by_name("Mean:0")
    tf.train.AdamOptimizer(0.01).minimize(loss, global_step=gs)
    with tf.Session() as s:
        tf.train.Saver().restore(s, tf.train.latest_checkpoint(str(tmp_path)))
        return int(s.run(gs))


@needs_mpi
@pytest.mark.parametrize("how", ["raise", "exit", "kill"])
def test_a_failed_rank_stops_the_job_with_its_name_and_the_checkpoint_restores(how, tmp_path):
    rc, out, seconds = launch(2, "fail", tmp_path, how, timeout=60, supervised=True)
    assert rc != 0 and "finished all steps" not in out
    assert seconds < 20, out[-3000:]
    pid = (tmp_path / "pid1").read_text()
    if how == "raise":
        assert re.search(rf"stopping the job: rank 1 of 2 \(pid {pid} on .*\) failed: RuntimeError: rank 1 fails", out)
    elif how == "exit":
        assert re.search(rf"stopping the job: rank 1 of 2 \(pid {pid} on .*\) left its program while rank 0 "
                         r"waits in allreduce of bucket", out), out[-3000:]
    else:  # no code runs in a killed rank, and MPICH's launcher kills rank 0 at once: the supervisor names it
        assert re.search(rf"stopping the job: rank 1 of 2 \(pid {pid} on \S+\) was killed by signal 9 \(SIGKILL\)",
                         out), out[-3000:]
    assert _restores(tmp_path) == 3      # rank 0 saved after steps 1, 2 and 3


def test_a_dead_peer_on_this_host_is_named(monkeypatch):
    """Where the launcher leaves the others running, the wait loop finds a dead peer by its pid and stops the job
    naming its rank (run in-process: MPICH's mpiexec always ends the job itself first)."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    w = comm.World()
    w.size, w.peers = 3, [(w.host, os.getpid()), (w.host, os.getpid()), (w.host, dead.pid)]
    stops = []
    monkeypatch.setattr(w, "abort", lambda message, code=1: stops.append(message))
    w.check_peers("allreduce 'x'")
    assert stops == [f"rank 2 of 3 (pid {dead.pid} on {w.host}) died while rank 0 waits in allreduce 'x'"]
    assert comm._alive(os.getpid()) and not comm._alive(dead.pid)


# --- the supervisor that names a rank killed by a signal (without MPI: the launcher's variables are faked) ------

def _supervise(code, **env):
    """`python supervisor.py -c CODE` as rank 3 of 4; the Popen, its stdout and stderr are read by the caller."""
    env = dict(mpi_launch.job_env(), PMI_RANK="3", PMI_SIZE="4", **env)
    return subprocess.Popen([sys.executable, "-I", supervisor.__file__, "-c", code], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


CHILD = "import os, signal, sys, time; print(os.getpid(), os.environ['GRAPHGRAD_DIST_SUPERVISOR'], flush=True); "


def test_the_supervisor_names_a_rank_killed_by_a_signal_and_passes_other_exits_on():
    p = _supervise(CHILD + "os.kill(os.getpid(), signal.SIGSEGV)")
    out, err = p.communicate(timeout=30)
    child, parent = out.split()
    assert parent == str(p.pid) and child != parent
    assert p.returncode == 128 + signal.SIGSEGV
    assert err == (f"graphgrad.distributed (rank 3 of 4): stopping the job: rank 3 of 4 (pid {child} on "
                   f"{comm.socket.gethostname()}) was killed by signal {int(signal.SIGSEGV)} (SIGSEGV)\n")
    p = _supervise(CHILD + "sys.stderr.write('bye'); sys.exit(3)")
    out, err = p.communicate(timeout=30)
    assert (p.returncode, err) == (3, "bye")


def test_the_supervisor_passes_sigterm_on_and_its_child_dies_with_it():
    p = _supervise(CHILD + "time.sleep(60)")
    child = int(p.stdout.readline().split()[0])
    p.send_signal(signal.SIGINT)             # the terminal's key reaches the child itself: the supervisor ignores it
    p.send_signal(signal.SIGTERM)            # what a launcher sends the process it started: passed on, quietly
    _, err = p.communicate(timeout=30)
    assert (p.returncode, err) == (128 + signal.SIGTERM, "")
    assert not comm._alive(child)
    if sys.platform.startswith("linux"):     # a supervisor killed by the launcher takes its rank with it
        p = _supervise(CHILD + "time.sleep(60)")
        child = int(p.stdout.readline().split()[0])
        p.kill()
        p.communicate(timeout=30)
        deadline = time.monotonic() + 10
        while comm._alive(child) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not comm._alive(child)


def test_the_cli_supervises_itself_only_under_a_launcher(monkeypatch):
    runs = []
    monkeypatch.setattr(supervisor, "exec_supervisor", runs.append)
    for var in mpi_launch.LAUNCHER_VARS + (supervisor.SUPERVISOR_VAR, supervisor.SUPERVISE_VAR):
        monkeypatch.delenv(var, raising=False)
    supervisor.supervise_this_command()                      # no launcher
    monkeypatch.setenv("PMI_SIZE", "1")
    supervisor.supervise_this_command()                      # a job of one
    assert runs == []
    monkeypatch.setenv("PMI_SIZE", "2")
    supervisor.supervise_this_command()
    assert runs == [sys.orig_argv[1:]]
    monkeypatch.setenv(supervisor.SUPERVISOR_VAR, str(os.getppid()))
    supervisor.supervise_this_command()                      # already the supervised child
    monkeypatch.setenv(supervisor.SUPERVISOR_VAR, "1")
    monkeypatch.setenv(supervisor.SUPERVISE_VAR, "0")
    supervisor.supervise_this_command()                      # turned off
    assert len(runs) == 1
