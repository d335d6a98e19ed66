"""`tf.saved_model.utils`: TensorInfo protobufs (a tensor's name, dtype and shape) to and from graph tensors."""
from __future__ import annotations

from ..framework.graph import get_default_graph
from ..graph_io.protos import TensorInfo
from ..summary.graph_def import datatype_enum, shape_proto


def build_tensor_info(tensor) -> TensorInfo:
    """The TensorInfo of `tensor` (or of a SparseTensor's three tensors), for a SignatureDef."""
    from ..eager.context import executing_eagerly
    from ..ops.sparse_ops import SparseTensor

    if executing_eagerly():
        raise RuntimeError("`build_tensor_info` is not supported in eager execution.")
    if isinstance(tensor, SparseTensor):
        info = TensorInfo(dtype=datatype_enum(tensor.values.dtype.base_dtype),
                          tensor_shape=shape_proto(tensor.dense_shape.shape))
        info.coo_sparse.values_tensor_name = tensor.values.name
        info.coo_sparse.indices_tensor_name = tensor.indices.name
        info.coo_sparse.dense_shape_tensor_name = tensor.dense_shape.name
        return info
    return TensorInfo(name=tensor.name, dtype=datatype_enum(tensor.dtype.base_dtype),
                      tensor_shape=shape_proto(tensor.shape))


def get_tensor_from_tensor_info(tensor_info, graph=None, import_scope=None):
    """The tensor (or SparseTensor) a TensorInfo names, in `graph` (the default graph) under `import_scope`."""
    from ..ops.sparse_ops import SparseTensor

    graph = graph or get_default_graph()

    def tensor(name):
        return graph.get_tensor_by_name(f"{import_scope}/{name}" if import_scope else name)

    encoding = tensor_info.WhichOneof("encoding")
    if encoding == "name":
        return tensor(tensor_info.name)
    if encoding == "coo_sparse":
        sparse = tensor_info.coo_sparse
        return SparseTensor(tensor(sparse.indices_tensor_name), tensor(sparse.values_tensor_name),
                            tensor(sparse.dense_shape_tensor_name))
    raise ValueError(f"Invalid TensorInfo.encoding: {encoding}. Expected `coo_sparse`, `composite_tensor`, or `name` "
                     "for a dense tensor.")
