"""Bulk import and export: files staged in PostgreSQL (never on a gateway's disk), processed by workers."""
