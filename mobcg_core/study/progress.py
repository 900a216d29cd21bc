"""Terminal output: results on stdout, progress on stderr, everything in the output's mobcg.log.

* ``info`` / ``warn``: what a run is doing, on stderr (``-q`` keeps only warnings);
* ``result``: what a command produced (tables, the summary), on stdout, also with ``-q``, so
  ``mobcg run f.toml > results.md`` keeps the results and a pipe gets them whole;
* every line of the three also goes to ``OUT/mobcg.log`` with a time stamp once a study has
  an output folder (:meth:`Reporter.attach_log`).

Markup is off: text is printed as written, so units in brackets ("P [bar]", "ρ [g/cm³]") stay,
and lines are never hard-wrapped (a markdown row or a path stays on one line in a pipe).
Styles are given explicitly (``style=``) or as :class:`rich.text.Text`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


def _console(stderr: bool) -> Console:
    return Console(stderr=stderr, highlight=False, markup=False, soft_wrap=True, emoji=False)


class Reporter:
    """Prints what a run does (stderr) and what it found (stdout); ``quiet`` keeps warnings and results."""

    def __init__(self, quiet: bool = False):
        self.console = _console(stderr=True)
        self.out = _console(stderr=False)
        self.quiet = quiet
        self._log = None
        self._log_path, self._log_start = None, None

    def attach_log(self, path: str | Path) -> None:
        """Append every later message to ``path`` (plain text, one time stamp per message)."""
        self.close()
        path = Path(path)
        st = path.stat() if path.exists() else None
        self._log_path, self._log_start = path, st.st_size if st else None
        self._log_times = (st.st_atime_ns, st.st_mtime_ns) if st else None
        self._log = open(path, "a", encoding="utf-8", buffering=1)
        self._write_log("info", f"mobcg {' '.join(sys.argv[1:])}".strip())

    def rollback_log(self) -> None:
        """Remove what this run appended to the log (a refused run leaves no trace in the folder)."""
        self.close()
        if self._log_start is None:
            self._log_path.unlink(missing_ok=True)
        else:
            with open(self._log_path, "r+b") as fh:
                fh.truncate(self._log_start)
            os.utime(self._log_path, ns=self._log_times)

    def info(self, message, style: str | None = None) -> None:
        self._write_log("info", message)
        if not self.quiet:
            self.console.print(message, style=style)

    def warn(self, message: str) -> None:
        from rich.text import Text

        self._write_log("warning", message)
        self.console.print(Text("warning: ", style="yellow") + Text(str(message)))

    def result(self, renderable) -> None:
        """A result: stdout, printed with ``-q`` too, and logged."""
        self._write_log("result", renderable)
        self.out.print(renderable)

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def _write_log(self, kind: str, message) -> None:
        if self._log is None:
            return
        if not isinstance(message, str):  # a rich Table or Text: its plain-text rendering
            capture = Console(width=200, markup=False, highlight=False, color_system=None, file=open("/dev/null", "w"))
            with capture.capture() as cap:
                capture.print(message)
            message = cap.get()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self._log.write("".join(f"{stamp} {kind}: {line}\n" for line in str(message).rstrip("\n").splitlines()))

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
