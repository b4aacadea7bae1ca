"""The transactional outbox: side effects of a write, recorded in the write's own transaction."""
