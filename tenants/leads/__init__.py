"""Lead distribution: vendor leads offered to partners by the tenant's rules, accepted or declined within an SLA."""
