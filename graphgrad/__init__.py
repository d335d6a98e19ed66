"""graphgrad: the TensorFlow 1.x graph API, reverse-mode autodiff as graph ops, and a compiled NumPy session.

    import graphgrad as tf
"""
__version__ = "0.1.0"

from . import (
    audio,  # noqa: E402  (tf.audio: decode_wav, encode_wav)
    compat,  # noqa: E402,F401  (tf.compat.v1 is this module)
    config,
    data,
    datasets,
    debugging,  # noqa: E402  (tf.debugging: assert_*, check_numerics, enable_check_numerics, ...)
    dtypes,  # noqa: E402  (tf.dtypes: DType, as_dtype, cast, saturate_cast and the types)
    gfile,  # noqa: E402  (tf.gfile: TF's file API on the local file system)
    image,
    initializers,
    io,
    layers,
    logging,
    lookup,
    losses,
    metrics,
    mixed_precision,  # noqa: E402  (tf.mixed_precision: loss scales, MixedPrecisionLossScaleOptimizer)
    nest,  # noqa: E402  (tf.nest: flatten, map_structure, pack_sequence_as, ... as TF's)
    nn,
    python_io,
    quantization,  # noqa: E402  (tf.quantization: the fake_quant ops)
    queue,  # noqa: E402  (tf.queue: the queue classes)
    ragged,  # noqa: E402  (tf.ragged: constant, range, boolean_mask, ... on one ragged dimension)
    random,
    raw_ops,  # noqa: E402  (tf.raw_ops: the clustering and boosted-trees kernels by their TF op names)
    regularizers,
    resource_loader,  # noqa: E402  (tf.resource_loader: data files beside the caller)
    signal,  # noqa: E402  (tf.signal: FFTs, stft, mel filterbanks, MFCCs; docs/signal.md)
    sparse,
    spectral,  # noqa: E402  (tf.spectral: TF 1.x's older name for tf.signal's transforms)
    strings,
    sysconfig,  # noqa: E402  (tf.sysconfig: graphgrad's directory; it has no headers or library)
    train,
    types,  # noqa: E402  (tf.types.experimental: TensorLike, FunctionType)
    version,  # noqa: E402  (tf.version: graphgrad's own version values)
)
from . import linear_operators as _linear_operators  # noqa: F401  (installs tf.linalg.LinearOperator*, .experimental)
from .compat import dimension_at_index, dimension_value  # noqa: F401
from .compat.v2_compat import (  # noqa: F401  (TF 2's behaviour switches: docs/eager.md)
    control_flow_v2_enabled,
    disable_control_flow_v2,
    disable_eager_execution,
    disable_resource_variables,
    disable_tensor_equality,
    disable_v2_behavior,
    disable_v2_tensorshape,
    enable_control_flow_v2,
    enable_resource_variables,
    enable_tensor_equality,
    enable_v2_behavior,
    enable_v2_tensorshape,
    executing_eagerly_outside_functions,
    resource_variables_enabled,
)
from .config import ConfigProto, GPUOptions
from .custom_gradient import custom_gradient, grad_pass_through, recompute_grad  # noqa: F401
from .dtypes import *  # noqa: F401,F403  (tf.float32, tf.DType, tf.as_dtype, ... and tf.saturate_cast, tf.complex)
from .eager import (  # noqa: F401
    EagerTensor,
    GradientTape,
    UnconnectedGradients,
    defun,
    enable_eager_execution,
    executing_eagerly,
    function,
    gradients,
    hessians,
    init_scope,
)
from .eager.py_function import py_function  # noqa: F401
from .framework import errors
from .framework.device_spec import DeviceSpec  # noqa: F401
from .framework.errors import OpError  # noqa: F401
from .framework.graph import (
    Graph,
    GraphKeys,
    Operation,
    Tensor,
    add_to_collection,
    add_to_collections,
    control_dependencies,
    device,
    get_collection,
    get_collection_ref,
    get_default_graph,
    name_scope,
    reset_default_graph,
)
from .framework.op_def import RegisterGradient, no_gradient  # noqa: F401
from .framework.op_def import no_gradient as NotDifferentiable  # noqa: F401,N813
from .framework.tensor_shape import Dimension, TensorShape
from .framework.tensor_spec import TensorSpec  # noqa: F401
from .framework.type_spec import TypeSpec  # noqa: F401
from .framework_api import *  # noqa: F401,F403  (op_scope, colocate_with, is_tensor, get_local_variable, ...)
from .image.adjust import random_crop  # noqa: F401
from .io.decode_ops import decode_csv, decode_raw, matching_files, read_file, string_to_number  # noqa: F401
from .io.parsing_ops import (  # noqa: F401  (TF1's top-level names of tf.io's parsing)
    FixedLenFeature,
    FixedLenSequenceFeature,
    SparseFeature,
    VarLenFeature,
    parse_example,
    parse_single_example,
    parse_single_sequence_example,
)
from .io.reader_ops import (  # noqa: F401
    FixedLengthRecordReader,
    ReaderBase,
    TextLineReader,
    TFRecordReader,
    WholeFileReader,
)
from .io.sparse_codec_ops import deserialize_many_sparse, serialize_many_sparse, serialize_sparse  # noqa: F401
from .io.string_codec_ops import decode_compressed, decode_json_example, parse_tensor, serialize_tensor  # noqa: F401
from .jacobians import batch_jacobian, jacobian  # noqa: F401
from .module import Module  # noqa: F401
from .nn.conv_variants import conv2d_backprop_filter_v2, conv2d_backprop_input_v2  # noqa: F401
from .ops import bitwise_ops as bitwise  # noqa: F401  (tf.bitwise: and, or, xor, invert, shifts)
from .ops import linalg_ops as linalg  # noqa: F401  (tf.linalg: norm, einsum, det, inv, solve, qr, svd, ...)
from .ops import manip_ops as manip  # noqa: F401  (tf.manip: roll, space_to_batch_nd, ...)
from .ops import math_ops as math  # noqa: F401
from .ops import operators as _operators  # noqa: F401  (installs Python operators on Tensor/Variable)
from .ops import set_ops as sets  # noqa: F401  (tf.sets: intersection, union, difference, size)
from .ops.accumulator_ops import (  # noqa: F401  (TF1's gradient accumulators; docs/tf-misc.md)
    ConditionalAccumulator,
    ConditionalAccumulatorBase,
    SparseConditionalAccumulator,
)
from .ops.array_ops import *  # noqa: F401,F403
from .ops.batch_ops import nondifferentiable_batch_function  # noqa: F401
from .ops.bucket_ops import histogram_fixed_width, histogram_fixed_width_bins, searchsorted  # noqa: F401
from .ops.cast_ops import bitcast, to_bfloat16, to_complex64, to_complex128  # noqa: F401
from .ops.check_ops import *  # noqa: F401,F403
from .ops.clip_ops import *  # noqa: F401,F403
from .ops.control_flow_ops import *  # noqa: F401,F403
from .ops.core import (
    constant,
    convert_to_tensor,
    group,
    identity,
    no_op,
    ones_like,
    placeholder,
    placeholder_with_default,
    stop_gradient,
    zeros_like,
)
from .ops.core import tuple_ as tuple  # noqa: A001
from .ops.critical_section_ops import CriticalSection  # noqa: F401
from .ops.cross_ops import cross  # noqa: F401
from .ops.decomposition_ops import *  # noqa: F401,F403
from .ops.diag_ops import *  # noqa: F401,F403
from .ops.edit_distance_ops import edit_distance  # noqa: F401
from .ops.fake_quant_ops import *  # noqa: F401,F403  (TF 1's top-level tf.fake_quant_* names)
from .ops.fft_nd_ops import raw_fftnd as fftnd  # noqa: F401  (TF 1's top-level N-d transforms: the raw ops)
from .ops.fft_nd_ops import raw_ifftnd as ifftnd  # noqa: F401
from .ops.fft_nd_ops import raw_irfftnd as irfftnd  # noqa: F401
from .ops.fft_nd_ops import raw_rfftnd as rfftnd  # noqa: F401
from .ops.fft_ops import fft, fft2d, fft3d, ifft, ifft2d, ifft3d  # noqa: F401  (TF 1's top-level names of tf.signal's)
from .ops.fingerprint_ops import fingerprint  # noqa: F401
from .ops.framework_ops import *  # noqa: F401,F403
from .ops.functional_ops import *  # noqa: F401,F403
from .ops.guarantee_const_ops import guarantee_const  # noqa: F401
from .ops.index_shuffle_ops import random_index_shuffle  # noqa: F401
from .ops.indexed_slices import IndexedSlices, IndexedSlicesValue  # noqa: F401
from .ops.init_ops import *  # noqa: F401,F403
from .ops.io_ops import write_file  # noqa: F401
from .ops.linalg_ops import *  # noqa: F401,F403
from .ops.linspace_repeat_ops import lin_space, linspace, repeat  # noqa: F401
from .ops.logging_ops import *  # noqa: F401,F403
from .ops.logging_ops import print_v2 as print  # noqa: A001,F401  (TF 2's tf.print)
from .ops.lookup_ops import tables_initializer  # noqa: F401
from .ops.manip_ops import (  # noqa: F401
    batch_to_space,
    batch_to_space_nd,
    required_space_to_batch_paddings,
    roll,
    space_to_batch,
    space_to_batch_nd,
)
from .ops.math_ops import *  # noqa: F401,F403
from .ops.matrix_diag_ops import *  # noqa: F401,F403
from .ops.matrix_ops import (  # noqa: F401
    cholesky,
    cholesky_solve,
    log_matrix_determinant,
    matrix_determinant,
    matrix_inverse,
    matrix_solve,
    matrix_solve_ls,
    matrix_triangular_solve,
)
from .ops.matrix_sqrt_ops import matrix_square_root  # noqa: F401
from .ops.nd_ops import depth_to_space, eye, gather_nd, scatter_nd, space_to_depth  # noqa: F401
from .ops.partition_ops import (  # noqa: F401
    batch_gather,
    dynamic_partition,
    listdiff,
    setdiff1d,
    unravel_index,
)
from .ops.patch_ops import extract_image_patches, extract_volume_patches  # noqa: F401
from .ops.queue_ops import FIFOQueue, PaddingFIFOQueue, PriorityQueue, QueueBase, RandomShuffleQueue  # noqa: F401
from .ops.ragged_ops import RaggedTensor, RaggedTensorValue  # noqa: F401  (the subset tf.strings gives)
from .ops.random_ops import *  # noqa: F401,F403
from .ops.scatter_ops import *  # noqa: F401,F403  (tf.scatter_*, scatter_nd_* on variables, batch_scatter_update)
from .ops.script_ops import numpy_function, py_func  # noqa: F401
from .ops.segment_ops import dynamic_stitch, unsorted_segment_sum  # noqa: F401
from .ops.segment_reduce_ops import sparse_segment_mean, sparse_segment_sqrt_n, sparse_segment_sum  # noqa: F401
from .ops.sequence_ops import reverse_sequence, sequence_mask  # noqa: F401
from .ops.session_tensor_ops import delete_session_tensor, get_session_tensor  # noqa: F401
from .ops.sort_ops import approx_top_k, argsort, sort  # noqa: F401  (TF1 has no top-level tf.top_k)
from .ops.sparse_array_ops import (  # noqa: F401
    sparse_concat,
    sparse_fill_empty_rows,
    sparse_reorder,
    sparse_reshape,
    sparse_retain,
    sparse_slice,
    sparse_split,
    sparse_transpose,
)
from .ops.sparse_compose_ops import (  # noqa: F401
    sparse_merge,
    sparse_reset_shape,
    sparse_to_indicator,
)
from .ops.sparse_count_cross_ops import sparse_mask  # noqa: F401
from .ops.sparse_math_ops import sparse_add, sparse_matmul, sparse_tensor_dense_matmul  # noqa: F401
from .ops.sparse_ops import (  # noqa: F401
    SparseTensor,
    SparseTensorValue,
    convert_to_tensor_or_sparse_tensor,
    sparse_placeholder,
    sparse_tensor_to_dense,
    sparse_to_dense,
)
from .ops.sparse_reduce_ops import (  # noqa: F401
    sparse_maximum,
    sparse_minimum,
    sparse_reduce_max,
    sparse_reduce_max_sparse,
    sparse_reduce_sum,
    sparse_reduce_sum_sparse,
    sparse_softmax,
)
from .ops.state_ops import assign, assign_add, assign_sub, count_up_to  # noqa: F401
from .ops.string_ops import (  # noqa: F401  (TF1's top-level names of tf.strings' ops)
    as_string,
    decode_base64,
    encode_base64,
    reduce_join,
    regex_replace,
    string_join,
    string_split,
    string_to_hash_bucket,
    string_to_hash_bucket_fast,
    string_to_hash_bucket_strong,
    substr,
)
from .ops.string_ops import strip as string_strip  # noqa: F401
from .ops.tensor_array_ops import TensorArray  # noqa: F401
from .ops.tensor_scatter_ops import *  # noqa: F401,F403  (tf.tensor_scatter_nd_update/add/sub/min/max)
from .ops.unique_ops import *  # noqa: F401,F403
from .ops.while_ops import *  # noqa: F401,F403
from .partitioned_variables import (  # noqa: F401
    create_partitioned_variables,
    fixed_size_partitioner,
    min_max_variable_partitioner,
    variable_axis_size_partitioner,
)
from .runtime.session import InteractiveSession, Session, get_default_session
from .session_tensors import get_session_handle  # noqa: F401  (persistent tensors; docs/tf-misc.md)
from .sysconfig import CXX11_ABI_FLAG, MONOLITHIC_BUILD  # noqa: F401
from .template import make_template  # noqa: F401
from .type_specs import (  # noqa: F401  (the composite tensors' TypeSpecs; docs/tf-misc.md)
    IndexedSlicesSpec,
    NoneTensorSpec,
    OptionalSpec,
    RaggedTensorSpec,
    SparseTensorSpec,
    TensorArraySpec,
    type_spec_from_value,
)
from .variables import (  # noqa: F401
    AUTO_REUSE,
    Variable,
    VariableAggregation,
    VariableScope,
    VariableSynchronization,
    all_variables,
    assert_variables_initialized,
    get_variable,
    get_variable_scope,
    global_variables,
    global_variables_initializer,
    initialize_all_variables,
    initialize_local_variables,
    initialize_variables,
    is_variable_initialized,
    local_variables,
    local_variables_initializer,
    model_variables,
    moving_average_variables,
    no_regularizer,
    report_uninitialized_variables,
    trainable_variables,
    variable_creator_scope,
    variable_scope,
    variables_initializer,
)
from .version import (  # noqa: F401  (TF1's top-level version names)
    COMPILER_VERSION,
    GIT_VERSION,
    GRAPH_DEF_VERSION,
    GRAPH_DEF_VERSION_MIN_CONSUMER,
    GRAPH_DEF_VERSION_MIN_PRODUCER,
    VERSION,
)

