"""Alembic migrations: schemas, tables, grants, row-level security policies and indexes."""
