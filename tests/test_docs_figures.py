"""The figures the docs quote from running code (tools/docs_figures.py) match what the code gives now."""
import importlib.util
import pathlib
import re
import sys

import pytest

_path = pathlib.Path(__file__).resolve().parent.parent / "tools" / "docs_figures.py"
_spec = importlib.util.spec_from_file_location("docs_figures", _path)
figures = sys.modules["docs_figures"] = importlib.util.module_from_spec(_spec)  # dataclasses look it up
_spec.loader.exec_module(figures)


@pytest.mark.parametrize("figure", [f for f in figures.FIGURES if f.kind == "fast"], ids=lambda f: f.pattern[:40])
def test_fast_figures_are_current(figure):
    status, quoted, got = figures.check(figure)
    assert status == "ok", f"{figure.doc} quotes {quoted!r}; the code gives {got!r} (python tools/docs_figures.py)"


def test_every_figure_is_still_quoted():
    """A figure whose text left its doc (reworded) would be checked no more: the list must follow the docs."""
    for f in figures.FIGURES:
        assert re.search(f.pattern, (figures.ROOT / f.doc).read_text(encoding="utf-8")), (f.doc, f.pattern)


def test_a_stale_figure_is_reported(tmp_path, monkeypatch):
    (tmp_path / "doc.md").write_text("The default split is 9 train / 9 test.", encoding="utf-8")
    monkeypatch.setattr(figures, "ROOT", tmp_path)
    stale = figures.Figure("doc.md", r"The default split is [\d,]+ train / [\d,]+ test",
                           lambda: figures._digits_split("The default split is {:,} train / {:,} test"))
    assert figures.check(stale)[0] == "stale"
    assert figures.check(figures.Figure("doc.md", r"split", lambda: None))[0] == "skipped"
