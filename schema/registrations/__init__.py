"""Deal registration in the graph."""
