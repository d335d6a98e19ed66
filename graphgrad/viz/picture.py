"""DOT text and its rendering through Graphviz (the `graphviz` Python package and the system's `dot`).

The DOT source is built by plain string formatting, so graphs can be described (and tested) without Graphviz;
only `Picture.pipe` / `Picture.save` need it, and say how to install it when it is missing.
"""
from __future__ import annotations

import os

FORMATS = ("svg", "png", "pdf", "dot")
INSTALL_HINT = ("graphgrad.viz needs Graphviz: pip install 'graphgrad[viz]' (the graphviz package) and the "
                "system's dot (apt-get install graphviz, brew install graphviz)")


def quote(text) -> str:
    """A DOT string literal; newlines become centred line breaks."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def attrs(**kw) -> str:
    items = [f"{k}={quote(v)}" for k, v in kw.items() if v is not None]
    return f" [{', '.join(items)}]" if items else ""


class Picture:
    """A graph picture: `source` is its DOT text; `pipe(fmt)` renders it, `save(path)` writes a file whose
    format follows the suffix (.svg, .png, .pdf, or .dot for the text itself)."""

    def __init__(self, source: str):
        self.source = source

    def __str__(self):
        return self.source

    def pipe(self, format: str = "svg") -> bytes:
        if format == "dot":
            return self.source.encode()
        if format not in FORMATS:
            raise ValueError(f"unknown picture format {format!r}; choose from {', '.join(FORMATS)}")
        try:
            import graphviz
        except ImportError:
            raise RuntimeError(INSTALL_HINT) from None
        try:
            return graphviz.Source(self.source).pipe(format=format)
        except graphviz.ExecutableNotFound:
            raise RuntimeError(INSTALL_HINT) from None

    def save(self, path) -> str:
        path = os.fspath(path)
        suffix = os.path.splitext(path)[1].lstrip(".").lower()
        if suffix not in FORMATS:
            raise ValueError(f"cannot tell the picture format from {path!r}; use one of "
                             f"{', '.join('.' + f for f in FORMATS)}")
        data = self.pipe(suffix)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def _repr_svg_(self):  # Jupyter shows the picture inline
        return self.pipe("svg").decode()
