"""Authorization errors."""

from __future__ import annotations

from authz.actions import Action


class Forbidden(Exception):
    """The caller may not perform `action`; `str()` is the action as `object:action`."""

    def __init__(self, action: Action) -> None:
        super().__init__(str(action))
        self.action = action
