"""Small builders of the AST nodes the converters emit, and the namer that keeps generated names unique."""
from __future__ import annotations

import ast
import sys


class Namer:
    """New names for one converted function that collide with none of its own (`if_body`, `if_body_1`, ...)."""

    def __init__(self, tree):
        self.used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        self.used |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
        self.used |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}

    def new(self, base):
        name, i = base, 0
        while name in self.used:
            i += 1
            name = f"{base}_{i}"
        self.used.add(name)
        return name


def raw(name, ctx=None):
    """A name the converter itself reads or writes: never wrapped in `ag__.ld` (it may hold `Undefined`)."""
    node = ast.Name(id=name, ctx=ctx or ast.Load())
    node.ag_raw = True
    return node


def ag(attr):
    """`ag__.<attr>`: an operator of graphgrad/autograph/operators.py."""
    return ast.Attribute(value=ast.Name(id="ag__", ctx=ast.Load()), attr=attr, ctx=ast.Load())


def call(func, *args, **keywords):
    if isinstance(func, str):
        func = ag(func)
    return ast.Call(func=func, args=list(args), keywords=[ast.keyword(arg=k, value=v) for k, v in keywords.items()])


def const(value):
    return ast.Constant(value=value)


def assign(name, value):
    return ast.Assign(targets=[raw(name, ast.Store())], value=value, lineno=0)


def thunk(expr):
    """`lambda: expr`: an operand evaluated only when the operator asks for it."""
    return ast.Lambda(args=_arguments([]), body=expr)


def names_tuple(names, ctx=None):
    """`(a, b, ...)` of raw names (a load, or a store target)."""
    return ast.Tuple(elts=[raw(n, ctx and type(ctx)()) for n in names], ctx=ctx or ast.Load())


def strings_tuple(values):
    return ast.Tuple(elts=[const(v) for v in values], ctx=ast.Load())


def function_def(name, params, body):
    node = ast.FunctionDef(name=name, args=_arguments(params), body=body or [ast.Pass()], decorator_list=[],
                           returns=None, lineno=0)
    if sys.version_info >= (3, 12):
        node.type_params = []
    return node


def not_flags(flags):
    """`not (f1 or f2 ...)` as `ag__.and_` of `ag__.not_`s (flags may be tensors)."""
    tests = [call("not_", raw(f)) for f in flags]
    return tests[0] if len(tests) == 1 else call("and_", *[thunk(t) for t in tests])


def _arguments(params):
    return ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None, kwonlyargs=[],
                         kw_defaults=[], kwarg=None, defaults=[])
