"""Deals, the tenant's pipeline stages and each deal's stage history."""
