"""TF1's between-graph cluster names: `tf.train.ClusterSpec`, `replica_device_setter`, `Server` and the
ClusterDef / JobDef / ServerDef messages, with the semantics a framework without a gRPC runtime can honestly give
(docs/distributed.md, "TF1's cluster names"):

- `ClusterSpec` is complete: jobs, tasks, addresses, `as_dict`, `as_cluster_def`, equality, as TF1.
- `replica_device_setter(...)` is TF1's device function: inside `tf.device(...)` it gives variables (and TF's
  other PS op types) `/job:ps/task:<round robin>` and every other op the worker device, merged with the op's own
  device as TF merges them; `op.device` shows the result. A graphgrad session runs every op in its own process
  (a GPU or CPU spec in the string still picks the session's device), so the placement is recorded, not served.
- `Server` describes this process's task (`server_def`, `target`) and `Session(server.target)` runs in-process;
  no other process can connect to it: data parallelism across processes is `graphgrad.distributed` (MPI).
"""
from __future__ import annotations

import threading

from .. import logging
from ..framework.device_spec import DeviceSpec

__all__ = ["ClusterSpec", "replica_device_setter", "Server", "proto_class"]


# --- the messages ---------------------------------------------------------------------------------------------

_MESSAGES = {
    "JobDef": [("name", 1, "string", False), ("tasks", 2, ".JobDef.TasksEntry", True)],
    "JobDef.TasksEntry": [("key", 1, "int32", False), ("value", 2, "string", False)],
    "ClusterDef": [("job", 1, ".JobDef", True)],
    "ServerDef": [("cluster", 1, ".ClusterDef", False), ("job_name", 2, "string", False),
                  ("task_index", 3, "int32", False), ("protocol", 5, "string", False), ("port", 6, "int32", False)],
}
_classes = None


def proto_class(name):
    """TF's `ClusterDef`, `JobDef` or `ServerDef` message class (tensorflow/core/protobuf/cluster.proto,
    tensorflow_server.proto field numbers), built on first use."""
    global _classes
    if _classes is None:
        from ..framework.proto_messages import message_classes

        _classes = message_classes("graphgrad/tf_cluster.proto", "graphgrad.tf.cluster", _MESSAGES)
    return _classes[name]


# --- ClusterSpec ----------------------------------------------------------------------------------------------

def _no_job(job_name):
    return ValueError(f"No such job in cluster: {job_name!r}")


class ClusterSpec:
    """A cluster as a set of jobs, each a set of tasks (index -> "host:port")."""

    def __init__(self, cluster):
        if isinstance(cluster, dict):
            self._cluster_spec = {}
            for job_name, tasks in cluster.items():
                if isinstance(tasks, (list, tuple)):
                    self._cluster_spec[job_name] = dict(enumerate(tasks))
                elif isinstance(tasks, dict):
                    self._cluster_spec[job_name] = {int(i): t for i, t in tasks.items()}
                else:
                    raise TypeError(f"The tasks for job {job_name!r} must be a list or a dictionary from integers "
                                    "to strings.")
            for job_name, tasks in self._cluster_spec.items():  # TF checks them making its ClusterDef
                if not isinstance(job_name, (str, bytes)):
                    raise TypeError(f"Job name {job_name!r} must be bytes or unicode")
                for address in tasks.values():
                    if not isinstance(address, (str, bytes)):
                        raise TypeError(f"Task address {address!r} must be bytes or unicode")
        elif isinstance(cluster, ClusterSpec):
            self._cluster_spec = {j: dict(t) for j, t in cluster._cluster_spec.items()}
        elif type(cluster).__name__ == "ClusterDef":
            self._cluster_spec = {j.name: dict(j.tasks.items()) for j in cluster.job}
        else:
            raise TypeError("`cluster` must be a dictionary mapping one or more job names to lists of network "
                            "addresses, or a `ClusterDef` protocol buffer")

    def __bool__(self):
        return bool(self._cluster_spec)

    def __eq__(self, other):
        return self._cluster_spec == (other._cluster_spec if isinstance(other, ClusterSpec) else other)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def __repr__(self):
        d = self.as_dict()
        return "ClusterSpec({" + ", ".join(f"{k!r}: {d[k]!r}" for k in sorted(d)) + "})"

    def as_dict(self):
        """{job: [addresses]} (a dict {index: address} for a job whose indices have gaps)."""
        out = {}
        for job in self.jobs:
            indices = self.task_indices(job)
            if not indices:
                out[job] = {}
            elif max(indices) + 1 == len(indices):
                out[job] = self.job_tasks(job)
            else:
                out[job] = {i: self.task_address(job, i) for i in indices}
        return out

    def as_cluster_def(self):
        """The cluster as TF's ClusterDef message (jobs and tasks sorted)."""
        cluster_def = proto_class("ClusterDef")()
        for job_name, tasks in sorted(self._cluster_spec.items()):
            job = cluster_def.job.add()
            job.name = job_name.decode() if isinstance(job_name, bytes) else job_name
            for i, address in sorted(tasks.items()):
                job.tasks[i] = address.decode() if isinstance(address, bytes) else address
        return cluster_def

    @property
    def jobs(self):
        return list(self._cluster_spec)

    def _job(self, job_name):
        try:
            return self._cluster_spec[job_name]
        except KeyError:
            raise _no_job(job_name) from None

    def num_tasks(self, job_name):
        return len(self._job(job_name))

    def task_indices(self, job_name):
        return sorted(self._job(job_name))

    def task_address(self, job_name, task_index):
        job = self._job(job_name)
        try:
            return job[task_index]
        except KeyError:
            raise ValueError(f"No task with index {task_index!r} in job {job_name!r}") from None

    def job_tasks(self, job_name):
        """The job's addresses by index, None where an index has no task."""
        job = self._job(job_name)
        out = [None] * (max(job) + 1)
        for i, address in job.items():
            out[i] = address
        return out


