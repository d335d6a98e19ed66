"""`slim.utils` (`tf.contrib.layers.utils`): a layer's output tagged with aliases and gathered into collections,
so a network can hand back its `end_points` as {alias: tensor}.

    with slim.arg_scope([slim.conv2d, slim.max_pool2d], outputs_collections="net_end_points"):
        ...
    end_points = slim.utils.convert_collection_to_dict("net_end_points")   # {'net/conv1': <tf.Tensor ...>, ...}

A slim layer's alias is its scope's name (`vgg_16/conv1/conv1_1`, `vgg_16/pool1`).
"""
from __future__ import annotations

import collections

from ...framework.graph import get_default_graph

__all__ = ["append_tensor_alias", "collect_named_outputs", "convert_collection_to_dict", "gather_tensors_aliases",
           "get_tensor_aliases", "get_variable_collections", "last_dimension", "n_positive_integers",
           "two_element_tuple"]


def append_tensor_alias(tensor, alias):
    """Add `alias` (a trailing '/' dropped) to `tensor.aliases`."""
    if alias[-1:] == "/":
        alias = alias[:-1]
    if getattr(tensor, "aliases", None) is not None:
        tensor.aliases.append(alias)
    else:
        tensor.aliases = [alias]
    return tensor


def collect_named_outputs(collections, alias, outputs):  # noqa: A002 - TF's name
    """Tag `outputs` with `alias` and add it to `collections` (nothing when there are none); returns outputs."""
    if collections:
        append_tensor_alias(outputs, alias)
        get_default_graph().add_to_collections(collections, outputs)
    return outputs


def get_tensor_aliases(tensor):
    """The tensor's aliases, else its name without ':0'."""
    aliases = getattr(tensor, "aliases", None)
    if aliases is not None:
        return aliases
    return [tensor.name[:-2]] if tensor.name.endswith(":0") else [tensor.name]


def gather_tensors_aliases(tensors):
    return [alias for t in tensors for alias in get_tensor_aliases(t)]


def convert_collection_to_dict(collection, clear_collection=False):
    """{alias: tensor} of a collection's tensors, in collection order (a tensor under each of its aliases)."""
    graph = get_default_graph()
    out = collections.OrderedDict((alias, t) for t in graph.get_collection(collection)
                                  for alias in get_tensor_aliases(t))
    if clear_collection:
        graph.clear_collection(collection)
    return out


def get_variable_collections(variables_collections, name):
    if isinstance(variables_collections, dict):
        return variables_collections.get(name, None)
    return variables_collections


def last_dimension(shape, min_rank=1):
    """The static last dimension of `shape` (ValueError when unknown or the rank is below `min_rank`)."""
    dims = shape.dims
    if dims is None:
        raise ValueError("dims of shape must be known but is None")
    if len(dims) < min_rank:
        raise ValueError(f"rank of shape must be at least {min_rank} not: {len(dims)}")
    value = dims[-1].value
    if value is None:
        raise ValueError("last dimension shape must be known but is None")
    return value


def two_element_tuple(int_or_tuple):
    """3 -> (3, 3); [3, 5] -> (3, 5)."""
    if isinstance(int_or_tuple, (list, tuple)):
        if len(int_or_tuple) != 2:
            raise ValueError(f"Must be a list with 2 elements: {int_or_tuple}")
        return int(int_or_tuple[0]), int(int_or_tuple[1])
    if isinstance(int_or_tuple, int):
        return int(int_or_tuple), int(int_or_tuple)
    raise ValueError(f"Must be an int, a list with 2 elements or a TensorShape of length 2: {int_or_tuple}")


def n_positive_integers(n, value):
    """`value` (an int or n ints) as a tuple of n positive ints."""
    if isinstance(value, int):
        if value > 0:
            return (value,) * n
    else:
        value = tuple(value)
        if len(value) == n and all(isinstance(v, int) and v > 0 for v in value):
            return value
    raise ValueError(f"Expected {n} positive integers, but received {value!r}")
