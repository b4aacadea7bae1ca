"""The GraphQL layer only: types, queries, mutations and loaders per domain, and the shared glue."""
