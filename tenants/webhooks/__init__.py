"""Webhook endpoints, deliveries and their attempts; signing and the address policy (SSRF)."""
