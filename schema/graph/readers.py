"""Who may read a field: an allow-list of audiences, and the actions each reader must also hold.

A field is readable by a caller whose audience is listed and whose roles allow every named action (vendor
roles differ by action; a tenant's own policy lines can narrow any of them). Anything not listed is masked:
a new field is invisible until its declaration names who may read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from authz.actions import Action
from authz.principal import Audience


@dataclass(frozen=True)
class Readers:
    audiences: frozenset[Audience]
    actions: frozenset[Action] = frozenset()

    def __or__(self, other: Readers) -> Readers:
        if self.actions != other.actions:
            raise ValueError("combine audiences first, then name the actions they need (`.needs(...)`)")
        return Readers(self.audiences | other.audiences, self.actions)

    def needs(self, *actions: Action) -> Readers:
        return Readers(self.audiences, self.actions | frozenset(actions))

    def admits(self, audience: Audience, allows: Callable[[Action], bool]) -> bool:
        return audience in self.audiences and all(allows(action) for action in self.actions)

    def within(self, other: Readers) -> bool:
        """Whether everyone admitted here is admitted by `other` too (a field is never wider than its type)."""
        return self.audiences <= other.audiences and other.actions <= self.actions

    def __str__(self) -> str:
        audiences = ", ".join(sorted(self.audiences))
        return audiences + (f" with {', '.join(sorted(map(str, self.actions)))}" if self.actions else "")


NOBODY = Readers(frozenset())
ANONYMOUS = Readers(frozenset({Audience.ANONYMOUS}))
PLATFORM = Readers(frozenset({Audience.PLATFORM}))
VENDOR = Readers(frozenset({Audience.VENDOR}))
PARTNER = Readers(frozenset({Audience.PARTNER}))
CUSTOMER = Readers(frozenset({Audience.CUSTOMER}))
CHANNEL = VENDOR | PARTNER
TENANT = VENDOR | PARTNER | CUSTOMER
SIGNED_IN = TENANT | PLATFORM
ANYONE = SIGNED_IN | ANONYMOUS
