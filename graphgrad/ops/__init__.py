"""Op definitions, one module per family; each op holds its shape rule, kernel and gradient together."""
