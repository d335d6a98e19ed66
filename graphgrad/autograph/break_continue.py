"""`break` and `continue`, rewritten as TF's AutoGraph does: into flags a tensor loop can carry.

`continue` sets `continue_ = True` (reset at the top of each iteration) and `break` sets `break_ = True`
(False before the loop); the rest of the iteration runs under `if not <flag>:`, and the loop stops when
`break_` is set (a `while` test or a `for` loop's extra test, `ag_stop_flags`). A loop's `else:` runs after it
under `if not break_:`.
"""
from __future__ import annotations

import ast

from .returns import contains
from .templates import assign, call, const, raw

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def lower_break_continue(stmts, namer):
    """The statements with the loops among them (at any depth, not in nested functions) rewritten."""
    out = []
    for stmt in stmts:
        if isinstance(stmt, _SCOPES):
            out.append(stmt)
            continue
        for field in ("body", "orelse", "finalbody"):
            if getattr(stmt, field, None):
                setattr(stmt, field, lower_break_continue(getattr(stmt, field), namer))
        for handler in getattr(stmt, "handlers", []):
            handler.body = lower_break_continue(handler.body, namer)
        if isinstance(stmt, (ast.For, ast.While)):
            out += _loop(stmt, namer)
        else:
            out.append(stmt)
    return out


def _loop(loop, namer):
    before, after = [], []
    if any(contains(s, ast.Continue, into_loops=False) for s in loop.body):
        flag = namer.new("continue_")
        loop.body = [assign(flag, const(False))] + _guard(loop.body, ast.Continue, flag)
    orelse, loop.orelse = loop.orelse, []
    if any(contains(s, ast.Break, into_loops=False) for s in loop.body):
        flag = namer.new("break_")
        before.append(assign(flag, const(False)))
        loop.body = _guard(loop.body, ast.Break, flag)
        loop.ag_stop_flags = getattr(loop, "ag_stop_flags", []) + [flag]
        if orelse:
            after.append(ast.If(test=call("not_", raw(flag)), body=orelse, orelse=[]))
    else:
        after += orelse
    return before + [loop] + after


def _guard(stmts, kind, flag):
    """`kind` statements of this loop (not of inner loops) become `flag = True`; what follows one runs under
    `if not flag:`."""
    out = []
    for k, stmt in enumerate(stmts):
        if isinstance(stmt, kind):
            out.append(assign(flag, const(True)))
            return out
        jumps = contains(stmt, kind, into_loops=False)
        if jumps:
            for field in ("body", "orelse", "finalbody"):
                if getattr(stmt, field, None):
                    setattr(stmt, field, _guard(getattr(stmt, field), kind, flag))
            for handler in getattr(stmt, "handlers", []):
                handler.body = _guard(handler.body, kind, flag)
        out.append(stmt)
        rest = stmts[k + 1:]
        if jumps and rest:
            out.append(ast.If(test=call("not_", raw(flag)), body=_guard(rest, kind, flag), orelse=[]))
            return out
    return out
