"""The compiled read path: plain-data queries become SQL that builds the response JSON in PostgreSQL."""
