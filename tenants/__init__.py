"""The tenant-scoped store and its business logic. Only `tenant_session` opens units of work."""
