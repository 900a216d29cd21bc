"""The stages of a study, one function per stage, each per liquid and resumable."""

from __future__ import annotations

import time
from typing import Any

from mobcg_core.contract import units
from mobcg_core.contract.hookspecs import CGTask
from mobcg_core.config.stage_options import aa_physics
from mobcg_core.io import atomic_save_npz, atomic_write_json, atomic_write_text, file_hash, read_json
from mobcg_core.forcefield.smiles import molar_mass_gmol
from mobcg_core.physics.tables import read_rdf_file
from mobcg_core.contract.errors import MobcgError
from mobcg_core.study.artifacts import (cg_system_inputs, load_potential, load_target, read_potential_file, run_cg_md,
                                        save_potential)

_CG_MD_KEYS = ("ensemble", "equilibration_ps", "production_ps", "report_interval_ps", "friction_per_ps",
               "thermostat")


def stage_target(study, liquid: dict) -> dict:
    """Target of the CG model: all-atom g(r), D_AA and density, from files or all-atom MD."""
    d = study.liquid_dir(liquid)
    inputs = cg_system_inputs(study, liquid)
    if liquid["topology"] and not liquid["rdf_file"]:
        inputs = {**inputs, "trajectory_files": [file_hash(p) for p in (liquid["topology"], liquid["trajectory"]) if p],
                  "analysis": study.cfg["analysis"], "state": study.cfg["state"]}
    elif not liquid["rdf_file"]:
        inputs = {**inputs, "aa": aa_physics(study.cfg["aa"]), "state": study.cfg["state"],
                  "engine": study.cfg["engine"]}
    done = study.finished(d / "target.json", inputs)
    if done:
        return done
    extra: dict[str, Any] = {}
    if liquid["rdf_file"]:
        target = read_rdf_file(liquid["rdf_file"], liquid["rdf_r_unit"])
        mass = liquid["mass_gmol"] or molar_mass_gmol(liquid["smiles"])
        density, d_aa = liquid["density_g_cm3"], liquid["diffusion_1e9_m2_s"] or None
    elif liquid["topology"]:
        res = _target_from_trajectory(study, liquid)
        target, mass, density = res.rdf, res.mass_gmol, res.density_g_cm3
        d_aa = liquid["diffusion_1e9_m2_s"] or res.diffusion_1e9_m2_s
        extra = {"all_atom": {**res.summary(), "source": "trajectory"}}
    else:
        aa = run_liquid_aa(study, liquid)
        target, mass, density, d_aa = aa.rdf, aa.mass_gmol, aa.density_g_cm3, aa.diffusion_1e9_m2_s
        extra = {"all_atom": aa.summary()}
    n = study.cfg["cg"]["n_beads"] or liquid["n_molecules"]
    box = units.box_length_nm(n, mass, density)
    if 0.5 * box < study.cfg["cg"]["cutoff_nm"]:
        raise MobcgError(f"liquid {liquid['name']}: box of {box:.2f} nm for {n} beads is smaller than twice "
                         f"cg.cutoff_nm = {study.cfg['cg']['cutoff_nm']}; use more beads or a shorter cutoff")
    atomic_save_npz(d / "target.npz", r_nm=target.r_nm, g=target.g)
    study.reporter.info(f"  {liquid['name']}: M = {mass:.4f} g/mol, ρ = {density:.4f} g/cm³, {n} beads, "
                        f"box {box:.3f} nm" + (f", D_AA = {d_aa:.3g}e-9 m²/s" if d_aa else ""))
    return study.store(d / "target.json", inputs, {
        "mass_gmol": mass, "n_beads": n, "box_nm": box, "density_g_cm3": density,
        "diffusion_1e9_m2_s": d_aa, "source": liquid["rdf_file"] or "all-atom MD", **extra})



