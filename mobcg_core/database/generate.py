"""The ``database`` stage: K synthetic force fields x M bead masses per reference molecule.

Phase 1 runs one job per force field (all-atom MD + CG method), phase 2 one job
per (force field, bead mass) (CG MD).  Jobs are keyed by the hash of their
inputs: a rerun skips every key already in the database (or its journal), and
raising K or M adds rows without touching the existing ones.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from mobcg_core import __version__
from mobcg_core.analysis import rdf_grid
from mobcg_core.config.stage_options import aa_physics
from mobcg_core.contract.errors import EnvironmentFailure, MobcgError
from mobcg_core.io import atomic_write_json, stable_hash
from mobcg_core.forcefield.smiles import resolve_molecule
from mobcg_core.physics.potentials import table_grid
from mobcg_core.database.jobs import forcefield_job, sample_job, without_arrays
from mobcg_core.database.store import Database
from mobcg_core.database.settings import (CG_SYSTEM_KEYS, cg_engine_table, cg_md_settings, job_seed, parse_json,
                                          plugin_table)
from mobcg_core.database.variants import variant_job, variant_payloads

def database_path(study) -> Path:
    p = Path(study.cfg["database"]["file"])
    return p if p.is_absolute() else study.out_dir / p


def open_database(study) -> Database:
    cfg, an = study.cfg, study.cfg["analysis"]
    return Database(database_path(study), rdf_grid(an["rdf_r_min_nm"], an["rdf_r_max_nm"], an["rdf_dr_nm"]),
                    table_grid(cfg["cg"]["cutoff_nm"], cfg["cg"]["table_dr_nm"]))


def forcefield_payloads(study) -> list[tuple[str, dict]]:
    """(key, payload) of every force-field job the run file asks for."""
    cfg, db = study.cfg, study.cfg["database"]
    jobs = []
    molecules = [_typable(resolve_molecule(entry)) for entry in db["molecules"]]
    # Index-major order: a study stopped early holds about as many force fields of each molecule.
    for i in range(db["forcefields_per_molecule"]):
        for name, smiles in molecules:
            physics = {"smiles": smiles, "index": i, "run_seed": cfg["run"]["seed"], "aa": aa_physics(cfg["aa"]),
                       "synthetic_ranges": db["synthetic_ranges"], "n_molecules": db["n_molecules"],
                       "n_beads": db["n_beads"] or db["n_molecules"],
                       "start_density_g_cm3": db["start_density_g_cm3"], "state": cfg["state"],
                       "cg": {k: cfg["cg"][k] for k in CG_SYSTEM_KEYS}, "analysis": cfg["analysis"],
                       "engine": cfg["engine"]["name"], "cg_engine": cg_engine_table(cfg)["name"],
                       "cg_method": _cg_method_table(cfg)}
            key = stable_hash(physics, 16)
            jobs.append((key, {**physics, "molecule": {"name": name, "smiles": smiles},
                               "forcefield_seed": job_seed(cfg["run"]["seed"], smiles, "forcefield", i),
                               "seed": job_seed(cfg["run"]["seed"], smiles, "md", i),
                               "engine": plugin_table(cfg["engine"]), "cg_engine": cg_engine_table(cfg)}))
    return jobs


def _typable(molecule: tuple[str, str]) -> tuple[str, str]:
    """Fail before any job runs when a molecule is outside the force field."""
    from mobcg_core.forcefield import build_molecule

    try:
        build_molecule(molecule[1], seed=0)
    except MobcgError as exc:
        raise MobcgError(f"database.molecules: {molecule[0]!r}: {exc}") from None
    return molecule


def _cg_method_table(cfg: dict) -> dict:
    """The cg_method with the database's overrides (e.g. fewer iterations)."""
    return {"name": cfg["cg_method"]["name"],
            "options": {**cfg["cg_method"]["options"], **cfg["database"]["cg_method_options"]}}


