"""Layering you can see in the imports (docs/design.md, "Layers of the code").

framework/ (graphs, shapes, dtypes, errors, the OpDef base) imports nothing else of graphgrad; ops/ never imports
the runtime (control flow gets sub-plans through the run context); runtime/ imports no op module and names no op
type: it knows ops only through the facts they declare on OpDef, so a new op gets what the plan does for the
built-in ones (folding, fusion, kept buffers) by declaring it in its own file. What a lower layer needs from a
higher one (Tensor.eval, Operation.run, Graph.as_graph_def, Variable's operators) is installed from above."""
import ast
import pathlib

import pytest

import graphgrad  # noqa: F401 (registers every op type in OP_DEFS)
from graphgrad.framework.op_def import OP_DEFS, OpDef

PACKAGE = pathlib.Path(graphgrad.__file__).parent
#: What each layer may import from graphgrad (anything else of graphgrad is an upward edge). The op modules'
#: gradient of control flow builds gradients (autodiff sits beside the ops: it only builds graph ops).
ALLOWED_BY_LAYER = {
    "framework": ("graphgrad.framework",),
    "ops": ("graphgrad.framework", "graphgrad.ops", "graphgrad.autodiff"),
    "runtime": ("graphgrad.framework", "graphgrad.runtime", "graphgrad.config"),
}
ALLOWED = ALLOWED_BY_LAYER["runtime"]


def _modules(layer="runtime"):
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files
    return [(f, ast.parse(f.read_text(), filename=str(f))) for f in files]


def _imported(node, path=PACKAGE / "runtime" / "x.py"):
    """Absolute names of the graphgrad modules an import statement in the module at `path` brings in."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level == 0:
        return [node.module]
    package = ["graphgrad", *path.parent.relative_to(PACKAGE).parts]
    package = package[: len(package) - (node.level - 1)]
    base = ".".join(package + ([node.module] if node.module else []))
    return [base] if node.module else [f"{base}.{a.name}" for a in node.names]


@pytest.mark.parametrize("layer", ALLOWED_BY_LAYER)
def test_no_layer_imports_a_layer_above_it(layer):
    bad = []
    for path, tree in _modules(layer):
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for name in _imported(node, path):
                    if name.startswith("graphgrad") and not name.startswith(ALLOWED_BY_LAYER[layer]):
                        bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno} imports {name}")
    assert bad == []


def test_the_import_walk_resolves_relative_imports():
    tree = ast.parse("from ..runtime.plan import Plan\nfrom . import core\nfrom .core import x\n")
    names = [n for node in ast.walk(tree) for n in (_imported(node, PACKAGE / "ops" / "m.py")
                                                    if isinstance(node, ast.ImportFrom) else [])]
    assert names == ["graphgrad.runtime.plan", "graphgrad.ops.core", "graphgrad.ops.core"]


def _docstrings(tree):
    """The string constants that are whole statements (docstrings): text, not code."""
    return {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}


def test_runtime_names_no_op_type():
    types = set(OP_DEFS)
    assert {"MatMul", "Relu", "VariableV2", "Const"} <= types
    bad = []
    for path, tree in _modules():
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in types
                    and id(node) not in docs):
                bad.append(f"{path.name}:{node.lineno} names op type {node.value!r}")
    assert bad == []


def test_runtime_reads_only_declared_op_facts():
    """`getattr(op_def, "name", default)` would be a hook nobody declared: every fact has its default on OpDef."""
    bad = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                    and "op_def" in ast.unparse(node.args[0]) and not hasattr(OpDef, node.args[1].value)):
                bad.append(f"{path.name}:{node.lineno} reads undeclared {node.args[1].value!r}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and ast.unparse(node.value).endswith(("op_def", "od")):
                if not hasattr(OpDef, node.attr):
                    bad.append(f"{path.name}:{node.lineno} reads undeclared {node.attr!r}")
    assert bad == []


def test_the_test_sees_what_it_forbids(tmp_path):
    """The checks above would catch the old special cases (an import of an op module, an op type by name)."""
    tree = ast.parse('from ..ops.core import _feed_error\nif op.op_def.type == "Relu":\n    """Relu here."""\n')
    names = [n for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             for n in _imported(node)]
    assert names == ["graphgrad.ops.core"]
    docs = _docstrings(tree)
    literals = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in docs]
    assert literals == ["Relu"]