def _target_from_trajectory(study, liquid: dict):
    """The user's all-atom trajectory through the same analysis as a built-in all-atom run."""
    from mobcg_core.analysis.trajectory_files import TargetRequest, target_from_trajectory

    req = TargetRequest(liquid["topology"], liquid["trajectory"] or None, liquid["selection"],
                        study.cfg["state"]["temperature_K"], liquid["viscosity_mPa_s"] or None,
                        study.cfg["cg"]["n_beads"] or liquid["n_molecules"], name=liquid["name"])
    study.reporter.info(f"  {liquid['name']}: centre-of-mass g(r), density and D from {req.trajectory or req.topology}")
    return target_from_trajectory(req, study.cfg["analysis"])


def run_liquid_aa(study, liquid: dict, engine=None):
    """The liquid's all-atom run with the run file's [aa] and [state] settings (target stage, bench)."""
    from mobcg_core.workflows import run_aa_liquid

    aa, state = study.cfg["aa"], study.cfg["state"]
    start = aa["start_density_g_cm3"] or liquid["density_g_cm3"] or 0.7
    study.reporter.info(f"  {liquid['name']}: all-atom MD of {liquid['n_molecules']} molecules "
                        f"({aa['equilibration_ps']:g} + {aa['production_ps']:g} ps)")
    seed = liquid["forcefield_seed"]
    kind = aa["trajectory"]  # bench (its own engine) measures speed: it writes no frames
    frames = study.liquid_dir(liquid) / f"aa.{kind}" if engine is None and kind != "none" else None
    return run_aa_liquid(engine or study.plugin("engine"), liquid["smiles"], liquid["n_molecules"], start, aa,
                         state["temperature_K"], state["pressure_bar"] if aa["ensemble"] == "NPT" else None,
                         study.liquid_seed(liquid), None if seed < 0 else seed, study.cfg["analysis"],
                         trajectory_path=frames)


def stage_coarse_grain(study, liquid: dict) -> dict:
    """Derive the CG potential with the configured cg_method (e.g. IBI)."""
    d = study.liquid_dir(liquid)
    inputs = {**cg_system_inputs(study, liquid), "state": study.cfg["state"],
              "engine": study.cfg["engine"], "cg_method": study.cfg["cg_method"]}
    done = study.finished(d / "coarse_grain.json", inputs)
    if done:
        return done
    if liquid["potential_file"]:
        return study.store(d / "coarse_grain.json", inputs, _potential_from_file(study, liquid))
    info, target = load_target(study, liquid)
    cg = study.cfg["cg"]
    task = CGTask(name=liquid["name"], target=target, mass_gmol=info["mass_gmol"], n_beads=info["n_beads"],
                  box_nm=info["box_nm"], temperature_K=study.cfg["state"]["temperature_K"],
                  cutoff_nm=cg["cutoff_nm"], table_dr_nm=cg["table_dr_nm"], timestep_fs=cg["timestep_fs"],
                  pressure_bar=study.cfg["state"]["pressure_bar"], seed=study.liquid_seed(liquid))
    workdir = d / "coarse_grain"
    study.finished(workdir / "inputs.json", inputs) or study.store(workdir / "inputs.json", inputs, {})
    method = study.plugin("cg_method")
    t0 = time.perf_counter()
    with study.reporter.bar(f"  {liquid['name']} {method.name}", 1) as update:
        outcome = method.derive(task, study.plugin("engine"), workdir, update)
    save_potential(d, outcome.potential)
    summary = {k: v for k, v in outcome.info.items() if k != "history"}
    summary["wall_s"] = round(time.perf_counter() - t0, 2)
    study.reporter.info(f"  {liquid['name']}: {_describe(summary)}")
    return study.store(d / "coarse_grain.json", inputs, summary)


def _potential_from_file(study, liquid: dict) -> dict:
    """A given table, cut at cg.cutoff_nm."""
    path, rc = liquid["potential_file"], study.cfg["cg"]["cutoff_nm"]
    pot = read_potential_file(path, rc)
    save_potential(study.liquid_dir(liquid), pot)
    study.reporter.info(f"  {liquid['name']}: potential read from {path} (cut at {pot.cutoff_nm:.4f} nm)")
    return {"source": path, "cutoff_nm": pot.cutoff_nm}


