"""`tensorflow.python.ops.resources`: session resources (a tensor_forest tree, its statistics) that are not
variables. Each is registered with the op that makes its handle, the op that creates it in a session and one that
says whether it exists; `initialize_resources(shared_resources())` beside `global_variables_initializer()`
creates them, as TF1 programs and `tf.train.Scaffold` do."""
from __future__ import annotations

import collections

from ...framework.graph import GraphKeys, get_collection, name_scope
from ...ops import array_ops
from ...ops.comparison_ops import logical_not
from ...ops.core import constant, group, no_op

_Resource = collections.namedtuple("_Resource", ["handle", "create", "is_initialized"])


def register_resource(handle, create_op, is_initialized_op, is_shared=True):
    """Add the resource to the RESOURCES collection (LOCAL_RESOURCES when not `is_shared`)."""
    key = GraphKeys.RESOURCES if is_shared else GraphKeys.LOCAL_RESOURCES
    handle.graph.add_to_collection(key, _Resource(handle, create_op, is_initialized_op))


def shared_resources():
    """Resources visible to all tasks in the cluster."""
    return get_collection(GraphKeys.RESOURCES)


def local_resources():
    """Resources intended to be local to this session."""
    return get_collection(GraphKeys.LOCAL_RESOURCES)


def report_uninitialized_resources(resource_list=None, name="report_uninitialized_resources"):
    """A 1-D string tensor naming the handles of the resources of `resource_list` (default: shared and local)
    not created in the session yet; empty when all are."""
    if resource_list is None:
        resource_list = shared_resources() + local_resources()
    with name_scope(name):
        if not resource_list:
            return constant([], dtype="string")
        missing = logical_not(array_ops.stack([r.is_initialized for r in resource_list]))
        names = constant([r.handle.name for r in resource_list])
        return array_ops.boolean_mask(names, missing)


def initialize_resources(resource_list, name="init"):
    """One op creating every resource of `resource_list` (a NoOp when it is empty)."""
    if resource_list:
        return group(*[r.create for r in resource_list], name=name)
    return no_op(name=name)
