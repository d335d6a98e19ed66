"""TensorFlow 1.x error classes, so `except tf.errors.InvalidArgumentError` works unchanged."""
from __future__ import annotations

OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, DEADLINE_EXCEEDED, NOT_FOUND = 0, 1, 2, 3, 4, 5
ALREADY_EXISTS, PERMISSION_DENIED, RESOURCE_EXHAUSTED, FAILED_PRECONDITION = 6, 7, 8, 9
ABORTED, OUT_OF_RANGE, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS = 10, 11, 12, 13, 14, 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """An error raised while running an op; `op` and `node_def` name the op that failed."""

    error_code = UNKNOWN

    def __init__(self, node_def, op, message, *args):
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message

    def __str__(self):
        return self.message

    def __reduce__(self):
        return (type(self), (self.node_def, None, self.message))


def _make(name, code):
    cls = type(name, (OpError,), {"error_code": code, "__doc__": f"TensorFlow's {name} (code {code})."})
    cls.__module__ = __name__
    return cls


CancelledError = _make("CancelledError", CANCELLED)
UnknownError = _make("UnknownError", UNKNOWN)
InvalidArgumentError = _make("InvalidArgumentError", INVALID_ARGUMENT)
DeadlineExceededError = _make("DeadlineExceededError", DEADLINE_EXCEEDED)
NotFoundError = _make("NotFoundError", NOT_FOUND)
AlreadyExistsError = _make("AlreadyExistsError", ALREADY_EXISTS)
PermissionDeniedError = _make("PermissionDeniedError", PERMISSION_DENIED)
ResourceExhaustedError = _make("ResourceExhaustedError", RESOURCE_EXHAUSTED)
FailedPreconditionError = _make("FailedPreconditionError", FAILED_PRECONDITION)
AbortedError = _make("AbortedError", ABORTED)
OutOfRangeError = _make("OutOfRangeError", OUT_OF_RANGE)
UnimplementedError = _make("UnimplementedError", UNIMPLEMENTED)
InternalError = _make("InternalError", INTERNAL)
UnavailableError = _make("UnavailableError", UNAVAILABLE)
DataLossError = _make("DataLossError", DATA_LOSS)
UnauthenticatedError = _make("UnauthenticatedError", UNAUTHENTICATED)

_BY_CODE = {cls.error_code: cls for cls in (
    CancelledError, UnknownError, InvalidArgumentError, DeadlineExceededError, NotFoundError, AlreadyExistsError,
    PermissionDeniedError, ResourceExhaustedError, FailedPreconditionError, AbortedError, OutOfRangeError,
    UnimplementedError, InternalError, UnavailableError, DataLossError, UnauthenticatedError)}


def exception_type_from_error_code(error_code):
    """The OpError class of a TensorFlow status code (3 -> InvalidArgumentError); a KeyError for others."""
    return _BY_CODE[error_code]


def error_code_from_exception_type(cls):
    """The status code of an OpError class (NotFoundError -> 5)."""
    if not (isinstance(cls, type) and issubclass(cls, OpError)):
        raise KeyError(cls)
    return cls.error_code


class raise_exception_on_not_ok_status:  # noqa: N801  (TF's name)
    """TF1's context manager around its C API's status objects; graphgrad raises OpErrors directly, so the
    status it yields is always OK (None)."""

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


class OperatorNotAllowedInGraphError(TypeError):
    """A Python operation that needs a tensor's value (`bool(t)`, `for x in t`) while building a graph."""


# --- the errors a run raises about ops it cannot run (built here so the runtime needs no op module) ------------

def op_error(cls, op, text):
    """An OpError of class `cls` raised by `op`, ending as TF's kernels' messages end: with the node's name."""
    return cls(op.node_def, op, f"{text}\n\t [[{{{{node {op.name}}}}}]]")


def feed_error(op):
    """InvalidArgumentError for a placeholder (an op declaring `must_feed`) that a run needs but was not fed."""
    shape = op.outputs[0].shape.dims_tuple
    shp = "<unknown>" if shape is None else "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"
    dt = op.outputs[0].dtype.name
    dt = {"float32": "float", "float64": "double"}.get(dt, dt)
    return InvalidArgumentError(
        op.node_def, op,
        f"You must feed a value for placeholder tensor '{op.name}' with dtype {dt} and shape {shp}\n"
        f"\t [[{{{{node {op.name}}}}}]]")


def uninitialized_error(var_op):
    """FailedPreconditionError for reading a variable that holds no value in the session."""
    return FailedPreconditionError(
        var_op.node_def, var_op,
        f"Attempting to use uninitialized value {var_op.name}\n\t [[{{{{node {var_op.name}}}}}]]")
