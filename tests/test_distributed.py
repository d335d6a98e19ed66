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
from graphgrad.distributed import comm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import mpi_worker  # noqa: E402


@pytest.fixture
def one_process(monkeypatch):
    """A fresh world of one process, whatever launched pytest."""
    for var in comm.LAUNCHER_SIZE_VARS + comm.LAUNCHER_RANK_VARS:
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
    for var in comm.LAUNCHER_SIZE_VARS + comm.LAUNCHER_RANK_VARS:
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

def _mpiexec():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None, "mpi4py is not installed (pip install -e '.[distributed]')"
    for d in (os.path.dirname(sys.executable), *os.environ.get("PATH", "").split(os.pathsep)):
        p = os.path.join(d, "mpiexec")
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p, None
    return None, "no mpiexec next to Python or on PATH (pip install -e '.[distributed]' brings MPICH's)"


MPIEXEC, WHY_NOT = _mpiexec()
needs_mpi = pytest.mark.skipif(MPIEXEC is None, reason=f"multi-process tests: {WHY_NOT}")


def launch(n, *args, timeout=60, extra=()):
    """Run tests/mpi_worker.py on n ranks; (returncode, output, seconds). A launch that outlives `timeout` is
    killed, process group and all, and fails the test."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), PYTHONUNBUFFERED="1",
               GRAPHGRAD_DIST_TIMEOUT="30")
    for var in comm.LAUNCHER_SIZE_VARS + comm.LAUNCHER_RANK_VARS:
        env.pop(var, None)
    cmd = [MPIEXEC, *extra, "-n", str(n), sys.executable, os.path.join(HERE, "mpi_worker.py"), *map(str, args)]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        pytest.fail(f"mpiexec -n {n} {' '.join(map(str, args))} hung for {timeout} s:\n{out[-3000:]}")
    return p.returncode, out, time.perf_counter() - t0


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
    rc, out, seconds = launch(2, "fail", tmp_path, how, timeout=60)
    assert rc != 0 and "finished all steps" not in out
    assert seconds < 20, out[-3000:]
    pids = [(tmp_path / f"pid{r}").read_text() for r in range(2)]
    if how == "raise":
        assert re.search(r"stopping the job: rank 1 of 2 \(pid \d+ on .*\) failed: RuntimeError: rank 1 fails", out)
    elif how == "exit":
        assert re.search(r"stopping the job: rank 1 of 2 \(pid \d+ on .*\) left its program while rank 0 waits "
                         r"in allreduce of bucket", out), out[-3000:]
    else:  # a killed rank runs no code: MPICH's launcher ends the job first, reporting a pid of the job
        assert re.search(r"rank 1 of 2 \(pid \d+ on .*\) died", out) or re.search(
            rf"PID ({pids[0]}|{pids[1]}) RUNNING", out), out[-3000:]
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
