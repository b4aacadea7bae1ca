"""Matching companies across records: normalised names and registrable domains, keys and scores."""
