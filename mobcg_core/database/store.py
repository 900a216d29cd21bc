"""The HDF5 database of synthetic samples: one file, appendable, crash-safe.

Layout (``format = "mobcg-database"``, ``format_version = 1``)::

    /                          attrs: format, format_version, mobcg_version, created_utc
    /grid/rdf_r_nm             (n_g,)  g(r) bin centres (nm)
    /grid/potential_r_nm       (n_u,)  U(r) grid (nm)
    /forcefields/<column>      one row per synthetic force field (all-atom run + CG method)
    /samples/<column>          one row per CG run: (mass, g_CG(r), D_CG) -> U(r)
    /failures/<column>         one row per failed job, with its error

Columns are resizable datasets; ``ROW_COLUMNS`` lists them with their units.
String columns hold JSON where a value is structured (force-field parameters,
provenance).  Every row has ``key``: the hash of the job inputs that made it.

Crash safety: a finished job is first written to the journal folder
``FILE.pending/`` (one file per job, renamed into place), then a commit copies
the database, appends the journal and renames the copy over the original.  A
kill at any moment leaves the previous or the new file, both readable, and the
journal still holds every finished job that the file does not.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from mobcg_core.contract.errors import MobcgError
from mobcg_core.io import _atomic_write, atomic_save_npz
from mobcg_core.locking import WriterLock
from mobcg_core.database.columns import FORMAT, FORMAT_VERSION, GROUPS, ROW_COLUMNS, column_dtype  # noqa: F401 (re-exported)


class Database:
    """An HDF5 sample database at ``path`` (created on first commit).

    Args:
        path: the ``.h5`` file.
        rdf_r_nm, potential_r_nm: the grids of a new file; an existing file must
            have the same grids (checked when given).
    """

    def __init__(self, path: str | Path, rdf_r_nm: np.ndarray | None = None,
                 potential_r_nm: np.ndarray | None = None):
        self.path = Path(path)
        self.journal_dir = self.path.with_name(self.path.name + ".pending")
        # One writer at a time: the first add/commit takes the lock, held until close() or exit.
        self._lock = WriterLock(self.path.with_name(self.path.name + ".lock"), f"database {self.path}")
        self._grids = None
        if self.path.exists():
            self._grids = self.grids()
            if rdf_r_nm is not None:
                self._check_grid("rdf_r_nm", rdf_r_nm)
            if potential_r_nm is not None:
                self._check_grid("potential_r_nm", potential_r_nm)
        elif rdf_r_nm is not None and potential_r_nm is not None:
            self._grids = {"rdf_r_nm": np.asarray(rdf_r_nm, float), "potential_r_nm": np.asarray(potential_r_nm, float)}
        elif (self.journal_dir / "grids.npz").exists():  # jobs journalled before the first commit
            with np.load(self.journal_dir / "grids.npz") as data:
                self._grids = {k: data[k] for k in ("rdf_r_nm", "potential_r_nm")}

    # ----------------------------------------------------------------- reading
    def _open(self):
        import h5py

        try:
            fh = h5py.File(self.path, "r")
        except FileNotFoundError:
            raise MobcgError(f"{self.path}: no such database (run a study with the 'database' stage first)")
        except OSError as exc:
            raise MobcgError(f"{self.path}: not a readable HDF5 file ({exc})")
        if fh.attrs.get("format") != FORMAT:
            fh.close()
            raise MobcgError(f"{self.path}: not a mobcg database (attribute format != {FORMAT!r})")
        if int(fh.attrs.get("format_version", -1)) > FORMAT_VERSION:
            fh.close()
            raise MobcgError(f"{self.path}: database format {fh.attrs['format_version']} is newer than this "
                             f"mobcg reads ({FORMAT_VERSION}); upgrade mobcg")
        return fh

    def grids(self) -> dict[str, np.ndarray]:
        """``{"rdf_r_nm": ..., "potential_r_nm": ...}`` of the file."""
        if not self.path.exists() and self._grids is not None:
            return self._grids
        with self._open() as fh:
            return {k: fh["grid"][k][()] for k in ("rdf_r_nm", "potential_r_nm")}

    def _check_grid(self, name: str, values) -> None:
        have, want = self._grids[name], np.asarray(values, float)
        if have.shape != want.shape or not np.allclose(have, want, atol=1e-9):
            raise MobcgError(f"{self.path}: its {name} grid ({len(have)} points, {have[0]:.4g}–{have[-1]:.4g} nm) "
                             f"differs from this study's ({len(want)} points, {want[0]:.4g}–{want[-1]:.4g} nm); "
                             "use another database file or the same analysis/cg grid settings")

    def count(self, group: str = "samples") -> int:
        if not self.path.exists():
            return 0
        with self._open() as fh:
            return int(fh[group]["key"].shape[0])

    def read(self, group: str = "samples", rows: slice | np.ndarray | None = None,
             columns: Iterable[str] | None = None, molecule: str | None = None) -> dict[str, np.ndarray]:
        """Columns of ``group`` (all by default) for ``rows`` (a slice or index array)."""
        if not self.path.exists():
            return {c: np.zeros(0) for c in (columns or ROW_COLUMNS[group])}
        with self._open() as fh:
            g = fh[group]
            sel = slice(None) if rows is None else rows
            if molecule is not None:
                idx = np.flatnonzero(g["molecule"].asstr()[()] == molecule)
                sel = idx if rows is None else idx[rows]
            out = {}
            n = g["key"].shape[0]
            for c in columns or ROW_COLUMNS[group]:
                if c not in g:  # a column newer than the file: its default for every row
                    out[c] = np.asarray([""] * n, dtype=object)[sel]
                    continue
                ds = g[c]
                data = ds.asstr()[sel] if ROW_COLUMNS[group][c][0] == "str" else ds[sel]
                out[c] = np.asarray(data)
            return out

    def keys(self, group: str) -> set[str]:
        """Keys committed to ``group`` plus those waiting in the journal."""
        done = set(self.read(group, columns=["key"])["key"].tolist()) if self.path.exists() else set()
        return done | {k for g, k, _ in self.pending() if g == group}

    # ------------------------------------------------------------------ writing
    def add(self, group: str, row: dict[str, Any]) -> None:
        """Journal one finished job (durable at return); :meth:`commit` moves it into the file."""
        missing = set(ROW_COLUMNS[group]) - set(row)
        if missing:
            raise ValueError(f"row for {group} lacks {sorted(missing)}")
        self._lock.acquire()
        self.journal_dir.mkdir(parents=True, exist_ok=True)
        grids = self.journal_dir / "grids.npz"
        if not self.path.exists() and not grids.exists() and self._grids is not None:
            atomic_save_npz(grids, **self._grids)
        name = f"{group}-{row['key']}.pkl"
        _atomic_write(self.journal_dir / name, lambda fh: pickle.dump((group, row), fh, protocol=4))

    def pending(self) -> list[tuple[str, str, Path]]:
        """Journalled jobs not yet in the file: (group, key, journal file)."""
        if not self.journal_dir.is_dir():
            return []
        out = []
        for p in sorted(self.journal_dir.glob("*.pkl")):
            group, key = p.stem.split("-", 1)
            out.append((group, key, p))
        return out

    def commit(self) -> int:
        """Move journalled rows into the file (copy, append, atomic rename); return rows added."""
        if not self.journal_dir.is_dir():
            return 0
        self._lock.acquire()  # before reading the journal: another writer may be filling it
        pending = self.pending()
        if not pending:
            return 0
        rows: dict[str, list[dict]] = {g: [] for g in GROUPS}
        for group, _, p in pending:
            with open(p, "rb") as fh:
                rows[group].append(pickle.load(fh)[1])
        added = self.append_rows(rows)
        for _, _, p in pending:
            p.unlink(missing_ok=True)
        (self.journal_dir / "grids.npz").unlink(missing_ok=True)
        try:
            self.journal_dir.rmdir()
        except OSError:
            pass  # a job journalled meanwhile stays for the next commit
        return added

    def append_rows(self, rows: dict[str, list[dict]]) -> int:
        """Append rows (skipping keys already present) through a copy renamed into place."""
        def change(fh) -> int:
            added = 0
            for group, items in rows.items():
                have = set(fh[group]["key"].asstr()[()].tolist())
                fresh = list({r["key"]: r for r in reversed(items) if r["key"] not in have}.values())[::-1]
                self._append(fh[group], group, fresh)
                added += len(fresh)
            return added
        return self._rewrite(change)

    def drop(self, group: str, keys: set[str]) -> int:
        """Remove the rows of ``group`` whose key is in ``keys`` (copy, rewrite, rename); return how many."""
        if not keys or not self.path.exists():
            return 0
        return self._rewrite(lambda fh: _drop_rows(fh[group], keys))

    def _rewrite(self, change) -> int:
        """Apply ``change(h5file) -> int`` to a copy of the file and rename it into place."""
        import h5py

        self._lock.acquire()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        if self.path.exists():
            shutil.copyfile(self.path, tmp)
        try:
            with h5py.File(tmp, "a") as fh:
                if "grid" not in fh:
                    self._create(fh)
                result = change(fh)
                fh.flush()
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        return result

    def close(self) -> None:
        """Release the writer lock (if this object took it); reading still works."""
        self._lock.release()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _create(self, fh) -> None:
        from mobcg_core import __version__

        if self._grids is None:
            raise MobcgError(f"{self.path}: a new database needs its grids")
        fh.attrs.update({"format": FORMAT, "format_version": FORMAT_VERSION, "mobcg_version": __version__,
                         "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
        grid = fh.create_group("grid")
        for k, v in self._grids.items():
            grid.create_dataset(k, data=v).attrs["unit"] = "nm"
        sizes = {"rdf": len(self._grids["rdf_r_nm"]), "potential": len(self._grids["potential_r_nm"])}
        for group, cols in ROW_COLUMNS.items():
            g = fh.create_group(group)
            for c, (kind, doc) in cols.items():
                shape = (0, sizes[kind]) if kind in sizes else (0,)
                # Small row chunks keep appends cheap; curves compress well (smooth columns).
                extra = {"compression": "gzip", "compression_opts": 4, "shuffle": True} if kind in sizes else {}
                ds = g.create_dataset(c, shape=shape, maxshape=(None,) + shape[1:], dtype=column_dtype(kind),
                                      chunks=(16,) + shape[1:], **extra)
                ds.attrs["doc"] = doc

    @staticmethod
    def _append(g, group: str, rows: list[dict]) -> None:
        if not rows:
            return
        n0 = g["key"].shape[0]
        for c, (kind, doc) in ROW_COLUMNS[group].items():
            if c not in g:  # a file from before this column: existing rows get the default ""
                g.create_dataset(c, data=np.asarray([""] * n0, dtype=object), maxshape=(None,),
                                 dtype=column_dtype(kind), chunks=(16,)).attrs["doc"] = doc
            ds = g[c]
            values = [r[c] for r in rows]
            if kind == "str":
                values = [v if isinstance(v, str) else json.dumps(v, default=_plain) for v in values]
            ds.resize(n0 + len(rows), axis=0)
            ds[n0:] = np.asarray(values, dtype=object if kind == "str" else ds.dtype)


def _drop_rows(g, keys: set[str]) -> int:
    keep = np.asarray([k not in keys for k in g["key"].asstr()[()]], dtype=bool)
    n = int(keep.sum())
    for ds in g.values():
        ds[:n] = ds[()][keep]
        ds.resize(n, axis=0)
    return int(keep.size - n)


def _plain(obj):
    if isinstance(obj, (np.generic,)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)
