"""Field masks decided at validation: a field the caller may not read fails the whole operation.

The rule runs before anything executes, fragments included, and names the field in a FORBIDDEN error;
every execution path sees the same verdict. One rule class per set of masked fields, reused.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import FieldNode, GraphQLError, ValidationRule
from strawberry.extensions import SchemaExtension

from authz.masks import masked_fields


@lru_cache(maxsize=256)
def mask_rule(masked: frozenset[tuple[str, str]]) -> type[ValidationRule]:
    class FieldMask(ValidationRule):
        def enter_field(self, node: FieldNode, *_args: object) -> None:
            parent = self.context.get_parent_type()
            if parent is not None and (parent.name, node.name.value) in masked:
                name = f"{parent.name}.{node.name.value}"
                self.report_error(
                    GraphQLError(
                        f"{name} is not available to you",
                        node,
                        extensions={"code": "FORBIDDEN", "field": name},
                    )
                )

    return FieldMask


class FieldMasks(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context.context
        masked = masked_fields(context.decisions.allows)
        if masked:
            rules = self.execution_context.validation_rules
            self.execution_context.validation_rules = (*rules, mask_rule(masked))
        yield
