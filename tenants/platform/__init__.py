"""What exists before or above a tenant: tenants, platform admins, the API-key index, default rules."""
