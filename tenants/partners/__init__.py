"""Channel partners and their hierarchy (a distributor's sub-partners, any depth)."""
