"""Terminal output: stage headers, progress bars with ETA (rich), quiet when not a terminal."""

from __future__ import annotations

import contextlib
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


class Reporter:
    """Prints what a run does.  ``quiet`` silences everything but warnings."""

    def __init__(self, quiet: bool = False):
        self.console = Console(stderr=True, highlight=False)
        self.quiet = quiet

    def info(self, message: str) -> None:
        if not self.quiet:
            self.console.print(message)

    def warn(self, message: str) -> None:
        self.console.print(f"[yellow]warning:[/yellow] {message}")

    @contextlib.contextmanager
    def bar(self, label: str, total: int):
        """Yields ``update(done, total, message)`` for a progress bar with ETA."""
        if self.quiet or not sys.stderr.isatty():
            def plain(done, total_, message=""):
                self.info(f"  {label}: {done}/{total_} {message}")
            yield plain
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[note]}"), TimeRemainingColumn())
        with Progress(*columns, console=self.console, transient=False) as progress:
            task = progress.add_task(label, total=total, note="")

            def update(done, total_, message=""):
                progress.update(task, completed=done, total=total_, note=message)
            yield update
