"""Customers and contacts in the graph."""
