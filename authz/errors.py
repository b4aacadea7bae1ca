"""Authorization errors."""

from __future__ import annotations

from authz.actions import Action


class Forbidden(Exception):
    def __init__(self, action: Action) -> None:
        super().__init__(str(action))
        self.action = action
