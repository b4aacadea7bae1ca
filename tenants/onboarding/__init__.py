"""Partner onboarding: applications and their review, the partner agreement and its acceptance."""
