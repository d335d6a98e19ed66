"""Every ```python block of README.md and docs/*.md runs, so the docs cannot drift from the code.

The blocks of one file run in order in one namespace (a later block may use what an earlier one built), which
starts with `tf` (graphgrad) and `np` (NumPy), in a fresh default graph and an empty working directory. A block
that cannot run here says so on the line before its fence: `<!-- no-test: why -->` (a download, a GPU, a
fragment of a larger program, an outline).
"""

import contextlib
import io
import linecache
import pathlib
import re
import textwrap

import numpy as np
import pytest

import graphgrad

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<marker>[ \t]*<!--\s*no-test\b[^>]*-->[ \t]*\n)?(?P<indent>[ \t]*)```python[ \t]*\n"
                   r"(?P<code>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)


def blocks(path):
    """(line, code or None when marked no-test) of each python block."""
    text = path.read_text(encoding="utf-8")
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start("indent")) + 1
        yield line, None if m.group("marker") else textwrap.dedent(m.group("code"))


def test_the_fence_pattern_finds_every_python_block():
    for path in DOCS:
        opened = len(re.findall(r"^[ \t]*```python[ \t]*$", path.read_text(encoding="utf-8"), re.M))
        assert len(list(blocks(path))) == opened, path.name


@contextlib.contextmanager
def _graph_mode_afterwards():
    from graphgrad.eager.context import _disable_eager_execution, eager_enabled

    was = eager_enabled()
    try:
        yield
    finally:
        if not was:
            _disable_eager_execution()


@pytest.mark.parametrize("path", [p for p in DOCS if any(code for _, code in blocks(p))], ids=lambda p: p.name)
def test_docs_python_blocks_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GRAPHGRAD_DATA_DIR", str(tmp_path / "data"))
    namespace = {"tf": graphgrad, "np": np, "__name__": "__docs__"}
    # A page may switch eager execution on (tf.enable_eager_execution(), as a program would at its start):
    # graph mode comes back after the page, for the next test.
    with _graph_mode_afterwards():
        for line, code in blocks(path):
            if code is None:
                continue
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    name = f"{path.name}:{line}"
                    linecache.cache[name] = (len(code), None, code.splitlines(True), name)  # for inspect.getsource
                    exec(compile(code, name, "exec"), namespace)
                except Exception as e:
                    pytest.fail(f"the block at {path.name}:{line} fails: {type(e).__name__}: {e}")
