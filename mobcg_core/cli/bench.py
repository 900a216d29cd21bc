"""``mobcg bench``: the same system on every requested engine — speed and physics.

Each engine runs the run file's CG system (first liquid, or ``--liquid``) with the same
potential, state point and timestep, and with ``--systems aa`` (or ``cg,aa``) the
liquid's all-atom box built from its SMILES with the ``[aa]`` settings; the table
reports steps/s and ns/day next to D, density and g(r), and engines whose physics
disagree beyond their error bars are flagged (exit code 1), because a fast engine that
gives other physics is no choice.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from mobcg_core.contract import units
from mobcg_core.analysis import rdf_sampling_error, structure_error
from mobcg_core.config.schema import Problems, validate
from mobcg_core.contract.errors import MobcgError
from mobcg_core.io import atomic_write_json, read_json
from mobcg_core.forcefield.smiles import molar_mass_gmol
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.physics.tables import read_lammps_table
from mobcg_core.contract.types import PairPotential
from mobcg_core.workflows import CGRun, measure_cg

RDF_TOLERANCE = 2e-3  # ε between two engines' g(r) (nm) on top of three times their counting noise
RDF_RANGE_NM = (0.1, 1.5)
SYSTEMS = ("cg", "aa")


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


def _check_engines(study, engines: list[str]) -> None:
    """Refuse, before any run, engines that do not exist, or a list of which none can run here."""
    installed = study.registry.names("engine")
    unknown = [e for e in engines if study.registry.get("engine", e) is None]
    if unknown or not engines:
        raise MobcgError(f"--engines: unknown {', '.join(unknown) or '(none given)'} (installed engines: "
                         f"{', '.join(installed)})")
    if not any(study.registry.get("engine", e).available for e in engines):
        reasons = "; ".join(f"{e}: {study.registry.get('engine', e).reason}" for e in engines)
        raise MobcgError(f"--engines: none of {', '.join(engines)} can run here ({reasons})")


def _measure(engine, pot, run: CGRun, an: dict) -> dict[str, Any]:
    m = measure_cg(engine, pot, run, an, rdf_r_max_nm=RDF_RANGE_NM[1])
    wall = m.production_wall_s
    steps = run.production_ps / (run.timestep_fs * 1e-3)
    return {"steps_per_s": steps / wall, "ns_per_day": run.production_ps * 1e-3 * 86400 / wall,
            "D": m.diffusion.d_1e9_m2_s, "D_err": m.diffusion.d_err_1e9_m2_s, "density": m.density_g_cm3,
            "density_err": m.density_err_g_cm3, "_rdf": m.rdf,
            "_rdf_noise": rdf_sampling_error(m.rdf, m.n_frames, m.n_molecules, m.n_molecules / m.volume_nm3,
                                             *RDF_RANGE_NM)}


def _measure_aa(engine, study, liquid: dict) -> dict[str, Any]:
    from mobcg_core.study.stages import run_liquid_aa

    aa = study.cfg["aa"]
    res = run_liquid_aa(study, liquid, engine)
    n = liquid["n_molecules"]
    rho_nm3 = n / res.box_nm ** 3
    frames = int(round(aa["production_ps"] / aa["report_interval_ps"]))
    return {"steps_per_s": res.steps_per_s, "ns_per_day": res.steps_per_s * aa["timestep_fs"] * 1e-6 * 86400,
            "D": res.diffusion_1e9_m2_s, "D_err": res.diffusion_err_1e9_m2_s, "density": res.density_g_cm3,
            "density_err": res.density_err_g_cm3, "_rdf": res.rdf,
            "_rdf_noise": rdf_sampling_error(res.rdf, frames, n, rho_nm3, *RDF_RANGE_NM)}


def _agreement(ref: dict, row: dict) -> list[str]:
    problems = []
    for key, err, floor in (("D", "D_err", 0.03), ("density", "density_err", 0.002)):
        # an error bar from three axes or five blocks is itself uncertain: floor it (relative)
        sigma = math.hypot(max(ref[err], floor * ref[key]), max(row[err], floor * row[key]))
        if abs(ref[key] - row[key]) > 3 * sigma + 1e-12:
            problems.append(f"{key} {row[key]:.4g} vs {ref[key]:.4g} (> 3σ = {3 * sigma:.2g})")
    eps = structure_error(row["_rdf"], ref["_rdf"], *RDF_RANGE_NM)
    # two independent noisy g(r) differ by ε ≈ noise_a + noise_b even for the same physics
    tolerance = RDF_TOLERANCE + 3 * (row["_rdf_noise"] + ref["_rdf_noise"])
    row["rdf_eps_vs_ref"], row["rdf_eps_tolerance"] = eps, tolerance
    if eps > tolerance:
        problems.append(f"g(r) differs: ε = {eps:.2e} > {tolerance:.1e}")
    return problems


def _liquid(study, liquid_name: str | None) -> dict:
    liquids = {liq["name"]: liq for liq in study.cfg["liquids"]}
    if not liquids:
        raise MobcgError("the run file has no [[liquids]]; bench runs a liquid's system")
    if liquid_name and liquid_name not in liquids:
        raise MobcgError(f"no liquid {liquid_name!r} in the run file (have: {', '.join(liquids)})")
    return liquids[liquid_name] if liquid_name else study.cfg["liquids"][0]


def _cg_system(study, liquid: dict, table: str | None) -> tuple:
    """(n_beads, mass g/mol, box nm, potential, seed) of the liquid's CG system."""
    cg = study.cfg["cg"]
    target_json = study.liquid_dir(liquid) / "target.json"
    info = read_json(target_json) if target_json.exists() else None
    if info is None and not liquid["density_g_cm3"]:
        raise MobcgError(f"liquids: {liquid['name']} has no density_g_cm3 and no target yet: set it or run the "
                         "target stage first (the CG box needs a density)")
    mass = info["mass_gmol"] if info else liquid["mass_gmol"] or molar_mass_gmol(liquid["smiles"])
    n = info["n_beads"] if info else (cg["n_beads"] or liquid["n_molecules"])
    box = info["box_nm"] if info else units.box_length_nm(n, mass, liquid["density_g_cm3"])
    return n, mass, box, _potential(study, liquid, table), study.liquid_seed(liquid)


