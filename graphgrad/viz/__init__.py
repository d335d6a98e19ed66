"""Pictures of graphs: `draw` (a forward graph through Graphviz), `derivative_graph` (the chain-rule lecture's
reversed graph with local derivatives on its edges), `path_sum` (its sum-over-paths algorithm) and `count_paths`.

Rendering needs the `graphviz` package and the system's `dot` (`pip install 'graphgrad[viz]'`,
`apt-get install graphviz`); building the pictures' DOT text and `path_sum` need neither. See docs/viz.md.
"""
from .derivatives import DerivativeGraph, Edge, count_paths, derivative_edges, derivative_graph, path_sum
from .draw import draw
from .picture import Picture

__all__ = ["draw", "derivative_graph", "path_sum", "count_paths", "derivative_edges", "DerivativeGraph", "Edge",
           "Picture"]
