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
from mobcg_core.io import read_json
from mobcg_core.study.artifacts import cg_system_inputs, load_potential, load_target, run_cg_md


# Engine inputs come from each engine's own exporter (one copy of its commands), not from text
# written here; the friction_lammps.in snippet of earlier versions is no longer written.
EXPORT_HINT = "mobcg export RUN_DIR LIQUID -o DIR: in.lammps, run_openmm.py, run_hoomd.py with this friction"


def _names(thermostat: str, primary: bool) -> tuple[str, str, str]:
    """(result file, runs folder) of one calibration; the first keeps the plain names."""
    tail = "" if primary else f"_{thermostat}"
    return f"friction{tail}.json", f"friction{tail}"


def friction_results(study, liquid: dict) -> list[tuple[dict, Path]]:
    """Every finished calibration of a liquid: (friction.json contents, its runs folder), primary first."""
    d = study.liquid_dir(liquid)
    out = []
    for k, thermostat in enumerate(("dpd", "langevin") if study.cfg["friction"]["thermostat"] == "both"
                                   else (study.cfg["friction"]["thermostat"],)):
        result, runs = _names(thermostat, k == 0)
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
    result_name, runs_name = _names(thermostat, primary)
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
    study.reporter.info(f"  {liquid['name']}: {result.thermostat} γ = {result.friction_per_ps:.4g}/ps gives "
                        f"D_CG/D_AA = {result.ratio:.3f} ({len(result.runs)} runs, {result.wall_s:.0f} s)")
    engines = {"openmm": {"integrator": "DPDIntegrator" if result.thermostat == "dpd" else "LangevinMiddleIntegrator",
                          "friction_per_ps": result.friction_per_ps},
               "hoomd": {"gamma": info["mass_gmol"] * result.friction_per_ps} if result.thermostat == "dpd"
               else {"gamma_per_type": info["mass_gmol"] * result.friction_per_ps}}
    return study.store(d / result_name, inputs, {**result.as_dict(), "engines": engines,
                                                 "dpd_cutoff_nm": f["dpd_cutoff_nm"] or cg["cutoff_nm"],
                                                 "export": EXPORT_HINT})