def cg_measurement(study, liquid: dict, table: str | None, thermostat: tuple[str, float] | None = None):
    """(description, measure(engine) → row) for the liquid's CG system; ``thermostat`` = (name,
    friction 1/ps) replaces [cg] thermostat and friction_per_ps."""
    cg, an, state = study.cfg["cg"], study.cfg["analysis"], study.cfg["state"]
    n, mass, box, pot, seed = _cg_system(study, liquid, table)
    name, friction = thermostat or (cg["thermostat"], cg["friction_per_ps"])
    run = CGRun.from_config(cg, state, n, mass, box, seed, npt=cg["ensemble"] == "NPT", thermostat=name,
                            friction_per_ps=friction)
    about = {"system": "cg", "description": f"CG {n} beads, {cg['production_ps']:g} ps at {cg['timestep_fs']:g} fs "
             f"({cg['ensemble']}, {name} {friction:g}/ps)", "n_particles": n, "timestep_fs": cg["timestep_fs"],
             "ensemble": cg["ensemble"], "thermostat": name, "friction_per_ps": friction}
    return about, lambda engine: _measure(engine, pot, run, an)


def aa_measurement(study, liquid: dict):
    """(description, measure(engine) → row) for the liquid's all-atom box."""
    if not liquid["smiles"]:
        raise MobcgError(f"liquids: {liquid['name']} has no smiles; the all-atom benchmark builds the molecule "
                         "from it (set smiles or run --systems cg)")
    aa = study.cfg["aa"]
    about = {"system": "aa", "description": f"AA {liquid['n_molecules']} × {liquid['smiles']}, "
             f"{aa['equilibration_ps']:g} + {aa['production_ps']:g} ps at {aa['timestep_fs']:g} fs ({aa['ensemble']})",
             "n_particles": liquid["n_molecules"], "timestep_fs": aa["timestep_fs"], "ensemble": aa["ensemble"]}
    return about, lambda engine: _measure_aa(engine, study, liquid)


def _compare(study, engines: list[str], about: dict, measure) -> dict:
    rows, ref = [], None
    study.reporter.info(about["description"])
    for name in engines:
        engine, reason = _engine(study, name)
        if engine is None:
            rows.append({"engine": name, "available": False, "reason": reason})
            study.reporter.warn(f"engine {name}: unavailable: {reason}")
            continue
        study.reporter.info(f"  {name}")
        try:
            row = {"engine": name, "available": True, **measure(engine)}
        except MobcgError as exc:  # one engine that cannot run this system is a row, not the end
            rows.append({"engine": name, "available": True, "failed": True, "reason": str(exc)})
            study.reporter.warn(f"engine {name}: failed: {exc}")
            continue
        row["disagreements"] = _agreement(ref, row) if ref else []
        ref = ref or row
        rows.append(row)
    for r in rows:
        r.pop("_rdf", None)
        r.pop("_rdf_noise", None)
    return {**about, "rows": rows,
            "agree": all(not r.get("disagreements") and not r.get("failed") for r in rows)}


def run_bench(study, engines: list[str], liquid_name: str | None = None, table: str | None = None,
              systems: tuple[str, ...] = ("cg",), thermostats: list[tuple[str, float]] | None = None) -> dict:
    """Benchmark ``engines`` on the liquid's CG and/or all-atom system; rows and whether they agree.

    ``thermostats``: [(name, friction 1/ps), ...] runs the CG system once per thermostat, so that
    engines are compared under each (e.g. the DPD friction of a calibrated model).
    """
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        raise MobcgError(f"--systems: unknown {', '.join(unknown)} (choose from {', '.join(SYSTEMS)})")
    _check_engines(study, engines)
    liquid = _liquid(study, liquid_name)
    makers = {"cg": [lambda t=t: cg_measurement(study, liquid, table, t) for t in (thermostats or [None])],
              "aa": [lambda: aa_measurement(study, liquid)]}
    results = [_compare(study, engines, *make()) for s in systems for make in makers[s]]
    result = {"liquid": liquid["name"], "systems": results, "agree": all(r["agree"] for r in results)}
    atomic_write_json(study.out_dir / "bench.json", result)
    return result


