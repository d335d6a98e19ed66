"""The op modules' layout (docs/design.md, "The op modules"): math_ops.py and nn_ops.py only re-export the op
families, and the modules under ops/ import the family modules, never those two."""
import ast
import pathlib

import graphgrad
from graphgrad.framework.op_def import OP_DEFS
from graphgrad.ops import math_ops, nn_ops

OPS = pathlib.Path(graphgrad.__file__).parent / "ops"
FACADES = ("math_ops", "nn_ops")


def test_the_re_export_modules_define_no_op():
    assert not [t for t, cls in OP_DEFS.items() if cls.__module__.rsplit(".", 1)[-1] in FACADES]
    for module in (math_ops, nn_ops):
        for name in module.__all__:
            assert getattr(module, name).__module__ != module.__name__, name


def test_ops_modules_do_not_import_the_re_export_modules():
    bad = []
    for path in sorted(OPS.glob("*.py")):
        if path.stem in FACADES:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
                bad += [f"{path.name}:{node.lineno} imports {n}" for n in names if n in FACADES]
    assert bad == []
