"""Deal registration: partners claim an opportunity, the channel team approves or rejects it."""
