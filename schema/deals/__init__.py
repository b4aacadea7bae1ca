"""Deals, stages and the pipeline in the graph."""
