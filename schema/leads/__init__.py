"""Leads, their assignments and distribution rules in the graph."""
