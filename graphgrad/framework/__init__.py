"""Graph construction: Graph, Operation, Tensor, shapes, dtypes, errors. Knows nothing about execution."""
