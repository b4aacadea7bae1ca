"""Who the caller is (viewer), signing in, invitations, and (for admins) users and their roles."""