def sample_payloads(study, ff_keys: list[str], database: Database) -> list[tuple[str, dict]]:
    """(key, payload) of every CG-run job for the force fields ``ff_keys`` found in the database."""
    cfg, db = study.cfg, study.cfg["database"]
    ff = database.read("forcefields")
    index = {k: i for i, k in enumerate(ff["key"].tolist())}
    r_u = database.grids()["potential_r_nm"]
    lo, hi = db["mass_range_gmol"]
    jobs = []
    for fk in ff_keys:
        if fk not in index:
            continue  # that force field failed; its failure is recorded
        i = index[fk]
        u = ff["potential_kjmol"][i]
        prov = parse_json(ff["provenance_json"][i])
        for j in range(db["masses_per_forcefield"]):
            mass = float(np.random.default_rng(job_seed(fk, "mass", j)).uniform(lo, hi))
            physics = {"forcefield_key": fk, "index": j, "mass_gmol": mass,
                       "cg": cg_md_settings(cfg), "analysis": cfg["analysis"],
                       "state": cfg["state"], "engine": cg_engine_table(cfg)["name"]}
            jobs.append((stable_hash(physics, 16), {
                **physics, "molecule": prov["molecule"], "seed": job_seed(fk, "cg", j), "engine": cg_engine_table(cfg),
                "n_beads": prov["n_beads"], "box_nm": float(ff["box_nm"][i]), "aa_rdf": ff["aa_rdf"][i],
                "potential_r_nm": r_u, "potential_kjmol": u,
                "potential_f_kjmol_nm": -np.gradient(u, r_u)}))
    return jobs


def _forcefield_row(key: str, payload: dict, out: dict, versions: dict) -> dict:
    prov = {**without_arrays(payload), "versions": versions, "mobcg_version": __version__}
    return {"key": key, "molecule": payload["molecule"]["name"], "smiles": payload["molecule"]["smiles"],
            "forcefield_hash": out["forcefield"]["hash"], "forcefield_json": out["forcefield"],
            "provenance_json": prov, **{k: out[k] for k in (
                "molar_mass_gmol", "aa_rdf", "aa_diffusion_1e9_m2_s", "aa_diffusion_err_1e9_m2_s", "aa_density_g_cm3",
                "box_nm", "potential_kjmol", "cg_error", "cg_iterations", "cg_converged", "wall_aa_s",
                "wall_cg_method_s")}}


def _sample_row(key: str, payload: dict, out: dict, versions: dict) -> dict:
    prov = {**without_arrays(payload), "versions": versions, "mobcg_version": __version__}
    return {"key": key, "forcefield_key": payload["forcefield_key"], "molecule": payload["molecule"]["name"],
            "mass_gmol": payload["mass_gmol"], "potential_kjmol": payload["potential_kjmol"],
            "provenance_json": prov, **out}


def _variant_row(key: str, payload: dict, out: dict, versions: dict) -> dict:
    measured = ("rdf", "diffusion_1e9_m2_s", "diffusion_err_1e9_m2_s", "pressure_bar", "structure_error",
                "potential_kjmol", "wall_cg_s")
    prov = {**without_arrays(payload), "versions": versions, "mobcg_version": __version__,
            **{k: v for k, v in out.items() if k not in measured}}
    return {"key": key, "forcefield_key": payload["variant"], "molecule": payload["molecule"]["name"],
            "mass_gmol": payload["mass_gmol"], "provenance_json": prov, **{k: out[k] for k in measured}}


def _failure_row(key: str, job: str, payload: dict, error: str) -> dict:
    return {"key": key, "job": job, "molecule": payload["molecule"]["name"], "error": error,
            "kind": "physical", "provenance_json": without_arrays(payload)}