def print_bench(result: dict, console) -> None:
    """The comparison tables (stdout console: results); notes in the tables are styled, not markup."""
    for system in result["systems"]:
        _print_system(system, console)
    rows = [r for s in result["systems"] for r in s["rows"]]
    if any(r.get("failed") for r in rows):
        console.print("An engine failed on this system (above): the comparison is incomplete.", style="bold red")
    if any(r.get("disagreements") for r in rows):
        console.print("The engines disagree physically: do not pick one by speed alone.", style="bold red")


def _print_system(result: dict, console) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table("engine", "steps/s", "ns/day", "D [1e-9 m²/s]", "ρ [g/cm³]", "ε g(r) vs first", "physics",
                  title=result["description"])
    for r in result["rows"]:
        if not r["available"] or r.get("failed"):
            what = Text("failed (below)", "red") if r.get("failed") else Text("unavailable (below)", "yellow")
            table.add_row(r["engine"], "–", "–", "–", "–", "–", what)
            continue
        verdict = (Text("DISAGREES: " + "; ".join(r["disagreements"]), "red") if r["disagreements"]
                   else Text("ok", "green"))
        eps = r.get("rdf_eps_vs_ref")
        table.add_row(r["engine"], f"{r['steps_per_s']:.0f}", f"{r['ns_per_day']:.1f}",
                      f"{r['D']:.3f} ± {r['D_err']:.3f}", f"{r['density']:.4f} ± {r['density_err']:.4f}",
                      "–" if eps is None else f"{eps:.1e}", verdict)
    console.print(table)
    for r in result["rows"]:
        if "reason" in r:
            console.print(Text(f"{r['engine']} {'failed' if r.get('failed') else 'unavailable'}: ", "yellow")
                          + Text(str(r["reason"])))


def timestep_check(study, engine_name: str, timesteps_fs: list[float], liquid_name: str | None = None,
                   table: str | None = None, max_drift_kT_per_bead_ns: float = 0.02, nve_ps: float = 20.0) -> dict:
    """NVE energy drift of the liquid's CG system at each timestep, and the largest stable one.

    Drift is |dE/dt| in k_B T per bead per ns after a Langevin start (``timestep.energy_drift``).
    """
    from mobcg_core.physics.timestep import largest_stable_timestep

    for flag, value in (("--nve-ps", nve_ps), ("--max-drift", max_drift_kT_per_bead_ns)):
        if not value > 0:
            raise MobcgError(f"{flag} {value:g}: give a positive number")
    if not timesteps_fs or any(not t > 0 for t in timesteps_fs):
        raise MobcgError(f"--timesteps {','.join(f'{t:g}' for t in timesteps_fs)}: give positive timesteps (fs)")
    engine, reason = _engine(study, engine_name)
    if engine is None:
        raise MobcgError(f"engine {engine_name}: unavailable: {reason}")
    liquid = _liquid(study, liquid_name)
    n, mass, box, pot, seed = _cg_system(study, liquid, table)
    study.reporter.info(f"{liquid['name']}: NVE drift of {n} beads on {engine_name}, {nve_ps:g} ps per timestep")
    temperature = study.cfg["state"]["temperature_K"]
    best, results = largest_stable_timestep(engine, cg_box(n, mass, box, pot, seed), temperature,
                                            timesteps_fs, max_drift_kT_per_bead_ns, duration_ps=nve_ps, seed=seed)
    result = {"liquid": liquid["name"], "engine": engine_name, "n_beads": n, "nve_ps": nve_ps,
              "max_drift_kT_per_bead_ns": max_drift_kT_per_bead_ns, "largest_stable_fs": best,
              "rows": [{"timestep_fs": r.timestep_fs, "drift_kT_per_bead_ns": r.drift_kT_per_bead_ns,
                        "stable": r.stable} for r in results]}
    atomic_write_json(study.out_dir / "timestep.json", result)
    return result


def print_timestep(result: dict, console) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table("timestep [fs]", "drift [kT/bead/ns]", "stable",
                  title=f"{result['liquid']} on {result['engine']}: NVE energy drift "
                        f"(limit {result['max_drift_kT_per_bead_ns']:g})")
    for r in result["rows"]:
        drift = r["drift_kT_per_bead_ns"]
        table.add_row(f"{r['timestep_fs']:g}", "blew up" if math.isinf(drift) else f"{drift:.4f}",
                      Text("yes", "green") if r["stable"] else Text("no", "red"))
    console.print(table)
    best = result["largest_stable_fs"]
    console.print(f"largest stable timestep: {best:g} fs (set cg.timestep_fs)" if best else
                  Text("no candidate timestep is stable: smooth the potential or try smaller timesteps", "red"))
