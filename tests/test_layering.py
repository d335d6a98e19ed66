"""The runtime knows ops only through the facts they declare on OpDef (framework/op_def.py): runtime/ imports no
module above it and names no op type, so that a new op gets what the plan does for the built-in ones (folding,
fusion, kept buffers) by declaring it in its own file, and the runtime cannot grow a special case for one op."""
import ast
import pathlib

import graphgrad  # noqa: F401 (registers every op type in OP_DEFS)
from graphgrad.framework.op_def import OP_DEFS, OpDef

RUNTIME = pathlib.Path(graphgrad.__file__).parent / "runtime"
#: What runtime/ may import from graphgrad: the bookkeeping below it, itself, and the process-wide config.
ALLOWED = ("graphgrad.framework", "graphgrad.runtime", "graphgrad.config")


def _modules():
    files = sorted(RUNTIME.glob("*.py"))
    assert files
    return [(f, ast.parse(f.read_text(), filename=str(f))) for f in files]


def _imported(node):
    """Absolute names of the graphgrad modules an import statement brings in."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level == 0:
        return [node.module]
    package = ["graphgrad", "runtime"][: 3 - node.level] if node.level <= 2 else []
    base = ".".join(package + ([node.module] if node.module else []))
    return [base] if node.module else [f"{base}.{a.name}" for a in node.names]


def _docstrings(tree):
    """The string constants that are whole statements (docstrings): text, not code."""
    return {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}


def test_runtime_imports_nothing_above_it():
    bad = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for name in _imported(node):
                    if name.startswith("graphgrad") and not name.startswith(ALLOWED):
                        bad.append(f"{path.name}:{node.lineno} imports {name}")
    assert bad == []


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
