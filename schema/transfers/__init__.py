"""Import and export jobs in the graph: progress, per-row problems, export requests."""
