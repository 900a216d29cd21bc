"""A study: the stages a run file asks for, each resumable, each writing atomically.

Output directory layout::

    OUT/manifest.json                      resolved config, versions, seeds, timings
    OUT/summary.md, OUT/summary.json       the results table
    OUT/liquids/NAME/target.json|.npz      target g(r), mass, D_AA, density, box
    OUT/liquids/NAME/coarse_grain/         the CG method's own records (resumable)
    OUT/liquids/NAME/potential.npz|.table|.xvg   the CG potential (core, LAMMPS, GROMACS)
    OUT/liquids/NAME/coarse_grain.json     the CG method's summary
    OUT/liquids/NAME/cg_md.json|.npz       D_CG, density, g(r) error, acceleration factor
    OUT/database.h5 (+ .pending/ journal)  synthetic samples (stage database; see mobcg_core.database)
    OUT/database.json                      counts and cost of the last database stage

A stage result records the hash of the settings it was made with: a rerun skips
finished work and refuses to mix results made with other settings.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mobcg_core.contract.errors import ConfigError, MobcgError, StaleResultError
from mobcg_core.io import atomic_write_json, read_json, stable_hash
from mobcg_core.locking import WriterLock
from mobcg_core.study.manifest import Manifest
from mobcg_core.plugins import Registry
from mobcg_core.config.runfile import STUDY_STAGES
from mobcg_core.study.progress import Reporter
from mobcg_core.config.inputs import check_model_file
from mobcg_core.study.db_candidates import check_candidate_databases
from mobcg_core.config.schema import Problems
from mobcg_core.study.registry import AFTER_STAGE, STAGE_FUNCTIONS
from mobcg_core.study.stages import write_summary


#: A liquid's random streams: each is its base seed plus an offset named here, in one place
#: (the offsets' values keep earlier results bit-for-bit reproducible).
SEED_STREAMS = {"cg_md": 17, "pressure_match": 101, "mobility_probe": 211}


class Study:
    """Runs the stages of one validated configuration (see :func:`load_config`)."""

    def __init__(self, cfg: dict[str, Any], registry: Registry, reporter: Reporter | None = None):
        self.cfg = cfg
        self.registry = registry
        self.reporter = reporter or Reporter()
        out = Path(cfg["run"]["output"])
        self.out_dir = (out if out.is_absolute() else Path(cfg["_base_dir"]) / out).resolve()
        self._plugins: dict[str, Any] = {}

    def plugin(self, kind: str):
        """The configured plugin instance of ``kind`` (created once)."""
        if kind not in self._plugins:
            table = self.cfg[kind]
            self._plugins[kind] = self.registry.create(kind, table["name"], table["options"])
        return self._plugins[kind]

    def liquid_dir(self, liquid: dict) -> Path:
        return self.out_dir / "liquids" / liquid["name"]

    def liquid_seed(self, liquid: dict) -> int:
        """The liquid's base seed (all-atom run, CG lattices, NVE checks), from run.seed and its name."""
        return int(stable_hash([self.cfg["run"]["seed"], liquid["name"]], 8), 16) % 2**31

    def seed(self, liquid: dict, stream: str) -> int:
        """The seed of one of the liquid's random streams (:data:`SEED_STREAMS`)."""
        return self.liquid_seed(liquid) + SEED_STREAMS[stream]

    def plugin_versions(self) -> dict[str, dict]:
        versions = {}
        for kind in ("engine", "cg_method", "predictor", "executor"):
            rec = self.registry.get(kind, self.cfg[kind]["name"])
            if rec is not None:
                versions[kind] = {"name": rec.name, "version": rec.version, "distribution": rec.distribution}
        return versions

    def run(self) -> dict[str, Any]:
        self._preflight()  # before the output folder is touched: a refused run changes no file
        # One `mobcg run` per output folder: a second one would overwrite the first's files.
        with WriterLock(self.out_dir / ".mobcg.lock", f"output folder {self.out_dir}"):
            manifest = Manifest(self.out_dir, self.cfg, self.plugin_versions())
            self.reporter.attach_log(self.out_dir / "mobcg.log")
            self.reporter.info(f"mobcg: output in {self.out_dir} (log: mobcg.log)")
            try:
                for stage in self.cfg["run"]["stages"]:
                    t0 = time.perf_counter()
                    self.reporter.info(f"stage {stage}", style="bold")
                    if stage in STUDY_STAGES:
                        summary = STAGE_FUNCTIONS[stage](self)
                    else:
                        summary = {liq["name"]: STAGE_FUNCTIONS[stage](self, liq) for liq in self.cfg["liquids"]}
                    if stage in AFTER_STAGE:
                        AFTER_STAGE[stage](self)
                    manifest.stage_done(stage, time.perf_counter() - t0, summary)
            except StaleResultError:
                # Each step checks its stored result before it computes, so a run refused for
                # changed settings has usually made nothing: it leaves no manifest or log entry.
                manifest.restore()
                self.reporter.rollback_log()
                raise
            summary = write_summary(self)
            self._require_convergence(summary["rows"])
            return summary

    def _require_convergence(self, rows: list[dict]) -> None:
        """``run.require_convergence``: a liquid whose cg_method did not converge fails the run."""
        failed = [r["liquid"] for r in rows if r.get("coarse_grain.converged") is False]
        if failed and self.cfg["run"]["require_convergence"]:
            raise MobcgError(f"run.require_convergence: the cg_method did not converge for {', '.join(failed)} "
                             "(results kept); raise its max_iterations or tolerance, or set it to false")

    def _preflight(self) -> None:
        """Checks that would otherwise fail late, after hours of earlier stages: the closed loop's candidate
        databases, and the model file unless ``load_config`` has checked it already (it does for every
        run file it reads)."""
        problems = Problems()
        check_candidate_databases(self.cfg, problems)
        if "_file" not in self.cfg:
            check_model_file(self.cfg, problems, self.registry)
        if problems:
            raise ConfigError("run configuration", problems.items)

    # ------------------------------------------------------------ stage cache
    def require(self, stage: str, liquid: dict) -> dict:
        """The result of a per-liquid stage another stage needs: run now, or loaded when done.

        Stages call each other only through this (and the registry), never by import.
        """
        return STAGE_FUNCTIONS[stage](self, liquid)

    def finished(self, path: Path, inputs: Any) -> dict | None:
        """The stored result at ``path`` if that step finished with these ``inputs``; None if it
        has not run.  A result made with other settings raises: it is never silently reused
        nor silently overwritten."""
        if not path.exists():
            return None
        stored = read_json(path)
        if stored.get("inputs_hash") != stable_hash(inputs):
            raise StaleResultError(f"{path} was computed with other settings; use another run.output or "
                             f"delete {path.parent} to recompute")
        return stored

    def store(self, path: Path, inputs: Any, result: dict) -> dict:
        result = {"inputs_hash": stable_hash(inputs), **result}
        atomic_write_json(path, result)
        return result
