"""Partner applications, the partner agreement and its acceptance in the graph."""
