"""The ``friction`` stage: keep the CG potential's structure, restore the all-atom mobility.

Per liquid: the coarse_grain stage's potential, the target D_AA, and a few NVT CG runs
(:func:`mobcg_core.friction.calibrate`) give the DPD or Langevin friction at which
D_CG = D_AA.  Results: ``friction.json`` (the friction, every run with its D and ε, the
cost) and ``friction_lammps.in`` (the model as LAMMPS input lines: a potential without
its friction is not the model).  Resumable like every stage: a finished calibration is
reused when its inputs are unchanged.
"""

from __future__ import annotations

from pathlib import Path

from mobcg_core.contract.errors import MobcgError
from mobcg_core.physics.friction import calibrate
from mobcg_core.io import atomic_write_text, read_json
from mobcg_core.study.artifacts import cg_system_inputs, load_potential, load_target, run_cg_md
from mobcg_core.contract.units import ANGSTROM_PER_NM


def _names(thermostat: str, primary: bool) -> tuple[str, str, str]:
    """(result file, runs folder, LAMMPS snippet) of one calibration; the first keeps the plain names."""
    tail = "" if primary else f"_{thermostat}"
    return f"friction{tail}.json", f"friction{tail}", f"friction{tail}_lammps.in"


def friction_results(study, liquid: dict) -> list[tuple[dict, Path]]:
    """Every finished calibration of a liquid: (friction.json contents, its runs folder), primary first."""
    d = study.liquid_dir(liquid)
    out = []
    for k, thermostat in enumerate(("dpd", "langevin") if study.cfg["friction"]["thermostat"] == "both"
                                   else (study.cfg["friction"]["thermostat"],)):
        result, runs, _ = _names(thermostat, k == 0)
        if (d / result).exists():
            out.append((read_json(d / result), d / runs))
    return out


def stage_friction(study, liquid: dict) -> dict:
    """Calibrate the configured thermostat for one liquid; ``both``: DPD, then Langevin
    (returns {"dpd": result, "langevin": result})."""
    f = study.cfg["friction"]
    if f["thermostat"] != "both":
        return _calibrate(study, liquid, f["thermostat"], True)
    return {t: _calibrate(study, liquid, t, k == 0) for k, t in enumerate(("dpd", "langevin"))}


def _calibrate(study, liquid: dict, thermostat: str, primary: bool) -> dict:
    d = study.liquid_dir(liquid)
    f, cg = study.cfg["friction"], study.cfg["cg"]
    result_name, runs_name, snippet_name = _names(thermostat, primary)
    inputs = {**cg_system_inputs(study, liquid), "state": study.cfg["state"], "engine": study.cfg["engine"],
              "cg_method": study.cfg["cg_method"], "friction": f, "analysis": study.cfg["analysis"],
              "equilibration_ps": cg["equilibration_ps"], "thermostat": thermostat}
    if primary and f["thermostat"] != "both":
        inputs.pop("thermostat")  # the hash of a single calibration is unchanged from earlier versions
    done = study.finished(d / result_name, inputs)
    if done:
        return done
    study.require("coarse_grain", liquid)
    info, _ = load_target(study, liquid)
    target = info.get("diffusion_1e9_m2_s")
    if not target:
        raise MobcgError(f"liquid {liquid['name']}: the friction stage needs D_AA; give "
                         "liquids.diffusion_1e9_m2_s or run the target stage from all-atom MD")
    pot, runs = load_potential(d), []

    def measure(thermostat: str, friction: float) -> tuple[float, float]:
        settings = {"thermostat": thermostat, "friction_per_ps": friction or 1.0,
                    "dpd_cutoff_nm": f["dpd_cutoff_nm"]}
        row = run_cg_md(study, liquid, pot, d / runs_name / f"run_{len(runs)}.npz", "NVT", f["run_ps"], settings)
        runs.append(row)
        study.reporter.info(f"  {liquid['name']} {thermostat} γ = {friction:.4g}/ps: "
                            f"D = {row['D_CG_1e9_m2_s']:.3g} ± {row['D_CG_err_1e9_m2_s']:.2g}, "
                            f"ε = {row['structure_error']:.3g}")
        return row["D_CG_1e9_m2_s"], row["D_CG_err_1e9_m2_s"]

    result = calibrate(measure, target, thermostat, f["start_per_ps"], f["tolerance"], f["max_runs"])
    for run, row in zip(result.runs, runs):
        run.update(structure_error=row["structure_error"], pressure_bar=row["pressure_bar"])
    snippet = lammps_snippet(result.thermostat, result.friction_per_ps, info["mass_gmol"],
                             f["dpd_cutoff_nm"] or cg["cutoff_nm"], cg["cutoff_nm"],
                             study.cfg["state"]["temperature_K"])
    atomic_write_text(d / snippet_name, snippet)
    study.reporter.info(f"  {liquid['name']}: {result.thermostat} γ = {result.friction_per_ps:.4g}/ps gives "
                        f"D_CG/D_AA = {result.ratio:.3f} ({len(result.runs)} runs, {result.wall_s:.0f} s)")
    engines = {"openmm": {"integrator": "DPDIntegrator" if result.thermostat == "dpd" else "LangevinMiddleIntegrator",
                          "friction_per_ps": result.friction_per_ps},
               "hoomd": {"gamma": info["mass_gmol"] * result.friction_per_ps} if result.thermostat == "dpd"
               else {"gamma_per_type": info["mass_gmol"] * result.friction_per_ps}}
    return study.store(d / result_name, inputs, {**result.as_dict(), "engines": engines,
                                                 "dpd_cutoff_nm": f["dpd_cutoff_nm"] or cg["cutoff_nm"],
                                                 "lammps_input": snippet_name})


def lammps_snippet(thermostat: str, friction_per_ps: float, mass_gmol: float, dpd_cutoff_nm: float,
                   cutoff_nm: float, temperature_K: float) -> str:
    """LAMMPS ``units real`` lines for the potential table (``potential.table``) with its friction."""
    rc, rd = cutoff_nm * ANGSTROM_PER_NM, dpd_cutoff_nm * ANGSTROM_PER_NM
    T = temperature_K
    if thermostat == "dpd":
        gamma = mass_gmol * friction_per_ps * 1e-3 / 4.184e-4  # m·γ in kcal/mol·fs/Å² (see mobcg_lammps.cg)
        return (f"# mobcg: CG potential + DPD friction (γ = {friction_per_ps:.6g}/ps, OpenMM convention)\n"
                "comm_modify vel yes\n"
                f"pair_style hybrid/overlay table linear 1550 dpd/tstat {T} {T} {rd:.4f} 12345\n"
                f"pair_coeff 1 1 table potential.table VOTCA {rc:.4f}\n"
                f"pair_coeff 1 1 dpd/tstat {gamma:.6g}\n"
                "fix md all nve\n")
    return (f"# mobcg: CG potential + Langevin friction ({friction_per_ps:.6g}/ps)\n"
            "pair_style table linear 1550\n"
            f"pair_coeff 1 1 potential.table VOTCA {rc:.4f}\n"
            f"fix md all nve\nfix thermostat all langevin {T} {T} {1000.0 / friction_per_ps:.6g} 12345\n")
