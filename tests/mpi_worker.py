"""What each rank runs in the multi-process tests of tests/test_distributed.py (launched with mpiexec):

    mpiexec -n N python tests/mpi_worker.py SCENARIO OUTDIR [ARGS]

train   K steps of SGD, Momentum and Adam through DistributedOptimizer on each rank's part of a global batch,
        from weights that differ per rank until broadcast_global_variables; saves the weights per rank
fd      allreduce/allgather/broadcast gradients against central finite differences of the global loss
fail    trains with rank 0 checkpointing every step; at step 3, rank 1 does ARGS[0] (kill, raise, exit)
sync    `train` through tf.train.SyncReplicasOptimizer in a MonitoredSession (its hook broadcasts rank 0's weights)
"""
from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
if os.environ.get("GRAPHGRAD_DEVICE") == "fakegpu":
    sys.path.insert(0, HERE)
    import fakegpu

    fakegpu.register()

import graphgrad as tf  # noqa: E402
import graphgrad.distributed as hvd  # noqa: E402

SIZES = (6, 8, 3)      # a tiny MLP: 6 inputs, 8 hidden, 3 classes
BATCH = 4              # per rank
STEPS = 5
BASE_SEED = 7


def make_model(seed):
    """(loss, x, y, variables) of the tiny MLP, initialized from graph seed `seed`."""
    tf.set_random_seed(seed)
    x = tf.placeholder(tf.float32, (None, SIZES[0]), name="x")
    y = tf.placeholder(tf.int32, (None,), name="y")
    h = tf.layers.dense(x, SIZES[1], activation=tf.nn.tanh, name="h")
    logits = tf.layers.dense(h, SIZES[2], name="out")
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    return loss, x, y, tf.trainable_variables()


def optimizer(kind):
    return {"sgd": lambda: tf.train.GradientDescentOptimizer(0.5),
            "momentum": lambda: tf.train.MomentumOptimizer(0.3, 0.9),
            "adam": lambda: tf.train.AdamOptimizer(0.05)}[kind]()


