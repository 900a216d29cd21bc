"""Exceptions that the CLI turns into one-line messages (no traceback).

Two families matter to every stage that runs many jobs (database, IBI, validation):

* :class:`PhysicalFailure` — the *input* failed: a synthetic molecule that blows up,
  a box shorter than twice the cutoff, an untypable atom.  Such a failure is a
  result: it is recorded, and a rerun skips it (the same input fails the same way).
* :class:`EnvironmentFailure` — the *machine* failed: a missing executable or
  module, an unavailable engine, a full disk, a lost worker.  It is never recorded
  as a result; the stage stops at the first one with a line that names the fix,
  and a rerun after the fix completes the study.  Any exception that is not a
  :class:`PhysicalFailure` (a bug included) is treated the same way.

The split is made by type (:func:`is_physical`), never by message text.
"""

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


class PhysicalFailure(MobcgError):
    """The physics of this input failed; a result to record, not to retry."""


class SimulationError(PhysicalFailure):
    """A simulation of this input failed (NaN energies, a box below twice the cutoff)."""


class BlowUpError(SimulationError):
    """The integration diverged: non-finite energy or positions, lost atoms.

    Engines raise this type (not a message that says "blew up") so that callers
    such as the timestep scan can tell divergence from other failures.
    """


class MoleculeError(PhysicalFailure):
    """A molecule cannot be built: untypable atom, no conformer, cannot be packed."""


class EnvironmentFailure(MobcgError):
    """The machine, not the input: fix the environment and rerun; never recorded as a result."""


class MissingDependencyError(EnvironmentFailure):
    """An executable or module that mobcg needs is not installed."""


class PluginError(EnvironmentFailure):
    """A plugin is unknown, unavailable or broke its contract."""


class LockedError(EnvironmentFailure):
    """Another process is writing the same study folder or database."""


class StaleResultError(MobcgError):
    """A stored result was made with other settings: refused (never mixed, never overwritten),
    and the refused run leaves every file of the study as it found it."""


class TableError(MobcgError):
    """A potential table file is malformed or does not fit its use."""


class TrajectoryError(MobcgError):
    """A user's all-atom trajectory cannot be read or does not describe one liquid."""


def is_physical(exc: BaseException) -> bool:
    """True when ``exc`` is a result of the input's physics (record it), False otherwise."""
    return isinstance(exc, PhysicalFailure)
