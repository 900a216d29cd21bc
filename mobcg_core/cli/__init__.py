"""The ``mobcg`` command: argument parsing and one function per sub-command (:mod:`.main`)."""

from mobcg_core.cli.main import main

__all__ = ["main"]
