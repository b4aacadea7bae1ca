"""The edge's one check of argument values (docs/architecture.md, "Arguments at the edge").

Before an operation runs — on the resolver path (`ArgumentChecks`, a schema extension) and on the compiled
read path (`schema/compiled/reads.py`) — every argument of every field it selects is coerced as the field
will receive it and checked here, once, against its declaration:

- **text** (`String`, `ID`, at any depth of an input object or list) holds no NUL, other control characters
  but tab and line breaks, unpaired surrogates or Unicode noncharacters, and is at most its maximum length:
  the one declared on the argument or input field (`strawberry.argument/field(metadata=limit(n))`), else
  the one its name has in `TEXT_LIMITS`, else `DEFAULT_TEXT` — fail closed, every string has one;
- **decimals** are finite and fit the money columns (`tenants.money`: precision and scale);
- **page sizes** (`first`, `last`, `limit`) lie within `tenants.pagination.page_size`'s bounds: 0 to the
  declared maximum, else `MAX_PAGE`.

A value that breaks a rule fails the whole operation with one `BAD_USER_INPUT` naming the argument
(`extensions.field`: its name, as services name fields; the message gives its path, `input.name: ...`)
before anything runs, so nothing changes and both read paths answer alike.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)
from graphql.execution.values import get_argument_values, get_variable_values
from graphql.language import FragmentDefinitionNode
from strawberry.extensions import SchemaExtension

from schema.errors import CodedError
from tenants import money
from tenants.errors import BadInput
from tenants.pagination import MAX_PAGE, page_size

LIMIT = "channelgraph.limit"  # metadata key: a text's maximum length, or a page argument's maximum size


def limit(maximum: int) -> dict[str, int]:
    """Metadata declaring an argument's or input field's own maximum (length of text, size of a page)."""
    return {LIMIT: maximum}


DEFAULT_TEXT = 1_000
NAME = 200
LONG_TEXT = 20_000

# Maximum lengths by argument or input-field name: one vocabulary across the schema, so a name means the same
# thing everywhere (an `email` is an email wherever it appears). Names not listed get `DEFAULT_TEXT`.
TEXT_LIMITS: dict[str, int] = {
    **dict.fromkeys(("email", "adminEmail", "contactEmail"), 254),  # RFC 5321's path limit
    **dict.fromkeys(("domain", "companyDomain"), 253),  # a DNS name
    **dict.fromkeys(("url", "website"), 2048),
    **dict.fromkeys(("password",), 1024),
    **dict.fromkeys(("token", "after", "before"), 1024),  # invitation tokens and cursors
    **dict.fromkeys(("id", "ids"), 200),  # global ids, and every `...Id` below
    **dict.fromkeys(("body", "internalNotes", "message", "description", "need"), LONG_TEXT),
    **dict.fromkeys(("reason",), 2_000),
    **dict.fromkeys(("currency", "defaultCurrency"), 3),
    **dict.fromkeys(
        (
            "name", "firstName", "lastName", "companyName", "contactName", "adminName", "title", "subject",
            "product", "industry", "size", "territory", "tier", "plan", "source", "slug", "tenant", "entity",
            "entityType", "action", "timeZone", "phone", "contactPhone", "roles", "eventTypes", "search",
        ),
        NAME,
    ),
}  # fmt: skip
PAGE_ARGUMENTS = frozenset({"first", "last", "limit"})

# NUL and the other C0 controls but tab, line feed and carriage return; unpaired surrogates (a JSON body may
# carry them as escapes); the noncharacters U+FDD0..U+FDEF and U+xxFFFE/U+xxFFFF of every plane.
_NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]"
)


def refused(path: str, message: str) -> CodedError:
    """The error naming the argument as services do (`extensions.field`: the argument's or input field's own
    name, `url`), its whole path in the message (`input.url: ...`)."""
    field = path.rsplit(".", 1)[-1].split("[", 1)[0]
    return CodedError(f"{path}: {message}", "BAD_USER_INPUT", field=field)


def check_text(value: str, maximum: int, path: str) -> None:
    if len(value) > maximum:
        raise refused(path, f"at most {maximum} characters")
    if _NOT_TEXT.search(value):
        raise refused(path, "holds a character that is not allowed (a control character, NUL or noncharacter)")


def check_decimal(value: decimal.Decimal, path: str) -> None:
    if not value.is_finite():
        raise refused(path, "must be a finite number")
    if abs(value) >= money.AMOUNT_BOUND:
        raise refused(path, f"must be less than {money.AMOUNT_BOUND} in magnitude")


def _declared(definition: GraphQLArgument | GraphQLInputField) -> int | None:
    found = getattr(definition.extensions.get("strawberry-definition"), "metadata", None) or {}
    maximum = found.get(LIMIT)
    return maximum if isinstance(maximum, int) else None


def check_value(type_: Any, value: Any, name: str, maximum: int | None, path: str) -> None:
    """`value` (as coerced for `type_`) against the rules for the argument or input field `name`."""
    if value is None:
        return
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            check_value(type_.of_type, item, name, maximum, f"{path}[{i}]")
        return
    if isinstance(type_, GraphQLInputObjectType):
        for field_name, field in type_.fields.items():
            if field_name in value:
                check_value(field.type, value[field_name], field_name, _declared(field), f"{path}.{field_name}")
        return
    named = get_named_type(type_).name
    if named in ("String", "ID") and isinstance(value, str):
        bound = maximum or TEXT_LIMITS.get(name) or (200 if name.endswith("Id") else DEFAULT_TEXT)
        check_text(value, bound, path)
    elif named == "Decimal" and isinstance(value, decimal.Decimal):
        check_decimal(value, path)
    elif named == "Int" and name in PAGE_ARGUMENTS and isinstance(value, int):
        try:
            page_size(value, maximum=maximum or MAX_PAGE, field=path)
        except BadInput as error:
            raise refused(path, error.message) from None


@dataclass(frozen=True)
class Site:
    """A field with arguments, selected somewhere in an operation."""

    field: GraphQLField
    node: FieldNode


def sites(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) -> tuple[Site, ...]:
    """The fields with arguments that `operation` (and any fragment of the document) selects."""
    info = TypeInfo(schema)
    found: list[Site] = []

    class Collect(Visitor):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> Any:
            return None if node is operation else self.SKIP

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            field = info.get_field_def()
            if field is not None and field.args:
                found.append(Site(field, node))

    for definition in document.definitions:
        if definition is operation or isinstance(definition, FragmentDefinitionNode):
            visit(definition, TypeInfoVisitor(info, Collect()))
    return tuple(found)


def first_refusal(found: tuple[Site, ...], variables: dict[str, Any]) -> GraphQLError | None:
    """The error of the first argument value that breaks a rule, or None. `variables` are coerced."""
    for site in found:
        try:
            values = get_argument_values(site.field, site.node, variables)
        except GraphQLError:
            continue  # the execution reports a value that does not coerce
        for name, value in values.items():
            argument = site.field.args[name]
            try:
                check_value(argument.type, value, name, _declared(argument), name)
            except CodedError as error:
                return GraphQLError(error.message, site.node, extensions=error.extensions)
    return None


def coerced(schema: GraphQLSchema, operation: OperationDefinitionNode, raw: dict[str, Any] | None) -> Any:
    """The operation's variables as its fields receive them, or None when they do not coerce (the execution
    then reports it)."""
    values = get_variable_values(schema, operation.variable_definitions or (), raw or {})
    return None if isinstance(values, list) else values


def operation_of(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name is not None and o.name.value == name), None)


class ArgumentChecks(SchemaExtension):
    """The resolver path's check: an operation with a refused argument does not run."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = operation_of(document, context.operation_name) if document is not None else None
        if operation is not None:
            schema = context.schema._schema
            variables = coerced(schema, operation, context.variables)
            if variables is not None:
                error = first_refusal(sites(schema, document, operation), variables)  # type: ignore[arg-type]
                if error is not None:
                    context.result = ExecutionResult(data=None, errors=[error])
        yield
