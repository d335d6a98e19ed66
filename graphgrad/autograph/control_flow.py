"""`if`, `while` and `for` statements rewritten into calls of `ag__.if_stmt`, `ag__.while_stmt`, `ag__.for_stmt`.

Each branch or loop body becomes a function of the statement's *state*, the variables it assigns that exist
before it or are read after it (or by the loop's next iteration), and returns their new values:

    def if_body(y):                 def else_body(y):
        y = x * 2                       y = -x
        return (y,)                     return (y,)
    y = ag__.Undefined('y')
    (y,) = ag__.if_stmt(ag__.converted_function(tf.reduce_sum)(x) > 0, if_body, else_body, (y,), ('y',))

A variable not assigned yet starts as `ag__.Undefined`, and its reads become `ag__.ld(y)` (Python's
UnboundLocalError when it is still undefined). Assignments to attributes and subscripts are named to the operator
(`composites`), which refuses them under a tensor condition rather than compute something wrong.
"""
from __future__ import annotations

import ast

from .analysis import assigned, loads, read_before_write, stores
from .templates import assign, call, const, function_def, names_tuple, not_flags, raw, strings_tuple


class ControlFlowConverter:
    """Converts the control flow of one function (and of the functions defined in it)."""

    def __init__(self, namer):
        self.namer = namer
        self.maybe_undefined = set()  # names that may hold `Undefined`: their reads get `ag__.ld`

    def function(self, fdef, definite=frozenset()):
        params = [a.arg for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs]
        params += [a.arg for a in (fdef.args.vararg, fdef.args.kwarg) if a is not None]
        params += _declared_outside(fdef.body)  # global / nonlocal: always defined, branches pass them back
        fdef.body = self.block(fdef.body, set(), set(definite) | set(params), set())

    def block(self, stmts, live_after, definite, maybe):
        """The statements converted. `live_after`: names read after them; `definite` / `maybe`: names certainly /
        possibly assigned before them."""
        definite, maybe, out = set(definite), set(maybe), []
        for k, stmt in enumerate(stmts):
            exposed, assigned_later = read_before_write(stmts[k + 1:])
            live = exposed | (live_after - assigned_later)
            if isinstance(stmt, ast.If):
                converted, state = self.if_stmt(stmt, live, definite, maybe)
                out += converted
                definite |= set(state)
            elif isinstance(stmt, (ast.While, ast.For)):
                converted, state = self.loop(stmt, live, definite, maybe)
                out += converted
                definite |= set(state)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.function(stmt, definite | maybe)  # its own scope: outer names are closures
                out.append(stmt)
                definite.add(stmt.name)
            elif isinstance(stmt, ast.With):
                stmt.body = self.block(stmt.body, live, definite | assigned(stmt.items), maybe)
                out.append(stmt)
                definite |= assigned([stmt])
            elif isinstance(stmt, ast.Try):
                for block in (stmt.body, stmt.orelse, stmt.finalbody):
                    block[:] = self.block(block, live | assigned([stmt]), definite, maybe)
                for handler in stmt.handlers:
                    handler.body = self.block(handler.body, live | assigned([stmt]), definite, maybe)
                out.append(stmt)
                maybe |= assigned([stmt])
            else:
                out.append(stmt)
                definite |= assigned([stmt])
        return out

    def _state(self, modified, wanted, definite, maybe):
        """The state names, and the statements giving the undefined ones their `Undefined` value."""
        state = [n for n in modified if n in wanted or n in definite or n in maybe]
        inits = []
        for name in state:
            if name in definite:
                continue
            self.maybe_undefined.add(name)
            if name in maybe:  # assigned only on some paths (a try block): Undefined only when it is not
                probe = ast.Expr(value=raw(name))
                inits.append(ast.Try(body=[probe], handlers=[ast.ExceptHandler(
                    type=ast.Name(id="NameError", ctx=ast.Load()), name=None,
                    body=[assign(name, call("Undefined", const(name)))])], orelse=[], finalbody=[]))
            else:
                inits.append(assign(name, call("Undefined", const(name))))
        return state, inits

    def _body_function(self, base, params, stmts, state, definite, maybe):
        name = self.namer.new(base)
        body = self.block(stmts + [ast.Return(value=names_tuple(state))], set(), definite | set(params), maybe)
        return name, function_def(name, params, body)

    def if_stmt(self, node, live, definite, maybe):
        modified, composites = stores(node.body + node.orelse)
        state, inits = self._state(modified, live, definite, maybe)
        body_name, body_def = self._body_function("if_body", state, node.body, state, definite, maybe)
        else_name, else_def = self._body_function("else_body", state, node.orelse, state, definite, maybe)
        operator = call("if_stmt", node.test, raw(body_name), raw(else_name), names_tuple(state),
                        strings_tuple(state), composites=strings_tuple(composites))
        return [body_def, else_def] + inits + [_bind(state, operator, node)], state

    def loop(self, node, live, definite, maybe):
        is_for = isinstance(node, ast.For)
        targets = sorted(assigned([node.target])) if is_for else []
        flags = getattr(node, "ag_stop_flags", [])
        modified, composites = stores(([node.target] if is_for else []) + node.body)
        head = [node.iter] if is_for else [node.test]
        next_iteration = read_before_write(node.body, set(targets))[0] | loads(head if not is_for else []) | set(flags)
        state, inits = self._state(modified, live | next_iteration, definite, maybe)
        options = {"composites": strings_tuple(composites)}
        if getattr(node, "ag_has_return", False):
            options["has_return"] = const(True)
        if is_for:
            item = self.namer.new("itr")
            unpack = ast.Assign(targets=[node.target], value=raw(item), lineno=0)
            body_name, body_def = self._body_function("loop_body", [item] + state, [unpack] + node.body, state,
                                                      definite, maybe)
            defs = [body_def]
            extra = ast.Constant(value=None)
            if flags:
                test_name = self.namer.new("extra_test")
                defs.append(function_def(test_name, state, [ast.Return(value=not_flags(flags))]))
                extra = raw(test_name)
            options["iterate_names"] = strings_tuple(targets)
            operator = call("for_stmt", node.iter, extra, raw(body_name), names_tuple(state), strings_tuple(state),
                            **options)
        else:
            test = node.test
            if flags:
                test = call("and_", ast.Lambda(args=_no_args(), body=not_flags(flags)),
                            ast.Lambda(args=_no_args(), body=test))
            test_name = self.namer.new("loop_test")
            body_name, body_def = self._body_function("loop_body", state, node.body, state, definite, maybe)
            defs = [function_def(test_name, state, [ast.Return(value=test)]), body_def]
            operator = call("while_stmt", raw(test_name), raw(body_name), names_tuple(state), strings_tuple(state),
                            **options)
        return defs + inits + [_bind(state, operator, node)], state


def _declared_outside(stmts):
    """The names a function's `global` and `nonlocal` statements declare (not those of functions nested in it)."""
    names = []
    for stmt in stmts:
        if isinstance(stmt, (ast.Global, ast.Nonlocal)):
            names += stmt.names
        elif not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            children = [s for field in ("body", "orelse", "finalbody") for s in getattr(stmt, field, [])]
            names += _declared_outside(children + [s for h in getattr(stmt, "handlers", []) for s in h.body])
    return names


def _no_args():
    return ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                         defaults=[])


def _bind(state, operator, node):
    """`(a, b) = operator` (or the bare call when the statement has no state), at the statement's line."""
    if state:
        stmt = ast.Assign(targets=[names_tuple(state, ast.Store())], value=operator)
    else:
        stmt = ast.Expr(value=operator)
    return ast.copy_location(stmt, node)


class LoadWrapper(ast.NodeTransformer):
    """Reads of the names that may be `Undefined` become `ag__.ld(name)` (the converter's own reads stay)."""

    def __init__(self, names):
        self.names = names

    def visit_Name(self, node):
        if node.id in self.names and isinstance(node.ctx, ast.Load) and not getattr(node, "ag_raw", False):
            return ast.copy_location(call("ld", node), node)
        return node