def stage_cg_md(study, liquid: dict) -> dict:
    """CG MD with the derived potential: D_CG, density, structure error, D_CG/D_AA."""
    d = study.liquid_dir(liquid)
    inputs = {**cg_system_inputs(study, liquid), "state": study.cfg["state"], "engine": study.cfg["engine"],
              "cg_method": study.cfg["cg_method"], "cg_md": {k: study.cfg["cg"][k] for k in _CG_MD_KEYS},
              "analysis": study.cfg["analysis"]}
    done = study.finished(d / "cg_md.json", inputs)
    if done:
        return done
    fmt = study.cfg["cg"]["trajectory"]
    result = run_cg_md(study, liquid, load_potential(d), d / "cg_md.npz",
                       trajectory_path=None if fmt == "none" else d / f"cg_md.{fmt}")
    if fmt != "none":
        result["trajectory"] = f"cg_md.{fmt}" + ("" if fmt == "gsd" else " (topology cg_md.pdb; with masses cg_md.psf)")
    study.reporter.info(f"  {liquid['name']}: {_describe(result)}")
    return study.store(d / "cg_md.json", inputs, result)


def _describe(result: dict) -> str:
    keys = ("iterations", "error", "converged", "D_CG_1e9_m2_s", "acceleration", "density_g_cm3",
            "structure_error", "pressure_bar", "wall_s")
    parts = []
    for k in keys:
        v = result.get(k)
        if v is not None:
            parts.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
    return ", ".join(parts)


def write_summary(study) -> dict[str, Any]:
    """``summary.json`` and ``summary.md``: one row per liquid with what exists."""
    rows = []
    if not study.cfg["liquids"]:
        return {"rows": rows, "markdown": ""}
    for liquid in study.cfg["liquids"]:
        d = study.liquid_dir(liquid)
        row: dict[str, Any] = {"liquid": liquid["name"]}
        for name in ("target", "coarse_grain", "cg_md"):
            if (d / f"{name}.json").exists():
                row.update({f"{name}.{k}": v for k, v in read_json(d / f"{name}.json").items()
                            if k != "inputs_hash" and not isinstance(v, (list, dict))})
        if row.get("coarse_grain.converged") is False:
            study.reporter.warn(f"{liquid['name']}: the cg_method did not converge (ε = "
                                f"{row.get('coarse_grain.error', float('nan')):.3g} after "
                                f"{row.get('coarse_grain.iterations')} iterations); see coarse_grain.json")
        rows.append(row)
    atomic_write_json(study.out_dir / "summary.json", rows)
    cols = [("liquid", "liquid"), ("iterations", "coarse_grain.iterations"), ("converged", "coarse_grain.converged"),
            ("ε (IBI)", "coarse_grain.error"),
            ("D_CG [1e-9 m²/s]", "cg_md.D_CG_1e9_m2_s"), ("±", "cg_md.D_CG_err_1e9_m2_s"),
            ("D_AA", "cg_md.D_AA_1e9_m2_s"), ("D_CG/D_AA", "cg_md.acceleration"),
            ("ρ [g/cm³]", "cg_md.density_g_cm3"), ("ε (CG MD)", "cg_md.structure_error"),
            ("P [bar]", "cg_md.pressure_bar")]
    lines = ["| " + " | ".join(c for c, _ in cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        cells = [_cell(row.get(key)) for _, key in cols]
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    atomic_write_text(study.out_dir / "summary.md", table + "\n")
    study.reporter.result(table)
    return {"rows": rows, "markdown": table}


def _cell(v) -> str:
    if v is None:
        return "–"
    return f"{v:.4g}" if isinstance(v, float) else str(v)
