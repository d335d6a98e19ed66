"""Expressions whose Python meaning needs a bool: `and`, `or`, `not`, `x if c else y`; and calls, so that the
functions a converted function calls are converted too (and `print` becomes `tf.print` on tensors)."""
from __future__ import annotations

import ast

from .templates import call, thunk


class ExpressionConverter(ast.NodeTransformer):
    """Rewrites the operators into `ag__` calls with lazily evaluated operands, and `f(...)` into
    `ag__.converted_function(f)(...)` (the call itself keeps its syntax: `*args`, keywords)."""

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        if _binds_names(node):  # a `:=` inside would bind in the lambda instead: leave it to Python
            return node
        name = "and_" if isinstance(node.op, ast.And) else "or_"
        return ast.copy_location(call(name, *[thunk(v) for v in node.values]), node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return ast.copy_location(call("not_", node.operand), node)
        return node

    def visit_IfExp(self, node):
        self.generic_visit(node)
        if _binds_names(node):
            return node
        return ast.copy_location(call("if_exp", node.test, thunk(node.body), thunk(node.orelse)), node)

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "super":  # zero-argument super needs its own frame
            return node
        node.func = call("converted_function", node.func)
        return node


def _binds_names(node):
    return any(isinstance(n, (ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await)) for n in ast.walk(node))
