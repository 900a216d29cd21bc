"""The stages of a study, one function per stage, each per liquid and resumable."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from . import units
from .analysis import measure_cg_run, structure_error
from .hookspecs import CGTask
from .io import atomic_save_npz, atomic_write_json, atomic_write_text, read_json
from .molecules import molar_mass_gmol
from .systems import cg_box
from .tables import read_lammps_table, read_rdf_file, write_gromacs_table, write_lammps_table
from .errors import MobcgError
from .types import MDProtocol, PairPotential, RDF

_CG_SYSTEM_KEYS = ("n_beads", "timestep_fs", "cutoff_nm", "table_dr_nm")
_CG_MD_KEYS = ("ensemble", "equilibration_ps", "production_ps", "report_interval_ps", "friction_per_ps",
               "thermostat")


def _cg_system_inputs(study, liquid: dict) -> dict:
    cg = study.cfg["cg"]
    # Potentials to compare with change only the validation, not the target or the CG model.
    own = {k: v for k, v in liquid.items() if k != "compare_potentials"}
    return {"liquid": own, "cg": {k: cg[k] for k in _CG_SYSTEM_KEYS}, "seed": study.cfg["run"]["seed"]}


def stage_target(study, liquid: dict) -> dict:
    """Target of the CG model: all-atom g(r), D_AA and density, from files or all-atom MD."""
    d = study.liquid_dir(liquid)
    inputs = _cg_system_inputs(study, liquid)
    if not liquid["rdf_file"]:
        inputs = {**inputs, "aa": study.cfg["aa"], "state": study.cfg["state"], "engine": study.cfg["engine"]}
    done = study.cached(d / "target.json", inputs)
    if done:
        return done
    extra: dict[str, Any] = {}
    if liquid["rdf_file"]:
        target = read_rdf_file(liquid["rdf_file"], liquid["rdf_r_unit"])
        mass = liquid["mass_gmol"] or molar_mass_gmol(liquid["smiles"])
        density, d_aa = liquid["density_g_cm3"], liquid["diffusion_1e9_m2_s"] or None
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


def run_liquid_aa(study, liquid: dict, engine=None):
    """The liquid's all-atom run with the run file's [aa] and [state] settings (target stage, bench)."""
    from .workflows import run_aa_liquid

    aa, state = study.cfg["aa"], study.cfg["state"]
    start = aa["start_density_g_cm3"] or liquid["density_g_cm3"] or 0.7
    study.reporter.info(f"  {liquid['name']}: all-atom MD of {liquid['n_molecules']} molecules "
                        f"({aa['equilibration_ps']:g} + {aa['production_ps']:g} ps)")
    seed = liquid["forcefield_seed"]
    return run_aa_liquid(engine or study.plugin("engine"), liquid["smiles"], liquid["n_molecules"], start, aa,
                         state["temperature_K"], state["pressure_bar"] if aa["ensemble"] == "NPT" else None,
                         study.liquid_seed(liquid), None if seed < 0 else seed, study.cfg["analysis"])


def load_target(study, liquid: dict) -> tuple[dict, RDF]:
    d = study.liquid_dir(liquid)
    if not (d / "target.json").exists():
        stage_target(study, liquid)

    data = np.load(d / "target.npz")
    return read_json(d / "target.json"), RDF(data["r_nm"], data["g"])


def stage_coarse_grain(study, liquid: dict) -> dict:
    """Derive the CG potential with the configured cg_method (e.g. IBI)."""
    d = study.liquid_dir(liquid)
    inputs = {**_cg_system_inputs(study, liquid), "state": study.cfg["state"],
              "engine": study.cfg["engine"], "cg_method": study.cfg["cg_method"]}
    done = study.cached(d / "coarse_grain.json", inputs)
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
    study.cached(workdir / "inputs.json", inputs) or study.store(workdir / "inputs.json", inputs, {})
    method = study.plugin("cg_method")
    t0 = time.perf_counter()
    with study.reporter.bar(f"  {liquid['name']} {method.name}", 1) as update:
        outcome = method.derive(task, study.plugin("engine"), workdir, update)
    save_potential(d, outcome.potential)
    summary = {k: v for k, v in outcome.info.items() if k != "history"}
    summary["wall_s"] = round(time.perf_counter() - t0, 2)
    study.reporter.info(f"  {liquid['name']}: {_describe(summary)}")
    return study.store(d / "coarse_grain.json", inputs, summary)


def read_potential_file(path, cutoff_nm: float) -> PairPotential:
    """A LAMMPS/VOTCA table cut at ``cutoff_nm`` (nm); it must reach that far."""
    pot = read_lammps_table(path)
    if pot.cutoff_nm < cutoff_nm - 1e-6:
        raise MobcgError(f"{path}: the table ends at {pot.cutoff_nm:.4f} nm, before cg.cutoff_nm = {cutoff_nm} "
                         "nm; lower cg.cutoff_nm or extend the table")
    keep = pot.r_nm <= cutoff_nm + 1e-9
    return PairPotential(pot.r_nm[keep], pot.u_kjmol[keep], pot.f_kjmol_nm[keep])


def _potential_from_file(study, liquid: dict) -> dict:
    """A given table, cut at cg.cutoff_nm."""
    path, rc = liquid["potential_file"], study.cfg["cg"]["cutoff_nm"]
    pot = read_potential_file(path, rc)
    save_potential(study.liquid_dir(liquid), pot)
    study.reporter.info(f"  {liquid['name']}: potential read from {path} (cut at {pot.cutoff_nm:.4f} nm)")
    return {"source": path, "cutoff_nm": pot.cutoff_nm}


def save_potential(d, pot: PairPotential) -> None:
    """The potential in core units (npz), as a LAMMPS/VOTCA table and as a GROMACS table."""
    atomic_save_npz(d / "potential.npz", r_nm=pot.r_nm, u_kjmol=pot.u_kjmol, f_kjmol_nm=pot.f_kjmol_nm)
    write_lammps_table(pot, d / "potential.table")
    write_gromacs_table(pot, d / "potential.xvg")


def load_potential(d) -> PairPotential:
    data = np.load(d / "potential.npz")
    return PairPotential(data["r_nm"], data["u_kjmol"], data["f_kjmol_nm"])


def stage_cg_md(study, liquid: dict) -> dict:
    """CG MD with the derived potential: D_CG, density, structure error, D_CG/D_AA."""
    d = study.liquid_dir(liquid)
    inputs = {**_cg_system_inputs(study, liquid), "state": study.cfg["state"], "engine": study.cfg["engine"],
              "cg_method": study.cfg["cg_method"], "cg_md": {k: study.cfg["cg"][k] for k in _CG_MD_KEYS},
              "analysis": study.cfg["analysis"]}
    done = study.cached(d / "cg_md.json", inputs)
    if done:
        return done
    result = run_cg_md(study, liquid, load_potential(d), d / "cg_md.npz")
    study.reporter.info(f"  {liquid['name']}: {_describe(result)}")
    return study.store(d / "cg_md.json", inputs, result)


def run_cg_md(study, liquid: dict, pot: PairPotential, arrays_path, ensemble: str | None = None,
              production_ps: float | None = None, thermostat: dict | None = None) -> dict:
    """One CG MD run of ``liquid`` with ``pot`` under the [cg] settings (ensemble, length and the
    thermostat — ``{"thermostat", "friction_per_ps", "dpd_cutoff_nm"}`` — may be overridden):
    D_CG, density, pressure, ε against the target.  g(r) and MSD go to ``arrays_path``."""
    info, target = load_target(study, liquid)
    cg, an, state = study.cfg["cg"], study.cfg["analysis"], study.cfg["state"]
    ensemble = ensemble or cg["ensemble"]
    production_ps = production_ps or cg["production_ps"]
    thermostat = thermostat or {"thermostat": cg["thermostat"], "friction_per_ps": cg["friction_per_ps"]}
    protocol = MDProtocol(state["temperature_K"], cg["timestep_fs"], production_ps,
                          seed=study.liquid_seed(liquid) + 17,
                          pressure_bar=state["pressure_bar"] if ensemble == "NPT" else None, **thermostat)
    system = cg_box(info["n_beads"], info["mass_gmol"], info["box_nm"], pot, protocol.seed - 17)
    m = measure_cg_run(study.plugin("engine"), system, protocol, cg["equilibration_ps"], production_ps,
                       cg["report_interval_ps"], an)
    pressure = None if np.isnan(m.pressure_bar) else m.pressure_bar
    diff, wall = m.diffusion, m.total_wall_s
    atomic_save_npz(arrays_path, rdf_r_nm=m.rdf.r_nm, rdf_g=m.rdf.g, msd_lag_ps=diff.msd_lag_ps, msd_nm2=diff.msd_nm2)
    d_aa = info.get("diffusion_1e9_m2_s")
    return {"D_CG_1e9_m2_s": diff.d_1e9_m2_s, "D_CG_err_1e9_m2_s": diff.d_err_1e9_m2_s,
            "D_AA_1e9_m2_s": d_aa, "acceleration": diff.d_1e9_m2_s / d_aa if d_aa else None,
            "density_g_cm3": m.density_g_cm3, "density_err_g_cm3": m.density_err_g_cm3, "pressure_bar": pressure,
            "structure_error": structure_error(m.rdf, target), "ensemble": ensemble,
            "production_ps": production_ps, "wall_s": round(wall, 2),
            "ns_per_day": production_ps * 1e-3 / (wall / 86400.0) if wall > 0 else None}


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
        rows.append(row)
    atomic_write_json(study.out_dir / "summary.json", rows)
    cols = [("liquid", "liquid"), ("iterations", "coarse_grain.iterations"), ("ε (IBI)", "coarse_grain.error"),
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
    study.reporter.info(table)
    return {"rows": rows, "markdown": table}


def _cell(v) -> str:
    if v is None:
        return "–"
    return f"{v:.4g}" if isinstance(v, float) else str(v)
