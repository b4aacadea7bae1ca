"""The tenant's audit log and its own authorization rules."""
