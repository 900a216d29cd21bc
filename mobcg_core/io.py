"""Atomic file writes and stable hashes.

Every result file is written to a temporary sibling and renamed into place, so a
run killed at any moment leaves either the old file or the new one, never half.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

try:  # the TOML reader of every run and data file (tomllib from Python 3.11)
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib  # noqa: F401 (re-exported)


def umask() -> int:
    """The process's file-creation mask (read without changing it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_write(path: str | Path, writer) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes 0600; a result file gets the mode open() would give it (0666 less umask)
        os.fchmod(fd, 0o666 & ~umask())
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    _atomic_write(path, lambda fh: fh.write(text.encode()))


def atomic_write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented JSON atomically (numpy values converted)."""
    atomic_write_text(path, json.dumps(data, indent=2, default=_to_builtin, sort_keys=False) + "\n")


def atomic_save_npz(path: str | Path, **arrays: np.ndarray) -> None:
    """Save arrays to an ``.npz`` file atomically."""
    _atomic_write(path, lambda fh: np.savez(fh, **arrays))


def read_json(path: str | Path) -> Any:
    with open(path) as fh:
        return json.load(fh)


def _to_builtin(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def stable_hash(data: Any, length: int = 16) -> str:
    """Hex SHA-256 of the canonical JSON of ``data`` (key order independent)."""
    text = json.dumps(data, sort_keys=True, default=_to_builtin, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def file_hash(path: str | Path, length: int = 16) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:length]


@contextmanager
def new_folder(out_dir: str | Path, what: str = "folder", replace: bool = False) -> Iterator[Path]:
    """Fill a new folder all at once: yields an empty temporary sibling, renamed to
    ``out_dir`` when the block succeeds and removed when it fails, so a failed command
    leaves no half-written folder.  ``out_dir`` must be absent or an empty folder, unless
    ``replace``: then an existing folder is swapped out only once the new one is complete."""
    from mobcg_core.contract.errors import MobcgError

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise MobcgError(f"{out_dir}: exists and is not a folder (choose a new {what})")
    if out_dir.exists() and not replace and any(out_dir.iterdir()):
        raise MobcgError(f"{out_dir}: exists and is not an empty folder (choose a new {what})")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    tmp.chmod(0o777 & ~umask())  # mkdtemp makes 0700; the folder gets the mode mkdir would give it
    try:
        yield tmp
        if out_dir.exists():
            old = tmp.with_name(tmp.name + ".old")
            out_dir.replace(old)
            tmp.replace(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.replace(out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