def run_jobs(study, database: Database, label: str, fn: Callable, jobs: list[tuple[str, dict]],
             to_row: Callable, group: str) -> dict[str, Any]:
    """Run ``jobs`` on the configured executor, journalling each result as it arrives.

    A physical failure is recorded as a row of ``failures``; any other failure (a missing
    executable, a lost worker, a bug) stops the stage at once with an
    :class:`~mobcg_core.contract.errors.EnvironmentFailure`, after committing every finished job.
    """
    payloads = dict(jobs)
    counts = {"done": 0, "failed": 0}
    if not jobs:
        return counts
    interval = study.cfg["database"]["commit_interval_s"]
    versions = study.plugin_versions()
    last_commit = time.monotonic()
    try:
        with study.reporter.bar(f"  {label}", len(jobs)) as update:
            update(0, len(jobs), "")
            for n, res in enumerate(study.plugin("executor").run(fn, jobs), 1):
                if res.error is None:
                    database.add(group, to_row(res.key, payloads[res.key], res.value, versions))
                    counts["done"] += 1
                elif res.physical:
                    database.add("failures", _failure_row(res.key, group, payloads[res.key], res.error))
                    counts["failed"] += 1
                    study.reporter.warn(f"{label} job {res.key} failed: {res.error}")
                else:
                    raise EnvironmentFailure(f"{label} job {res.key} could not run: {res.error} — not a result "
                                             f"of the physics, so nothing was recorded; fix it and rerun "
                                             f"(finished jobs are kept)")
                if time.monotonic() - last_commit >= interval:
                    database.commit()
                    last_commit = time.monotonic()
                update(n, len(jobs), f"{counts['failed']} failed" if counts["failed"] else "")
    finally:
        database.commit()
    return counts


def _heal(database: Database, retry_all: bool) -> int:
    """Drop failure rows that are not physical results (files from before the split stored
    environment failures such as a missing packmol as final), or all with ``retry_all``,
    so that their jobs run again."""
    bad = database.read("failures", columns=["key", "kind"])
    stale = {k for k, kind in zip(bad["key"].tolist(), bad["kind"].tolist()) if retry_all or kind != "physical"}
    return database.drop("failures", stale)


def stage_database(study) -> dict[str, Any]:
    """Generate (or extend) the database; return counts and the cost split."""
    database = open_database(study)
    try:
        return _generate(study, database)
    finally:
        database.close()


def _generate(study, database: Database) -> dict[str, Any]:
    recovered = database.commit()
    if recovered:
        study.reporter.info(f"  recovered {recovered} journalled job(s) into {database.path}")
    healed = _heal(database, study.cfg["database"]["retry_failed"])
    if healed:
        study.reporter.info(f"  retrying {healed} failed job(s) not recorded as physical results")
    skip = database.keys("forcefields") | database.keys("failures")
    ff_jobs = forcefield_payloads(study)
    todo = [j for j in ff_jobs if j[0] not in skip]
    study.reporter.info(f"  {len(ff_jobs)} force field(s), {len(ff_jobs) - len(todo)} already done; "
                        f"database {database.path}")
    t0 = time.perf_counter()
    ff_counts = run_jobs(study, database, "force fields (all-atom + CG method)", forcefield_job, todo,
                         _forcefield_row, "forcefields")
    t1 = time.perf_counter()
    s_jobs = sample_payloads(study, [k for k, _ in ff_jobs], database)
    skip = database.keys("samples") | database.keys("failures")
    todo = [j for j in s_jobs if j[0] not in skip]
    s_counts = run_jobs(study, database, "samples (CG MD)", sample_job, todo, _sample_row, "samples")
    t2 = time.perf_counter()
    v_jobs = variant_payloads(study, database) if database.count("forcefields") else []
    skip = database.keys("samples") | database.keys("failures")
    todo = [j for j in v_jobs if j[0] not in skip]
    if v_jobs:
        study.reporter.info(f"  {len(v_jobs)} variant sample(s), {len(v_jobs) - len(todo)} already done")
    v_counts = run_jobs(study, database, "variants (CG MD)", variant_job, todo, _variant_row, "samples")
    summary = {"file": str(database.path), "forcefields": database.count("forcefields"),
               "samples": database.count("samples"), "failures": database.count("failures"),
               "this_run": {"forcefields": ff_counts, "samples": s_counts, "variants": v_counts,
                            "wall_forcefields_s": round(t1 - t0, 2), "wall_samples_s": round(t2 - t1, 2),
                            "wall_variants_s": round(time.perf_counter() - t2, 2)}}
    atomic_write_json(study.out_dir / "database.json", summary)
    study.reporter.info(f"  database: {summary['forcefields']} force fields, {summary['samples']} samples, "
                        f"{summary['failures']} failures")
    return summary
