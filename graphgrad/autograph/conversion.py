"""Converting a Python function: its source parsed, rewritten (returns, break/continue, control flow, operators),
and compiled again with the function's own globals and closure cells, so it sees the same names as the original.

The converted code reaches the operators through the name `ag__`; its calls go through
`ag__.converted_function`, which converts user functions when they are called (recursively, as TF converts
calls), and leaves alone builtins, graphgrad's own functions, library code and `do_not_convert` functions.
"""
from __future__ import annotations

import ast
import builtins
import functools
import inspect
import itertools
import linecache
import os
import sys
import sysconfig
import textwrap
import types
import warnings
import weakref

from . import operators
from .break_continue import lower_break_continue
from .control_flow import ControlFlowConverter, LoadWrapper
from .expressions import ExpressionConverter
from .returns import lower_returns
from .templates import Namer

#: set_verbosity's level: 0 silent; 1 and more warn when a function cannot be converted; 3 and more print the code
VERBOSITY = [0]
ALSO_STDOUT = False  # set_verbosity(..., alsologtostdout=True): the code printed to stdout as well
_DO_NOT_CONVERT = "__ag_do_not_convert__"
_FILENAME = "<autograph"
_counter = itertools.count()
_LIBRARY_DIRS = tuple({os.path.realpath(p) + os.sep for p in (
    sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])})
_OWN_MODULES = ("graphgrad", "numpy", "tensorflow")


class ConversionError(Exception):
    """A function that `tf.autograph.to_graph` was asked to convert cannot be (no source, a generator, ...)."""


class _Namespace(types.SimpleNamespace):
    """What converted code calls `ag__`: the operators, and `converted_function` with the conversion's options."""


def namespace(recursive):
    ns = _Namespace(**{k: v for k, v in vars(operators).items() if not k.startswith("_")})
    ns.converted_function = functools.partial(converted_function, recursive=recursive)
    return ns


_converted = weakref.WeakKeyDictionary()  # function -> {recursive: converted function}


def converted_function(f, recursive=True):
    """The function converted code calls in place of `f`: `f` converted when it is the user's own code."""
    if f is builtins.print:
        return operators.print_
    if not recursive:
        return f
    if isinstance(f, types.MethodType) and isinstance(f.__func__, types.FunctionType) and _convertible(f.__func__):
        return types.MethodType(convert(f.__func__, recursive), f.__self__)
    if isinstance(f, types.FunctionType) and _convertible(f):
        return convert(f, recursive)
    return f


_NAMESPACES = {True: namespace(True), False: namespace(False)}


def _convertible(f):
    """Whether a function is the user's code: not marked do_not_convert, not converted already, not a generator,
    not graphgrad's (or NumPy's) nor the standard library's or an installed package's."""
    if getattr(f, _DO_NOT_CONVERT, False) or f.__code__.co_filename.startswith(_FILENAME):
        return False
    if f.__code__.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        return False
    if (getattr(f, "__module__", None) or "").split(".")[0] in _OWN_MODULES:
        return False
    return not os.path.realpath(f.__code__.co_filename).startswith(_LIBRARY_DIRS)


def convert(f, recursive=True, user_requested=False):
    """`f` converted (cached per function). A function that cannot be converted runs as it is, with a warning
    (as TF does), unless the user asked for this conversion: then ConversionError."""
    if isinstance(f, types.MethodType):
        return types.MethodType(convert(f.__func__, recursive, user_requested), f.__self__)
    if not isinstance(f, types.FunctionType):
        if user_requested:
            raise ConversionError(f"cannot convert {f!r}: only Python functions and methods can be converted")
        return f
    if not user_requested and not _convertible(f):
        return f
    done = _converted.setdefault(f, {})
    if recursive not in done:
        try:
            done[recursive] = _convert(f, recursive)
        except (OSError, TypeError, SyntaxError, ConversionError) as e:
            if user_requested:
                raise ConversionError(f"cannot convert {f.__qualname__}: {e}") from e
            if VERBOSITY[0] >= 1:
                warnings.warn(f"AutoGraph could not transform {f.__qualname__} and will run it as-is: {e}",
                              stacklevel=2)
            done[recursive] = f
    return done[recursive]


def source_of(f):
    """(module tree of the converted function, its name): parse, convert, wrapped in a factory that declares the
    original's closure names so that they stay closure reads."""
    if f.__code__.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        raise ConversionError("generators and coroutines are not converted")
    source = textwrap.dedent(inspect.getsource(f))
    fdef = _function_node(ast.parse(source), f)
    transform(fdef)
    factory = ast.parse(f"def __ag_factory(ag__, {', '.join(f.__code__.co_freevars)}):\n    pass")
    factory.body[0].body = [fdef, ast.Return(value=ast.Name(id=fdef.name, ctx=ast.Load()))]
    return ast.fix_missing_locations(factory), fdef.name


def transform(fdef):
    """Rewrite one function definition in place, the functions nested in it included."""
    namer = Namer(fdef)
    fdef.decorator_list = []  # the original's decorators were applied already (tf.function among them)
    ExpressionConverter().visit(fdef)
    functions = [n for n in ast.walk(fdef) if isinstance(n, ast.FunctionDef)]
    for node in functions:
        lower_returns(node, namer)
        node.body = lower_break_continue(node.body, namer)
    converter = ControlFlowConverter(namer)
    converter.function(fdef)
    LoadWrapper(converter.maybe_undefined).visit(fdef)


def _function_node(tree, f):
    """The definition of `f` in its parsed source; a lambda becomes a `def` returning its expression."""
    if f.__name__ != "<lambda>":
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == f.__name__:
                return node
        raise ConversionError(f"no definition of {f.__name__} in its source")
    params = list(f.__code__.co_varnames[:f.__code__.co_argcount + f.__code__.co_kwonlyargcount])
    lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)
               and [a.arg for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs] == params]
    if len(lambdas) != 1:
        raise ConversionError("its source line does not single out the lambda")
    node = lambdas[0]
    fdef = ast.parse("def lambda__():\n    pass").body[0]
    fdef.args, fdef.body = node.args, [ast.Return(value=node.body)]
    return fdef


def _convert(f, recursive):
    tree, name = source_of(f)
    code_text = ast.unparse(tree)
    filename = f"{_FILENAME} {f.__qualname__} #{next(_counter)}>"
    linecache.cache[filename] = (len(code_text), None, code_text.splitlines(True), filename)
    module = compile(code_text, filename, "exec")
    factory_code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    code = next(c for c in factory_code.co_consts if isinstance(c, types.CodeType) and c.co_name == name)
    cells = dict(zip(f.__code__.co_freevars, f.__closure__ or ()))
    cells["ag__"] = types.CellType(_NAMESPACES[recursive])
    new = types.FunctionType(code, f.__globals__, f.__name__, f.__defaults__,
                             tuple(cells[n] for n in code.co_freevars))
    new.__kwdefaults__ = f.__kwdefaults__
    functools.update_wrapper(new, f)
    del new.__wrapped__
    new.ag_source = textwrap.indent(ast.unparse(tree.body[0].body[0]), "")
    new.ag_original = f
    if VERBOSITY[0] >= 3:
        for stream in (sys.stderr, sys.stdout) if ALSO_STDOUT else (sys.stderr,):
            print(f"Converted {f.__qualname__}:\n{new.ag_source}", file=stream)
    return new
