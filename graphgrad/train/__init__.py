"""`tf.train`: optimizers, the global step and learning-rate schedules (Saver and checkpoints join here)."""
from ..io.example_pb import (
    BytesList,
    Example,
    Feature,
    FeatureList,
    FeatureLists,
    Features,
    FloatList,
    Int64List,
    SequenceExample,
)
from .adadelta import AdadeltaOptimizer
from .adagrad import AdagradOptimizer
from .adam import AdamOptimizer
from .global_step import (
    assert_global_step,
    create_global_step,
    get_global_step,
    get_or_create_global_step,
    global_step,
)
from .gradient_descent import GradientDescentOptimizer
from .input import (
    batch,
    batch_join,
    input_producer,
    limit_epochs,
    match_filenames_once,
    maybe_batch,
    maybe_batch_join,
    maybe_shuffle_batch,
    maybe_shuffle_batch_join,
    range_input_producer,
    shuffle_batch,
    shuffle_batch_join,
    slice_input_producer,
    string_input_producer,
)
from .learning_rate import (
    cosine_decay,
    cosine_decay_restarts,
    exponential_decay,
    inverse_time_decay,
    linear_cosine_decay,
    natural_exp_decay,
    noisy_linear_cosine_decay,
    piecewise_constant,
    piecewise_constant_decay,
    polynomial_decay,
)
from .momentum import MomentumOptimizer
from .moving_averages import ExponentialMovingAverage
from .optimizer import Optimizer
from .proximal import AdagradDAOptimizer, ProximalAdagradOptimizer, ProximalGradientDescentOptimizer
from .queue_runner import QueueRunner, add_queue_runner, start_queue_runners
from .rmsprop import RMSPropOptimizer

__all__ = [
    "Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer", "RMSPropOptimizer",
    "AdagradOptimizer", "AdadeltaOptimizer", "ProximalGradientDescentOptimizer", "ProximalAdagradOptimizer",
    "AdagradDAOptimizer",
    "get_global_step", "create_global_step", "get_or_create_global_step", "global_step", "assert_global_step",
    "exponential_decay", "piecewise_constant", "piecewise_constant_decay", "polynomial_decay", "natural_exp_decay",
    "inverse_time_decay", "cosine_decay", "cosine_decay_restarts", "linear_cosine_decay", "noisy_linear_cosine_decay",
    "ExponentialMovingAverage",
    "BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features", "FloatList", "Int64List",
    "SequenceExample", "QueueRunner", "add_queue_runner", "start_queue_runners",
    "batch", "batch_join", "input_producer", "limit_epochs", "match_filenames_once", "range_input_producer",
    "shuffle_batch", "shuffle_batch_join", "slice_input_producer", "string_input_producer", "maybe_batch",
    "maybe_batch_join", "maybe_shuffle_batch", "maybe_shuffle_batch_join",
]

from .saver import (  # noqa: E402
    CheckpointReader,
    NewCheckpointReader,
    Saver,
    SaverDef,
    checkpoint_exists,
    generate_checkpoint_state_proto,
    get_checkpoint_mtimes,
    get_checkpoint_state,
    inspect_checkpoint,
    latest_checkpoint,
    list_variables,
    load_checkpoint,
    load_variable,
    remove_checkpoint,
    update_checkpoint_state,
)

__all__ += [
    "CheckpointReader", "NewCheckpointReader", "Saver", "SaverDef", "checkpoint_exists", "get_checkpoint_mtimes",
    "generate_checkpoint_state_proto",
    "get_checkpoint_state", "inspect_checkpoint", "latest_checkpoint", "list_variables", "load_checkpoint",
    "load_variable", "remove_checkpoint", "update_checkpoint_state",
]

from .basic_loops import basic_train_loop  # noqa: E402
from .checkpoint import Checkpoint, CheckpointManager, CheckpointOptions  # noqa: E402
from .checkpoint_utils import checkpoints_iterator, init_from_checkpoint  # noqa: E402
from .cluster import ClusterSpec, Server, replica_device_setter  # noqa: E402
from .session_manager import SessionManager  # noqa: E402
from .summary_iterator import summary_iterator  # noqa: E402
from .sync_replicas_optimizer import SyncReplicasOptimizer  # noqa: E402
from .warm_starting import VocabInfo, warm_start  # noqa: E402

__all__ += ["Checkpoint", "CheckpointManager", "CheckpointOptions",
            "checkpoints_iterator", "init_from_checkpoint", "VocabInfo",
            "warm_start", "summary_iterator", "basic_train_loop", "SessionManager", "ClusterSpec", "Server",
            "replica_device_setter", "SyncReplicasOptimizer"]

from .coordinator import Coordinator  # noqa: E402
from .ftrl import FtrlOptimizer  # noqa: E402
from .hooks import (  # noqa: E402
    CheckpointSaverHook,
    CheckpointSaverListener,
    FeedFnHook,
    FinalOpsHook,
    GlobalStepWaiterHook,
    LoggingTensorHook,
    NanLossDuringTrainingError,
    NanTensorHook,
    ProfilerHook,
    SecondOrStepTimer,
    StepCounterHook,
    StopAtStepHook,
    SummarySaverHook,
)
from .monitored_session import (  # noqa: E402
    ChiefSessionCreator,
    MonitoredSession,
    MonitoredTrainingSession,
    Scaffold,
    SessionCreator,
    SingularMonitoredSession,
    WorkerSessionCreator,
)
from .session_run_hook import SessionRunArgs, SessionRunContext, SessionRunHook, SessionRunValues  # noqa: E402
from .supervisor import LooperThread, Supervisor  # noqa: E402

__all__ += [
    "Coordinator", "FtrlOptimizer", "SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues",
    "SecondOrStepTimer",
    "LoggingTensorHook", "StopAtStepHook", "CheckpointSaverListener", "CheckpointSaverHook", "StepCounterHook",
    "NanLossDuringTrainingError", "NanTensorHook", "SummarySaverHook", "FinalOpsHook", "FeedFnHook", "Scaffold",
    "GlobalStepWaiterHook", "ProfilerHook",
    "SessionCreator", "ChiefSessionCreator", "WorkerSessionCreator", "MonitoredSession", "SingularMonitoredSession",
    "MonitoredTrainingSession", "Supervisor", "LooperThread",
]


_GRAPH_IO = ("write_graph", "export_meta_graph", "import_meta_graph")
_CLUSTER_PROTOS = ("ClusterDef", "JobDef", "ServerDef")


def __getattr__(name):
    """`write_graph`, `export_meta_graph` and `import_meta_graph` load graph_io's protobufs on first use, as do
    the cluster messages."""
    if name in _CLUSTER_PROTOS:
        from .cluster import proto_class

        return proto_class(name)
    if name in _GRAPH_IO:
        from .. import graph_io

        return getattr(graph_io, name)
    raise AttributeError(f"module 'graphgrad.train' has no attribute {name!r}")
