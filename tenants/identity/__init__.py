"""People and credentials inside a tenant: users, memberships, invitations, API keys."""
