"""The graph declared once: each object type's fields say what they are and who may read them
(`fields`, `readers`, `entities`); root fields are declared over listings (`listings`); the built schema's
`Visibility` derives the masks, and the compiled read path plans from the same declarations. See
docs/architecture.md, "The field declaration"."""
