"""TF1's cluster names (train/cluster.py, train/sync_replicas_optimizer.py): what is recorded against TF
(ClusterSpec, replica_device_setter's placements, Server's ServerDef: cluster_spec_and_replica_device_setter in
tools/record_tf1_reference.py) runs here in-process, and SyncReplicasOptimizer trains as one process on the whole
batch: alone, and over two MPI ranks (tests/mpi_worker.py sync)."""
import os
import sys

import numpy as np
import pytest

import graphgrad as tf

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mpi_launch  # noqa: E402
import mpi_worker  # noqa: E402
from mpi_launch import needs_mpi  # noqa: E402


def test_a_graph_placed_for_a_cluster_runs_in_process_and_a_server_target_is_a_session_target():
    cluster = tf.train.ClusterSpec({"ps": ["ps0:2222", "ps1:2222"], "worker": ["w0:2222"]})
    with tf.device(tf.train.replica_device_setter(cluster=cluster)):
        w = tf.Variable([1.0, 2.0], name="w")
        b = tf.get_variable("b", [], initializer=tf.ones_initializer())
        loss = tf.reduce_sum(w * w) + b
        step = tf.train.GradientDescentOptimizer(0.25).minimize(loss)
    assert (w.op.device, b.op.device, loss.op.device) == ("/job:ps/task:0", "/job:ps/task:1", "/job:worker")
    server = tf.train.Server(cluster, job_name="worker", task_index=0)
    assert server.target == "grpc://w0:2222" and server.server_def.job_name == "worker"
    with tf.Session(server.target) as s:
        s.run(tf.global_variables_initializer())
        s.run(step)
        np.testing.assert_allclose(s.run(w), [0.5, 1.0])
    assert tf.train.Server.create_local_server().target == "grpc://localhost:0"
    assert [m.DESCRIPTOR.name for m in (tf.train.ClusterDef, tf.train.JobDef, tf.train.ServerDef)] == [
        "ClusterDef", "JobDef", "ServerDef"]


def _sgd_steps(opt_of, steps=3, **kw):
    """The weights after `steps` steps of the optimizer `opt_of(base)` on a fixed problem, with an EMA if asked."""
    with tf.Graph().as_default():
        w = tf.Variable([1.0, -2.0], name="w")
        loss = tf.reduce_sum((w - [3.0, 1.0]) ** 2)
        gs = tf.train.get_or_create_global_step()
        opt = opt_of(tf.train.MomentumOptimizer(0.1, 0.9), **kw)
        train = opt.minimize(loss, global_step=gs)
        hooks = [opt.make_session_run_hook(True)] if hasattr(opt, "make_session_run_hook") else []
        with tf.train.MonitoredSession(hooks=hooks) as s:
            for _ in range(steps):
                s.run(train)
            avg = kw.get("variable_averages")
            return s.run([w, gs] + ([avg.average(w)] if avg else []))


def test_sync_replicas_of_one_process_is_the_wrapped_optimizer():
    want = _sgd_steps(lambda opt: opt)
    got = _sgd_steps(lambda opt: tf.train.SyncReplicasOptimizer(opt, replicas_to_aggregate=1))
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1] == want[1] == 3


def test_sync_replicas_updates_the_variable_averages_after_each_step():
    w, _, avg = _sgd_steps(lambda opt, **kw: tf.train.SyncReplicasOptimizer(opt, 1, **kw),
                           variable_averages=tf.train.ExponentialMovingAverage(0.5),
                           variables_to_average=None)
    assert np.all(avg != w) and np.all(np.abs(avg - w) < 3.0)


def test_sync_replicas_errors():
    opt = tf.train.SyncReplicasOptimizer(tf.train.GradientDescentOptimizer(0.1), 2)
    with pytest.raises(ValueError, match="after apply_gradients"):
        opt.get_chief_queue_runner()
    with pytest.raises(ValueError, match="backup workers"):
        tf.train.SyncReplicasOptimizer(tf.train.GradientDescentOptimizer(0.1), 2, total_num_replicas=3)
    w = tf.Variable(1.0)
    grads = opt.compute_gradients(w * w)
    with pytest.raises(ValueError, match="Global step is required"):
        opt.apply_gradients(grads)
    with pytest.raises(ValueError, match="has 1 process"):
        opt.apply_gradients(grads, global_step=tf.train.get_or_create_global_step())


@needs_mpi
def test_sync_replicas_over_two_ranks_trains_as_one_process_on_the_whole_batch(tmp_path):
    rc, out, err, _ = mpi_launch.launch(2, os.path.join(HERE, "mpi_worker.py"), "sync", tmp_path, timeout=60)
    assert rc == 0, (out + err)[-3000:]
    ranks = [dict(np.load(tmp_path / f"sync{r}.npz")) for r in range(2)]
    batches = mpi_worker.global_batches(2)
    for kind in ("sgd", "adam"):
        reference = mpi_worker.train(kind, batches, distributed=False)
        for name, value in reference.items():
            for r in range(2):
                got = ranks[r][f"{kind}:{name}"]
                np.testing.assert_array_equal(got, ranks[0][f"{kind}:{name}"])
                np.testing.assert_allclose(got, value, rtol=1e-5, atol=1e-6, err_msg=f"{kind} {name} rank {r}")
