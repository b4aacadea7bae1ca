"""Partners in the graph."""