# --- device specs and replica_device_setter -------------------------------------------------------------------

#: TF's op types that live on a parameter server (graphgrad builds VariableV2 for tf.Variable).
STANDARD_PS_OPS = ("Variable", "VariableV2", "AutoReloadVariable", "MutableHashTable", "MutableHashTableV2",
                   "MutableHashTableOfTensors", "MutableHashTableOfTensorsV2", "MutableDenseHashTable",
                   "MutableDenseHashTableV2", "VarHandleOp", "BoostedTreesEnsembleResourceHandleOp",
                   "BoostedTreesQuantileStreamResourceHandleOp", "ResourceConditionalAccumulator", "DecisionTree",
                   "TreeEnsemble")


class _RoundRobinStrategy:
    def __init__(self, num_tasks):
        self._num_tasks, self._next_task = num_tasks, 0

    def __call__(self, unused_op):
        task = self._next_task
        self._next_task = (self._next_task + 1) % self._num_tasks
        return task


class _ReplicaDeviceChooser:
    def __init__(self, ps_tasks, ps_device, worker_device, merge_devices, ps_ops, ps_strategy):
        self._ps_tasks, self._ps_device, self._worker_device = ps_tasks, ps_device, worker_device
        self._merge_devices, self._ps_ops, self._ps_strategy = merge_devices, ps_ops, ps_strategy

    def device_function(self, op):
        if not self._merge_devices and op.device:
            return op.device
        current = DeviceSpec.from_string(op.device or "")
        if self._ps_tasks and self._ps_device and op.type in self._ps_ops:
            ps = DeviceSpec.from_string(self._ps_device)
            if ps.job and (not current.job or current.job == ps.job):
                ps = ps.replace(task=self._ps_strategy(op))
            return ps.make_merged_spec(current).to_string()
        return DeviceSpec.from_string(self._worker_device or "").make_merged_spec(current).to_string()


def replica_device_setter(ps_tasks=0, ps_device="/job:ps", worker_device="/job:worker", merge_devices=True,
                          cluster=None, ps_ops=None, ps_strategy=None):
    """TF1's device function for between-graph replication (see the module): None when there is no PS task."""
    if cluster is not None:
        spec = (cluster if isinstance(cluster, ClusterSpec) else ClusterSpec(cluster)).as_dict()
        ps_job = DeviceSpec.from_string(ps_device).job
        if ps_job not in spec or spec[ps_job] is None:
            return None
        ps_tasks = len(spec[ps_job])
    if ps_tasks == 0:
        return None
    if ps_ops is None:
        ps_ops = list(STANDARD_PS_OPS)
    if not merge_devices:
        logging.warning("DEPRECATION: It is recommended to set merge_devices=true in replica_device_setter")
    if ps_strategy is None:
        ps_strategy = _RoundRobinStrategy(ps_tasks)
    if not callable(ps_strategy):
        raise TypeError("ps_strategy must be callable")
    return _ReplicaDeviceChooser(ps_tasks, ps_device, worker_device, merge_devices, ps_ops, ps_strategy)\
        .device_function


# --- Server ---------------------------------------------------------------------------------------------------

class Server:
    """This process's task of a cluster (see the module): `server_def`, `target` ("grpc://<its address>"), and
    `Session(server.target)` runs in this process. `join()` waits until the process ends, as a TF server does
    when nothing stops it."""

    def __init__(self, server_or_cluster_def, job_name=None, task_index=None, protocol=None, config=None,
                 start=True):
        server_def = _server_def(server_or_cluster_def, job_name, task_index, protocol)
        self._server_def = server_def
        self._config = config
        cluster = ClusterSpec(server_def.cluster)
        self._address = cluster.task_address(server_def.job_name, server_def.task_index)
        self._started = False
        if start:
            self.start()

    def start(self):
        self._started = True

    def join(self):
        threading.Event().wait()

    @property
    def server_def(self):
        return self._server_def

    @property
    def target(self):
        return f"grpc://{self._address}"

    @staticmethod
    def create_local_server(config=None, start=True):
        """A one-task cluster {"localhost": ["localhost:<port>"]} (the port is nominal: nothing listens)."""
        return Server({"localhost": ["localhost:0"]}, protocol="grpc", config=config, start=start)


def _server_def(server_or_cluster_def, job_name, task_index, protocol):
    """TF's `_make_server_def`: a ServerDef from one, or from a cluster and this task."""
    ServerDef = proto_class("ServerDef")  # noqa: N806 (a message class)
    if isinstance(server_or_cluster_def, ServerDef):
        server_def = ServerDef()
        server_def.CopyFrom(server_or_cluster_def)
        if job_name is not None:
            server_def.job_name = job_name
        if task_index is not None:
            server_def.task_index = task_index
        if protocol is not None:
            server_def.protocol = protocol
        return server_def
    cluster = ClusterSpec(server_or_cluster_def)
    if not cluster.jobs:
        raise ValueError("The cluster must have at least one job.")
    if job_name is None:
        if len(cluster.jobs) == 1:
            job_name = cluster.jobs[0]
        else:
            raise ValueError("Must specify an explicit `job_name`.")
    if task_index is None:
        indices = cluster.task_indices(job_name)
        if len(indices) == 1:
            task_index = indices[0]
        else:
            raise ValueError("Must specify an explicit `task_index`.")
    return ServerDef(cluster=cluster.as_cluster_def(), job_name=job_name, task_index=task_index,
                     protocol=protocol or "grpc")