_LAZY_SUMMARY = ("summary", "Summary", "Event", "SessionLog")
#: GraphDef in and out (graph_io/), on tensorboardX's protobufs: loaded on first use like tf.summary.
_LAZY_GRAPH_IO = ("import_graph_def", "GraphDef", "MetaGraphDef", "graph_util", "make_tensor_proto", "make_ndarray",
                  "NodeDef", "AttrValue", "NameAttrList", "TensorInfo", "HistogramProto", "SummaryMetadata")


def _as_graph_def(self, from_version=None, add_shapes=False):
    """This graph as a TensorFlow GraphDef protobuf, whole: `tf.import_graph_def` rebuilds it (docs/graph-io.md).
    Installed on Graph from here (framework/ knows nothing of protobufs), loading the protobufs on first use."""
    from .summary.graph_def import graph_to_graph_def

    return graph_to_graph_def(self, add_shapes=add_shapes, max_const_bytes=None, importable=True)


Graph.as_graph_def = _as_graph_def


def __getattr__(name):
    """`tf.summary` (and `tf.import_graph_def`, `tf.GraphDef`, `tf.graph_util`) loads on first use: its protobuf
    library (tensorboardX) imports torch when torch is installed, which would make every `import graphgrad` pay
    over a second for it. `tf.app` and `tf.flags` (absl's, whose app module imports pdb), `tf.saved_model` (on
    graph_io's protobufs), `tf.profiler` and `tf.keras` (a third of graphgrad's import time, which TF1 programs
    without Keras need not pay), `tf.contrib` and `tf.estimator` (84 modules: a training process that never reads
    them saves ~0.2 s of import and their memory), `tf.autograph` (ast and its converter: `tf.function` loads it
    when it first converts), `tf.test` (unittest and unittest.mock with asyncio: ~10 MiB of
    a training process's memory) load on first use too, and `tf.RunOptions` / `tf.RunMetadata` (graphgrad/client)."""
    if name in ("app", "flags", "saved_model", "profiler", "keras", "contrib", "estimator", "test",
                "distributions", "feature_column", "autograph"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    if name in ("RunOptions", "RunMetadata", "GraphOptions", "OptimizerOptions"):  # TF's config.proto messages
        from . import client

        return getattr(client, name)
    if name in _LAZY_GRAPH_IO:
        import importlib

        module = importlib.import_module(".graph_io", __name__)
        return module.graph_util if name == "graph_util" else getattr(module, name)
    if name in _LAZY_SUMMARY:
        import importlib

        module = importlib.import_module(".summary", __name__)
        for n in _LAZY_SUMMARY[1:]:
            globals()[n] = getattr(module, n)
        return globals()[name] if name != "summary" else module
    raise AttributeError(f"module 'graphgrad' has no attribute {name!r}")
