"""Which variables a piece of code assigns and reads: what decides the state of a converted statement.

A branch or loop body becomes a function; the variables it must pass in and back are those it assigns that
either exist before the statement or are read after it (or, in a loop, read by the next iteration before it
assigns them). The analysis is on names only, and conservative: a name counts as read when any later code
(nested functions included) reads it.
"""
from __future__ import annotations

import ast

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


class _Stores(ast.NodeVisitor):
    """The plain names and the attribute/subscript targets a piece of code assigns, in its own scope."""

    def __init__(self):
        self.names, self.composites = [], []

    def _add(self, name):
        if name not in self.names:
            self.names.append(name)

    def visit_Name(self, node):
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._add(node.id)

    def _composite(self, node):
        if isinstance(node.ctx, ast.Store):
            self.composites.append(ast.unparse(node))
        self.generic_visit(node)

    visit_Attribute = visit_Subscript = _composite

    def visit_FunctionDef(self, node):  # the body is another scope: only the name (and decorators, defaults)
        self._add(node.name)
        for child in node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.visit(child)

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node):
        for child in node.args.defaults:
            self.visit(child)

    def _comprehension(self, node):  # its targets are its own; only the first iterable runs in this scope
        self.visit(node.generators[0].iter)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_NamedExpr(self, node):
        self._add(node.target.id)
        self.visit(node.value)

    def visit_Import(self, node):
        for alias in node.names:
            self._add((alias.asname or alias.name).split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node):
        if node.name:
            self._add(node.name)
        self.generic_visit(node)


def stores(nodes):
    """(names, composites): the plain names assigned by these nodes (in order, once each) and the source of their
    attribute and subscript assignment targets (`self.x`, `a[i]`)."""
    visitor = _Stores()
    for node in nodes:
        visitor.visit(node)
    return visitor.names, visitor.composites


def assigned(nodes):
    return set(stores(nodes)[0])


def loads(nodes):
    """Every name read anywhere in these nodes, nested functions and lambdas included (they read when called)."""
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def read_before_write(stmts, defined=frozenset()):
    """(exposed, defined): the names these statements may read before they assign them (given `defined`, the
    names already assigned), and the names certainly assigned once they ran."""
    exposed, defined = set(), set(defined)
    for stmt in stmts:
        if isinstance(stmt, ast.If):
            exposed |= loads([stmt.test]) - defined
            e1, d1 = read_before_write(stmt.body, defined)
            e2, d2 = read_before_write(stmt.orelse, defined)
            exposed |= e1 | e2
            defined |= d1 & d2
        elif isinstance(stmt, (ast.For, ast.While)):
            head = [stmt.iter] if isinstance(stmt, ast.For) else [stmt.test]
            exposed |= loads(head) - defined
            inner = defined | (assigned([stmt.target]) if isinstance(stmt, ast.For) else set())
            exposed |= read_before_write(stmt.body, inner)[0] | read_before_write(stmt.orelse, defined)[0]
        elif isinstance(stmt, ast.With):
            exposed |= loads(stmt.items) - defined
            e, d = read_before_write(stmt.body, defined | assigned(stmt.items))
            exposed |= e
            defined |= d
        else:  # a simple statement reads (its value) before it assigns (its targets)
            exposed |= loads([stmt]) - defined
            if not isinstance(stmt, ast.Try):
                defined |= assigned([stmt])
    return exposed, defined
