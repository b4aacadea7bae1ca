"""Customer accounts and the people (contacts) at customers and partners."""
