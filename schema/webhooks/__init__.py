"""Webhook endpoints and deliveries in the graph (vendor admins)."""
