"""Background work on Dramatiq: the broker, the outbox relay and the actors."""
