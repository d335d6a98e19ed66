"""The rest of TF1's `tf.test` (test.py holds TestCase and the GPU questions): `assert_equal_graph_def` (TF's
EqualGraphDef over GraphDef protos: nodes by name, inputs in order, control inputs as a set, attrs without the
internal `_...` ones, TF's messages), `create_local_cluster` (graphgrad's in-process Servers on free localhost
ports), `disable_with_predicate`, `with_eager_op_as_function` (returns the class, as TF 2.21 does),
`test_src_dir_path`, `mock`, `StubOutForTesting` and `benchmark_config`."""
from __future__ import annotations

import functools
import os
import socket
from unittest import mock

__all__ = ["assert_equal_graph_def", "create_local_cluster", "benchmark_config", "disable_with_predicate",
           "with_eager_op_as_function", "test_src_dir_path", "mock", "StubOutForTesting"]

_TYPE_NAMES = {"float32": "float", "float64": "double", "bool": "bool", "object": "string"}


def _summarize_attr(v):
    """An AttrValue as TF's SummarizeAttrValue writes it (tensors: type, shape and up to 10 values)."""
    kind = v.WhichOneof("value")
    if kind == "tensor":
        from .graph_io.attrs import make_ndarray

        a = make_ndarray(v.tensor)
        values = " ".join(f"{x:g}" if isinstance(x, float) else str(x) for x in a.ravel()[:10].tolist())
        shape = "[" + ",".join(str(d) for d in a.shape) + "]"
        name = _TYPE_NAMES.get(str(a.dtype), str(a.dtype))
        return f"Tensor<type: {name} shape: {shape} values: {values}{'...' if a.size > 10 else ''}>"
    if kind == "type":
        return v.DESCRIPTOR.fields_by_name["type"].enum_type.values_by_number[v.type].name
    if kind == "shape":
        return "<unknown>" if v.shape.unknown_rank else "[" + ",".join(
            "?" if d.size < 0 else str(d.size) for d in v.shape.dim) + "]"
    if kind == "b":
        return "true" if v.b else "false"
    if kind == "s":
        return '"' + v.s.decode("utf-8", "backslashreplace") + '"'
    if kind in ("i", "f"):
        return f"{getattr(v, kind):g}"
    return str(getattr(v, kind) if kind else "").replace("\n", " ").strip()


def _public_attrs(node):
    return {k: v for k, v in node.attr.items() if not k.startswith("_")}


def _summarize_node(node):
    attrs = ", ".join(f"{k}={_summarize_attr(v)}" for k, v in sorted(_public_attrs(node).items()))
    return f"{{{{node {node.name}}}}} = {node.op}[{attrs}]({', '.join(node.input)})"


def _node_diff(actual, expected):
    """TF's EqualNodeDef: the first difference between two NodeDefs of one name, or None."""
    name = expected.name
    for field in ("op", "device"):
        a, e = getattr(actual, field), getattr(expected, field)
        if a != e:
            return f"Node named '{name}' has {field} '{a}' that is not expected '{e}'"
    if len(actual.input) != len(expected.input):
        return (f"Node named '{name}' has inputs '{', '.join(actual.input)}' that don't match expected "
                f"'{', '.join(expected.input)}'")
    data = [i for i, x in enumerate(actual.input) if x.startswith("^")]
    first_control = data[0] if data else len(actual.input)
    for i in range(first_control):
        if actual.input[i] != expected.input[i]:
            return (f"Node named '{name}' has input {i} '{actual.input[i]}' that doesn't match expected "
                    f"'{expected.input[i]}'")
    actual_control, expected_control = set(actual.input[first_control:]), set(expected.input[first_control:])
    for c in sorted(expected_control - actual_control):
        return f"Node named '{name}' missing expected control input '{c}'"
    for c in sorted(actual_control - expected_control):
        return f"Node named '{name}' has unexpected control input '{c}'"
    actual_attrs = _public_attrs(actual)
    for key, value in _public_attrs(expected).items():
        if key not in actual_attrs:
            return f"Node named '{name}' missing expected attr '{key}' with value: {_summarize_attr(value)}"
        if actual_attrs.pop(key) != value:
            return (f"Node named '{name}' has attr '{key}' with value: {_summarize_attr(actual.attr[key])} that "
                    f"does not match expected: {_summarize_attr(value)}")
    for key, value in actual_attrs.items():
        return f"Node named '{name}' has unexpected attr '{key}' with value: {_summarize_attr(value)}"
    return None


def _check_graph_def(g, what):
    if getattr(getattr(g, "DESCRIPTOR", None), "name", None) != "GraphDef":
        raise TypeError(f"Expected tf.GraphDef for {what}, got {type(g).__name__}")


