"""`return` statements inside control flow, rewritten as TF's AutoGraph does so that a tensor `if` can hold them.

First, the code after an `if` whose branch always returns moves into its other branch (`if c: return a` then more
code becomes `if c: return a else: <more code>`). Then, when a `return` is still not the function's last
statement, each `return x` becomes `do_return = True; retval_ = x`, the code after a statement that may have
returned runs under `if not do_return:`, loops stop on `do_return`, and the function ends in
`return ag__.retval(retval_)`. Under a tensor condition both become outputs of the `tf.cond`.
"""
from __future__ import annotations

import ast

from .templates import assign, call, const, raw

_BLOCKS = ("body", "orelse", "finalbody")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def always_returns(stmts):
    """Whether running these statements certainly ends in a `return` (or `raise`)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    return isinstance(last, ast.If) and always_returns(last.body) and always_returns(last.orelse)


def contains(stmt, kinds, into_loops=True):
    """Whether `stmt` holds a statement of `kinds` in this function's scope (and, unless told not to, in loops)."""
    if isinstance(stmt, kinds):
        return True
    if isinstance(stmt, _SCOPES) or (not into_loops and isinstance(stmt, (ast.For, ast.While))):
        return False
    children = [s for field in _BLOCKS for s in getattr(stmt, field, [])]
    children += [s for handler in getattr(stmt, "handlers", []) for s in handler.body]
    return any(contains(s, kinds, into_loops) for s in children)


def restructure(stmts):
    """Move the statements after an always-returning branch into the other branch (recursively)."""
    out = []
    for k, stmt in enumerate(stmts):
        _in_blocks(stmt, restructure)
        out.append(stmt)
        rest = stmts[k + 1:]
        if not rest:
            break
        if always_returns([stmt]):
            break  # what follows never runs
        if isinstance(stmt, ast.If):
            if always_returns(stmt.body) and not always_returns(stmt.orelse):
                stmt.orelse = restructure(stmt.orelse + rest)
                break
            if stmt.orelse and always_returns(stmt.orelse) and not always_returns(stmt.body):
                stmt.body = restructure(stmt.body + rest)
                break
    return out


def _in_blocks(stmt, fn):
    if isinstance(stmt, _SCOPES):
        return
    for field in _BLOCKS:
        if getattr(stmt, field, None):
            setattr(stmt, field, fn(getattr(stmt, field)))
    for handler in getattr(stmt, "handlers", []):
        handler.body = fn(handler.body)


def lower_returns(fdef, namer):
    """Rewrite the returns of one function (not of functions nested in it) into flags, when one of them is not
    its last statement."""
    fdef.body = restructure(fdef.body)
    inner = [s for s in fdef.body[:-1] if contains(s, ast.Return)]
    if not inner and not any(contains(s, ast.Return) for s in fdef.body[-1:] if not isinstance(s, ast.Return)):
        return
    flag, value = namer.new("do_return"), namer.new("retval_")
    lowering = _ReturnLowering(flag, value)
    fdef.body = ([assign(flag, const(False)), assign(value, call("UndefinedReturnValue"))]
                 + lowering.block(fdef.body)
                 + [ast.Return(value=call("retval", raw(value)))])


class _ReturnLowering:
    def __init__(self, flag, value):
        self.flag, self.value = flag, value

    def block(self, stmts):
        out = []
        for k, stmt in enumerate(stmts):
            if isinstance(stmt, ast.Return):
                out += [assign(self.flag, const(True)), assign(self.value, stmt.value or const(None))]
                return out
            returns = contains(stmt, ast.Return)
            if returns and isinstance(stmt, (ast.For, ast.While)):  # the loop stops once it returned
                stmt.ag_stop_flags = getattr(stmt, "ag_stop_flags", []) + [self.flag]
                stmt.ag_has_return = True
            _in_blocks(stmt, self.block)
            out.append(stmt)
            rest = stmts[k + 1:]
            if rest and returns:
                out.append(ast.If(test=call("not_", raw(self.flag)), body=self.block(rest), orelse=[]))
                return out
        return out
