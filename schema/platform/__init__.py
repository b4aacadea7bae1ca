"""Platform operations: provisioning and running tenants."""