def assert_equal_graph_def(actual, expected, checkpoint_v2=False, hash_table_shared_name=False):
    """AssertionError with TF's message unless the two GraphDefs have the same nodes (by name, in any order).
    `checkpoint_v2` / `hash_table_shared_name` strip what TF randomizes there; graphgrad writes neither."""
    del checkpoint_v2, hash_table_shared_name
    _check_graph_def(actual, "actual")
    _check_graph_def(expected, "expected")
    remaining = {n.name: n for n in actual.node}
    for node in expected.node:
        found = remaining.pop(node.name, None)
        if found is None:
            raise AssertionError(f"Did not find expected node '{_summarize_node(node)}'")
        diff = _node_diff(found, node)
        if diff:
            raise AssertionError(diff)
    if remaining:
        raise AssertionError(f"Found unexpected node '{_summarize_node(next(iter(remaining.values())))}'")


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def create_local_cluster(num_workers, num_ps, protocol="grpc", worker_config=None, ps_config=None):
    """(worker Servers, ps Servers) of one ClusterSpec on free localhost ports, started. graphgrad's Servers run
    sessions in this process (docs/distributed.md), so `Session(workers[0].target)` works as in TF's tests."""
    from .train.cluster import ClusterSpec, Server

    cluster = {"worker": [f"localhost:{_free_port()}" for _ in range(num_workers)]}
    if num_ps > 0:
        cluster["ps"] = [f"localhost:{_free_port()}" for _ in range(num_ps)]
    spec = ClusterSpec(cluster)
    workers = [Server(spec, job_name="worker", task_index=i, protocol=protocol, config=worker_config)
               for i in range(num_workers)]
    ps = [Server(spec, job_name="ps", task_index=i, protocol=protocol, config=ps_config) for i in range(num_ps)]
    return workers, ps


def benchmark_config():
    """TF's ConfigProto for benchmarks: Grappler's dependency optimization OFF (kept in `graph_options`;
    graphgrad's plan passes do not remove the ops a benchmark times either)."""
    from .config import ConfigProto
    from .runtime.run_metadata import GraphOptions, RewriterConfig

    rewrite = RewriterConfig(dependency_optimization=RewriterConfig.OFF)
    return ConfigProto(graph_options=GraphOptions(rewrite_options=rewrite))


def disable_with_predicate(pred, skip_message):
    """A test-method decorator: skip the test (`self.skipTest(skip_message)`) when `pred()` is true."""
    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            if pred():
                self.skipTest(skip_message)
            return func(self, *args, **kwargs)
        return wrapper
    return decorator


def with_eager_op_as_function(cls=None, only_as_function=False):
    """The class unchanged (TF 2.21 made this a no-op too)."""
    del only_as_function
    return cls if cls is not None else (lambda c: c)


def test_src_dir_path(relative_path):
    """`relative_path` under `$TEST_SRCDIR` when set (Bazel's runfiles, as TF), else under the graphgrad
    package (graphgrad has no runfiles tree)."""
    root = os.environ.get("TEST_SRCDIR")
    base = os.path.join(root, "org_tensorflow", "tensorflow") if root else os.path.dirname(os.path.abspath(__file__))
    return os.path.join(base, relative_path)


class StubOutForTesting:
    """TF1's stubber: `Set(parent, name, value)` replaces an attribute (of that very object), `SmartSet(obj,
    name, value)` the class attribute an instance inherits (module attributes directly); `UnsetAll`,
    `SmartUnsetAll` and `CleanUp` (both) restore them in reverse order; also a context manager."""

    def __init__(self):
        self.cache, self.stubs = [], []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.CleanUp()

    def CleanUp(self):  # noqa: N802 - TF's names
        self.SmartUnsetAll()
        self.UnsetAll()

    def _old(self, owner, name):
        old = getattr(owner, name)
        return staticmethod(old) if isinstance(vars(owner).get(name), staticmethod) else old

    def Set(self, parent, child_name, new_child):  # noqa: N802
        self.cache.append((parent, self._old(parent, child_name), child_name))
        setattr(parent, child_name, new_child)

    def SmartSet(self, obj, attr_name, new_attr):  # noqa: N802
        if isinstance(obj, type(os)) or (not isinstance(obj, type) and attr_name in vars(obj)):
            owner = obj
        else:
            cls = obj if isinstance(obj, type) else type(obj)
            owner = next((c for c in cls.__mro__ if attr_name in vars(c)), None)
            if owner is None:
                raise AttributeError("Attribute not found.")
        self.stubs.append((owner, attr_name, self._old(owner, attr_name)))
        setattr(owner, attr_name, new_attr)

    def SmartUnsetAll(self):  # noqa: N802
        for owner, name, old in reversed(self.stubs):
            setattr(owner, name, old)
        self.stubs = []

    def UnsetAll(self):  # noqa: N802
        for parent, old, name in reversed(self.cache):
            setattr(parent, name, old)
        self.cache = []

