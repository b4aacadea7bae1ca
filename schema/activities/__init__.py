"""Activities in the graph."""
