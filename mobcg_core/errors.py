"""Exceptions that the CLI turns into one-line messages (no traceback)."""

from __future__ import annotations


class MobcgError(Exception):
    """An error the user can fix; its message is printed as one line."""


class ConfigError(MobcgError):
    """Problems found in a run file.

    Each problem is ``(key_path, message)``; the message says what is wrong and
    what was expected.  ``str()`` gives one ``FILE: key: message`` line each.
    """

    def __init__(self, file: str, problems: list[tuple[str, str]]):
        self.file = str(file)
        self.problems = list(problems)
        super().__init__(self.format())

    def format(self) -> str:
        return "\n".join(f"{self.file}: {key}: {msg}" for key, msg in self.problems)


class PluginError(MobcgError):
    """A plugin is unknown, unavailable or broke its contract."""


class SimulationError(MobcgError):
    """A simulation failed (NaN energies, exploding box, engine error)."""


class TableError(MobcgError):
    """A potential table file is malformed or does not fit its use."""
