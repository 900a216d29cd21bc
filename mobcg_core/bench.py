"""``mobcg bench``: the same CG system on every requested engine — speed and physics.

Each engine runs the run file's CG system (first liquid, or ``--liquid``) with the same
potential, state point and timestep; the table reports steps/s and ns/day next to D,
density and g(r), and engines whose physics disagree beyond their error bars are
flagged (exit code 1), because a fast engine that gives other physics is no choice.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import units
from .analysis import density_g_cm3, fit_diffusion, rdf, rdf_grid, structure_error
from .config.schema import Problems, validate
from .errors import MobcgError
from .io import atomic_write_json, read_json
from .systems import cg_box
from .tables import read_lammps_table
from .types import MDProtocol, PairPotential

RDF_TOLERANCE = 2e-3  # ε between two engines' g(r) (nm); sampling noise of short runs stays below


def _potential(study, liquid: dict, table: str | None) -> PairPotential:
    if table:
        return read_lammps_table(table)
    path = study.liquid_dir(liquid) / "potential.npz"
    if not path.exists():
        raise MobcgError(f"no potential for {liquid['name']} in {path.parent}; run the coarse_grain stage "
                         "first or give --table FILE")
    data = np.load(path)
    return PairPotential(data["r_nm"], data["u_kjmol"], data["f_kjmol_nm"])


def _engine(study, name: str):
    rec = study.registry.get("engine", name)
    if rec is None:
        return None, f"not installed (installed engines: {', '.join(study.registry.names('engine'))})"
    if not rec.available:
        return None, rec.reason
    table = study.cfg["engine"]["tables"].get(name, {})
    out = Problems()
    opts = validate(table, rec.cls.options, out, Path.cwd(), prefix=f"engine.{name}")
    return rec.cls(opts), None


def _measure(engine, system_args: tuple, protocol: MDProtocol, cg: dict, an: dict) -> dict[str, Any]:
    sim = engine.cg_simulation(cg_box(*system_args), protocol)
    sim.minimize()
    sim.run(cg["equilibration_ps"], 0.0)
    t0 = time.perf_counter()
    traj = sim.run(cg["production_ps"], cg["report_interval_ps"])
    wall = time.perf_counter() - t0
    sim.close()
    fit = fit_diffusion(traj, an["msd_fit_start"], an["msd_fit_end"])
    rho, rho_err = density_g_cm3(traj)
    steps = cg["production_ps"] / (protocol.timestep_fs * 1e-3)
    g = rdf(traj, rdf_grid(an["rdf_r_min_nm"], min(an["rdf_r_max_nm"], 1.5), an["rdf_dr_nm"]))
    return {"steps_per_s": steps / wall, "ns_per_day": cg["production_ps"] * 1e-3 * 86400 / wall,
            "D": fit.d_1e9_m2_s, "D_err": fit.d_err_1e9_m2_s, "density": rho, "density_err": rho_err,
            "_rdf": g}


def _agreement(ref: dict, row: dict) -> list[str]:
    problems = []
    for key, err, floor in (("D", "D_err", 0.03), ("density", "density_err", 0.002)):
        # an error bar from three axes or five blocks is itself uncertain: floor it (relative)
        sigma = math.hypot(max(ref[err], floor * ref[key]), max(row[err], floor * row[key]))
        if abs(ref[key] - row[key]) > 3 * sigma + 1e-12:
            problems.append(f"{key} {row[key]:.4g} vs {ref[key]:.4g} (> 3σ = {3 * sigma:.2g})")
    eps = structure_error(row["_rdf"], ref["_rdf"], 0.1, 1.5)
    row["rdf_eps_vs_ref"] = eps
    if eps > RDF_TOLERANCE:
        problems.append(f"g(r) differs: ε = {eps:.2e} > {RDF_TOLERANCE:g}")
    return problems


def run_bench(study, engines: list[str], liquid_name: str | None = None, table: str | None = None) -> dict:
    """Benchmark ``engines`` on the study's CG system; returns rows and whether they agree."""
    liquids = {liq["name"]: liq for liq in study.cfg["liquids"]}
    liquid = liquids[liquid_name] if liquid_name else study.cfg["liquids"][0]
    if liquid_name and liquid_name not in liquids:
        raise MobcgError(f"no liquid {liquid_name!r} in the run file (have: {', '.join(liquids)})")
    cg, an, state = study.cfg["cg"], study.cfg["analysis"], study.cfg["state"]
    target_json = study.liquid_dir(liquid) / "target.json"
    info = read_json(target_json) if target_json.exists() else None
    mass = info["mass_gmol"] if info else liquid["mass_gmol"]
    n = info["n_beads"] if info else (cg["n_beads"] or liquid["n_molecules"])
    box = info["box_nm"] if info else units.box_length_nm(n, mass, liquid["density_g_cm3"])
    pot = _potential(study, liquid, table)
    seed = study.liquid_seed(liquid)
    protocol = MDProtocol(state["temperature_K"], cg["timestep_fs"], 0.0, seed=seed, thermostat=cg["thermostat"],
                          pressure_bar=state["pressure_bar"] if cg["ensemble"] == "NPT" else None,
                          friction_per_ps=cg["friction_per_ps"])
    rows, ref = [], None
    for name in engines:
        engine, reason = _engine(study, name)
        if engine is None:
            rows.append({"engine": name, "available": False, "reason": reason})
            study.reporter.warn(f"engine {name}: unavailable: {reason}")
            continue
        study.reporter.info(f"  {name}: {n} beads, {cg['production_ps']:g} ps at {cg['timestep_fs']:g} fs")
        row = {"engine": name, "available": True, **_measure(engine, (n, mass, box, pot, seed), protocol, cg, an)}
        row["disagreements"] = _agreement(ref, row) if ref else []
        ref = ref or row
        rows.append(row)
    agree = all(not r.get("disagreements") for r in rows)
    for r in rows:
        r.pop("_rdf", None)
    result = {"liquid": liquid["name"], "n_beads": n, "timestep_fs": cg["timestep_fs"], "ensemble": cg["ensemble"],
              "rows": rows, "agree": agree}
    atomic_write_json(study.out_dir / "bench.json", result)
    return result


def print_bench(result: dict, console) -> None:
    from rich.table import Table

    table = Table("engine", "steps/s", "ns/day", "D [1e-9 m²/s]", "ρ [g/cm³]", "ε g(r) vs first", "physics")
    for r in result["rows"]:
        if not r["available"]:
            table.add_row(r["engine"], "–", "–", "–", "–", "–", f"[yellow]unavailable[/yellow]: {r['reason']}")
            continue
        verdict = "[red]DISAGREES: " + "; ".join(r["disagreements"]) + "[/red]" if r["disagreements"] else "[green]ok[/green]"
        eps = r.get("rdf_eps_vs_ref")
        table.add_row(r["engine"], f"{r['steps_per_s']:.0f}", f"{r['ns_per_day']:.1f}",
                      f"{r['D']:.3f} ± {r['D_err']:.3f}", f"{r['density']:.4f} ± {r['density_err']:.4f}",
                      "–" if eps is None else f"{eps:.1e}", verdict)
    console.print(table)
    if not result["agree"]:
        console.print("[bold red]The engines disagree physically: do not pick one by speed alone.[/bold red]")