def global_batches(n_ranks, steps=STEPS, seed=0):
    """The same global batches (n_ranks * BATCH rows each) on every rank and in the reference."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(n_ranks * BATCH, SIZES[0])).astype(np.float32),
             rng.integers(0, SIZES[2], size=n_ranks * BATCH).astype(np.int32)) for _ in range(steps)]


def train(kind, batches, distributed, bucket_bytes=256):
    """The trained weights {name: array} after one step per batch."""
    tf.reset_default_graph()
    seed = hvd.rank_seed(BASE_SEED) if distributed else BASE_SEED
    loss, x, y, variables = make_model(seed)
    opt = optimizer(kind)
    if distributed:
        opt = hvd.DistributedOptimizer(opt, bucket_bytes=bucket_bytes)
    step = opt.minimize(loss, global_step=tf.train.get_or_create_global_step())
    bcast = hvd.broadcast_global_variables(0) if distributed else None
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        if bcast is not None:
            s.run(bcast)
        return _steps(s, step, x, y, batches, distributed)


def _steps(s, step, x, y, batches, distributed):
    """One step per batch (this rank's part of it when distributed); the global variables {name: value}."""
    for bx, by in batches:
        if distributed:
            bx, by = hvd.split_batch(bx, by)
        s.run(step, {x: bx, y: by})
    names = [v.op.name for v in tf.global_variables()]
    return dict(zip(names, s.run(tf.global_variables())))


def scenario_train(outdir):
    hvd.init()
    batches = global_batches(hvd.size())
    out = {}
    for kind in ("sgd", "momentum", "adam"):
        for name, value in train(kind, batches, distributed=True).items():
            out[f"{kind}:{name}"] = value
    w = hvd.world()
    out["collectives"] = np.array(w.collectives)
    np.savez(os.path.join(outdir, f"rank{hvd.rank()}.npz"), **out)


def train_sync(kind, batches):
    """`train` through tf.train.SyncReplicasOptimizer and its hook in a MonitoredSession (TF1's sync replicas)."""
    tf.reset_default_graph()
    loss, x, y, variables = make_model(hvd.rank_seed(BASE_SEED))
    opt = tf.train.SyncReplicasOptimizer(optimizer(kind), replicas_to_aggregate=hvd.size())
    step = opt.minimize(loss, global_step=tf.train.get_or_create_global_step())
    with tf.train.MonitoredSession(hooks=[opt.make_session_run_hook(hvd.is_root())]) as s:
        return _steps(s, step, x, y, batches, True)


def scenario_sync(outdir):
    hvd.init()
    batches = global_batches(hvd.size())
    out = {f"{kind}:{name}": value for kind in ("sgd", "adam") for name, value in train_sync(kind, batches).items()}
    np.savez(os.path.join(outdir, f"sync{hvd.rank()}.npz"), **out)


def scenario_fd(outdir):
    """For each collective f: the global loss L = sum over ranks of sum(c_r * f(x_r)), c_r fixed per rank; the
    gradient autodiff gives on each rank against central differences of L when one rank's x moves."""
    hvd.init()
    r, n = hvd.rank(), hvd.size()
    rng = np.random.default_rng(100 + r)
    x0 = rng.normal(size=(3, 2))
    xv = tf.placeholder(tf.float64, (3, 2))
    cases = {
        "allreduce_sum": lambda t: hvd.allreduce(t, op=hvd.Sum),
        "allreduce_avg": lambda t: hvd.allreduce(t, op=hvd.Average),
        "allgather": lambda t: hvd.allgather(t[: r + 1]),
        "broadcast": lambda t: hvd.broadcast(t, root_rank=n - 1),
    }
    worst = {}
    with tf.Session() as s:
        for name, f in cases.items():
            y = f(xv)
            c = tf.constant(np.random.default_rng(200 + r).normal(size=(8, 2))[: 3 * n if name == "allgather"
                                                                               else 3])
            if name == "allgather":
                c = c[: n * (n + 1) // 2]
            local = tf.reduce_sum(c * y)
            total = hvd.allreduce(local, op=hvd.Sum)
            grad = tf.gradients(local, xv)[0]
            analytic = s.run(grad, {xv: x0})
            numeric = np.zeros((n,) + x0.shape)   # d total / d x_q, for every rank q
            eps = 1e-6
            for q in range(n):
                for idx in np.ndindex(*x0.shape):
                    vals = []
                    for sign in (1, -1):
                        xp = x0.copy()
                        if q == r:
                            xp[idx] += sign * eps
                        vals.append(s.run(total, {xv: xp}))
                    numeric[q][idx] = (vals[0] - vals[1]) / (2 * eps)
            worst[name] = float(np.abs(analytic - numeric[r]).max())
    np.savez(os.path.join(outdir, f"fd{r}.npz"), **worst)


def scenario_fail(outdir, how):
    hvd.init()
    with open(os.path.join(outdir, f"pid{hvd.rank()}"), "w") as f:   # MPICH's launcher reports pids
        f.write(str(os.getpid()))
    batches = global_batches(hvd.size(), steps=200)
    tf.set_random_seed(BASE_SEED)
    loss, x, y, _ = make_model(BASE_SEED)
    gs = tf.train.get_or_create_global_step()
    step = hvd.DistributedOptimizer(tf.train.AdamOptimizer(0.01)).minimize(loss, global_step=gs)
    bcast = hvd.broadcast_global_variables(0)
    saver = tf.train.Saver()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(bcast)
        for i, (bx, by) in enumerate(batches):
            if i == 3 and hvd.rank() == 1:
                deadline = time.time() + 20   # fail only once rank 0 has saved step 3 (one file system here)
                while not (tf.train.latest_checkpoint(outdir) or "").endswith("model-3") and time.time() < deadline:
                    time.sleep(0.01)
                time.sleep(0.1)
                if how == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                if how == "raise":
                    raise RuntimeError("rank 1 fails on purpose")
                if how == "exit":
                    sys.exit(0)
            bx, by = hvd.split_batch(bx, by)
            s.run(step, {x: bx, y: by})
            if hvd.is_root():
                saver.save(s, os.path.join(outdir, "model"), global_step=gs)
            time.sleep(0.05)
    print("rank", hvd.rank(), "finished all steps", flush=True)


if __name__ == "__main__":
    scenario, outdir, *rest = sys.argv[1:]
    {"train": scenario_train, "fd": scenario_fd, "fail": scenario_fail, "sync": scenario_sync}[scenario](outdir,
                                                                                                        *rest)
