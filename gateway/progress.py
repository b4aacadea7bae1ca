"""Progress on the operator's terminal (rich, on stderr): a spinner for a step of unknown length, a bar for
work counted in rows. Output meant for scripts (tokens, ids, JSON) stays on stdout, undisturbed."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True, highlight=False)


@contextlib.contextmanager
def step(message: str) -> Iterator[None]:
    """A spinner while the step runs, then one line saying it is done and how long it took."""
    started = time.monotonic()
    with console.status(message + " ..."):
        yield
    console.print(f"[green]✓[/] {message} ({time.monotonic() - started:.1f} s)")


def rows() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=console,
    )
