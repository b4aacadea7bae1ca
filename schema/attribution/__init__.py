"""Channel attribution in the graph."""
