"""Stages of the learned model: ``train`` (study), ``predict`` and ``validate`` (per liquid).

Output::

    OUT/model.pt, OUT/train.json            the predictor's model file and its metrics
    OUT/liquids/NAME/ml/potential.*         the predicted potential (npz, LAMMPS, GROMACS)
    OUT/liquids/NAME/ml/predict.json|.npz   uncertainty and model provenance
    OUT/liquids/NAME/validate.json          ML and IBI potentials side by side
    OUT/validation.md|.json, OUT/validation_NAME.png   the table and plots
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from mobcg_core.contract import units
from mobcg_core.config.inputs import model_file
from mobcg_core.config.stage_options import CANDIDATE_KEYS
from mobcg_core.contract.hookspecs import Prediction
from mobcg_core.contract.types import PairPotential
from mobcg_core.database.generate import database_path
from mobcg_core.database.store import Database
from mobcg_core.contract.errors import MobcgError, PhysicalFailure
from mobcg_core.io import atomic_save_npz, read_json, stable_hash
from mobcg_core.physics.potentials import table_grid
from mobcg_core.study.friction_stage import friction_results
from mobcg_core.study.db_candidates import database_candidates
from mobcg_core.study.mobility_match import choose, match_mobility
from mobcg_core.study.pressure_match import match_pressure
from mobcg_core.workflows import CGRun, measure_cg
from mobcg_core.study.artifacts import load_potential, load_target, read_potential_file, run_cg_md, save_potential
from mobcg_core.plugin_kit.systems import cg_box
from mobcg_core.physics.timestep import energy_drift


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def model_path(study) -> Path:
    """The model the study writes or reads (:func:`mobcg_core.config.inputs.model_file`)."""
    path = model_file(study.cfg, study.plugin("predictor"))
    if path is None:
        raise MobcgError(f"predictor {study.cfg['predictor']['name']!r} ships no model: add the 'train' "
                         "stage or set model.file")
    return path


def _provenance(study, database: Path) -> dict:
    """What a model file records of its origin: run files (text) and the database's digest."""
    out = {"training_run_file": study.cfg.get("_file"), "database_file": str(database),
           "database_sha256": _digest(database.read_bytes())}
    manifest = database.parent / "manifest.json"
    if manifest.exists():  # the database was made by a study in that folder: keep its run file
        run_file = Path(read_json(manifest).get("run_file") or "")
        if run_file.is_file():
            out["database_run_file"] = {"path": str(run_file), "text": run_file.read_text()}
    return out


def stage_train(study) -> dict:
    """Train the predictor on the database (skipped when the model matches database and settings)."""
    db = Database(database_path(study))
    keys = sorted(db.read("samples", columns=["key"])["key"].tolist())
    inputs = {"samples": stable_hash(keys, 16), "predictor": study.cfg["predictor"], "seed": study.cfg["run"]["seed"]}
    path = model_path(study)
    done = study.finished(study.out_dir / "train.json", inputs)
    if done and path.exists():
        return done
    predictor = study.plugin("predictor")
    study.reporter.info(f"  training {predictor.name} on {len(keys)} samples of {db.path}")
    with study.reporter.bar(f"  {predictor.name} folds", predictor.opts.get("folds", 1)) as update:
        meta = predictor.train(db.path, path, seed=study.cfg["run"]["seed"], progress=update,
                               provenance=_provenance(study, db.path))
    cv = meta.get("cv", {})
    study.reporter.info(f"  model {path}: cross-validated R² = {cv.get('r2', float('nan')):.4f}, "
                        f"MAE = {cv.get('mae_kjmol', float('nan')):.4f} kJ/mol ({meta.get('train_s', 0):.0f} s)")
    return study.store(study.out_dir / "train.json", inputs, {"model": str(path), **meta})


def stage_predict(study, liquid: dict) -> dict:
    """The predicted CG potential of a liquid from its bead mass, target g(r) and D_AA."""
    d = study.liquid_dir(liquid) / "ml"
    path = model_path(study)
    info, target = load_target(study, liquid)
    if not info.get("diffusion_1e9_m2_s"):
        raise MobcgError(f"liquid {liquid['name']}: prediction needs D_AA; give liquids.diffusion_1e9_m2_s or "
                         "compute the target with all-atom MD (no rdf_file)")
    model_hash = _digest(path.read_bytes()) if path.exists() else None
    pc = study.cfg["predict"]
    inputs = {"target": info.get("inputs_hash"), "model": model_hash, "predictor": study.cfg["predictor"],
              "cg": {k: study.cfg["cg"][k] for k in ("cutoff_nm", "table_dr_nm")},
              "predict": {k: v for k, v in pc.items() if pc["candidates"] or k not in CANDIDATE_KEYS}}
    done = study.finished(d / "predict.json", inputs)
    if done:
        return done
    if pc["mobility_target"] > 0:
        loop = match_mobility(lambda f: _mobility_probe(study, liquid, path, f, inputs), pc["mobility_target"],
                              pc["mobility_tolerance"], pc["mobility_max_structure_error"], pc["mobility_rounds"])
        probes = loop.probes
        if pc["candidates"] > 0 and not loop.converged:
            loop, probes = _with_candidates(study, liquid, loop, inputs)
        pred, pot, extra = loop.chosen
        extra = {**extra, "mobility_factor": loop.factor, "mobility_probes": probes,
                 "mobility_matched": loop.converged, "mobility_within_budget": loop.within_budget}
        if not loop.within_budget:
            pot, extra = _over_budget(study, liquid, pot, extra, pc["mobility_max_structure_error"])
        tried = ", ".join(f"{p.get('factor') or p.get('candidate')} → {p['ratio']:.2f} (ε {p['structure_error']:.4f})"
                          for p in probes)
        chosen = f"feeds {loop.factor:.3g} × D_AA" if loop.factor else f"keeps {pred.info['candidate']}"
        study.reporter.info(f"  {liquid['name']}: closed loop {chosen} (D fed / D_AA → D_CG/D_AA: {tried})")
    else:
        pred = _predict(study, liquid, path, 1.0)
        pot, extra = _pressure_matched(study, liquid, pred, d)
    save_potential(d, pot)
    if pred.uncertainty_kjmol is not None:
        atomic_save_npz(d / "uncertainty.npz", r_nm=pred.potential.r_nm, sigma_kjmol=pred.uncertainty_kjmol)
    study.reporter.info(f"  {liquid['name']}: predicted potential in {d} "
                        f"(ensemble spread ≤ {pred.info.get('uncertainty_max_kjmol', float('nan')):.3f} kJ/mol)")
    return study.store(d / "predict.json", inputs, {"model": str(path), **pred.info, **extra})


def _predict(study, liquid: dict, path: Path, factor: float):
    """The predictor's :class:`Prediction` for the model fed ``factor`` × D_AA."""
    info, target = load_target(study, liquid)
    cg = study.cfg["cg"]
    pred = study.plugin("predictor").predict(
        path, info["mass_gmol"], target, units.diffusion_from_1e9_m2_s(factor * info["diffusion_1e9_m2_s"]),
        table_grid(cg["cutoff_nm"], cg["table_dr_nm"]))
    for problem in pred.info.get("extrapolation", []):
        study.reporter.warn(f"{liquid['name']}: {problem}: the prediction extrapolates")
    return pred


def _pressure_matched(study, liquid: dict, pred, d: Path) -> tuple[PairPotential, dict]:
    """(potential, record): the prediction with the ramp that holds state.pressure_bar (when
    [predict] pressure_correction is on; the uncorrected potential goes to d/uncorrected)."""
    pc = study.cfg["predict"]
    if not pc["pressure_correction"]:
        return pred.potential, {}
    info, _ = load_target(study, liquid)
    save_potential(d / "uncorrected", pred.potential)
    match = match_pressure(study.plugin("engine"), pred.potential, info["mass_gmol"], info["n_beads"], info["box_nm"],
                           study.cfg["cg"], study.cfg["analysis"], study.cfg["state"],
                           study.seed(liquid, "pressure_match"), pc["probe_ps"], pc["probe_rounds"],
                           pc["tolerance_bar"])
    probes = ", ".join(f"{p['pressure_bar']:.0f}" for p in match.probes)
    study.reporter.info(f"  {liquid['name']}: pressure ramp A = {match.amplitude_kjmol:+.3f} kJ/mol "
                        f"(probe pressures {probes} bar)")
    return match.potential, {"pressure_ramp_kjmol": match.amplitude_kjmol, "pressure_probes": match.probes,
                             "pressure_matched": match.converged}


def _over_budget(study, liquid: dict, pot, extra: dict, max_eps: float):
    """No probe stayed within ε ≤ max_eps and liquid: keep the cg_method's potential where this study
    has derived it (its structure is within budget), else the open-loop prediction, marked so."""
    ibi_dir = study.liquid_dir(liquid)
    if (ibi_dir / "potential.npz").exists():
        kept = load_potential(ibi_dir)
        study.reporter.warn(f"  {liquid['name']}: no probe of the closed loop stayed within ε ≤ {max_eps:g} and "
                            f"liquid; the {study.cfg['cg_method']['name'].upper()} potential is kept as the ML row")
        return kept, {**extra, "mobility_fallback": study.cfg["cg_method"]["name"],
                      "fallback_potential_sha256": _digest(kept.u_kjmol.tobytes())}
    study.reporter.warn(f"  {liquid['name']}: no probe of the closed loop stayed within ε ≤ {max_eps:g} and "
                        "liquid; the open-loop prediction is kept and marked over budget in the validation table")
    return pot, extra


def _with_candidates(study, liquid: dict, loop, inputs: dict):
    """The closed loop missed its target: probe the database candidates too (db_candidates.py) and keep
    the best of the loop's choice and theirs. Returns the new choice and every probe made."""
    pc, cg = study.cfg["predict"], study.cfg["cg"]
    info, target = load_target(study, liquid)
    found = database_candidates([Path(p) for p in pc["candidate_databases"]], target, info["mass_gmol"],
                                info["diffusion_1e9_m2_s"], info["n_beads"] / info["box_nm"] ** 3,
                                table_grid(cg["cutoff_nm"], cg["table_dr_nm"]), pc["candidates"],
                                pc["candidate_max_structure_error"], pc["mobility_target"])
    study.reporter.info(f"  {liquid['name']}: the model's probes missed D_CG/D_AA = {pc['mobility_target']:g}; "
                        f"probing {len(found)} database candidates within ε ≤ {pc['candidate_max_structure_error']:g}")
    chosen = [loop.chosen]
    tried = [next(p for p in loop.probes if p["factor"] == loop.factor)]
    for c in found:
        pred = Prediction(c.potential, info={"candidate": c.label, "candidate_scale": c.scale,
                                             "candidate_structure_error": c.structure_error,
                                             "candidate_expected_ratio": c.expected_ratio})
        name = c.key.replace(":", "_").replace("/", "_")
        probe_inputs = {**inputs, "candidate": c.label, "u": _digest(c.potential.u_kjmol.tobytes())}
        got, m = _mobility_probe(study, liquid, path=None, factor=None, inputs=probe_inputs, pred=pred,
                                 folder=f"database_{name}")
        chosen.append(got)
        tried.append({"factor": None, "candidate": c.label, "expected_ratio": c.expected_ratio, **m})
    best = choose(chosen, tried, pc["mobility_target"], pc["mobility_tolerance"], pc["mobility_max_structure_error"])
    return best, loop.probes + tried[1:]


def _mobility_probe(study, liquid: dict, path: Path | None, factor: float | None, inputs: dict,
                    pred=None, folder: str | None = None):
    """One probe of the closed loop (resumable: ml/closed_loop/F/probe.json): the prediction
    for ``factor`` × D_AA (or ``pred``, in ``folder``), pressure-matched, and its D_CG/D_AA and ε
    in NVT at the AA density."""
    d = study.liquid_dir(liquid) / "ml" / "closed_loop" / (folder or f"{factor:.6g}")
    pred = pred or _predict(study, liquid, path, factor)
    probe_inputs = {**inputs, "factor": factor} if factor is not None else inputs
    done = study.finished(d / "probe.json", probe_inputs)
    if done:
        return (pred, load_potential(d), done["record"]), done["measurement"]
    pot, record = _pressure_matched(study, liquid, pred, d)
    info, target = load_target(study, liquid)
    an = study.cfg["analysis"]
    run = CGRun.from_config(study.cfg["cg"], study.cfg["state"], info["n_beads"], info["mass_gmol"], info["box_nm"],
                            study.seed(liquid, "mobility_probe"),
                            production_ps=study.cfg["predict"]["mobility_probe_ps"])
    m = measure_cg(study.plugin("engine"), pot, run, an).sample(an, target)
    d_aa = info["diffusion_1e9_m2_s"]
    measurement = {"ratio": m["diffusion_1e9_m2_s"] / d_aa, "ratio_err": m["diffusion_err_1e9_m2_s"] / d_aa,
                   "structure_error": m["structure_error"], "pressure_bar": float(m["pressure_bar"]),
                   "frozen": m["frozen"], "phase_reason": m["phase_reason"]}
    if m["frozen"]:
        which = folder or f"f = {factor:.3g}"
        study.reporter.warn(f"  {liquid['name']} probe {which}: the CG liquid froze ({m['phase_reason']}); "
                            "the closed loop rejects it")
    save_potential(d, pot)
    study.store(d / "probe.json", probe_inputs, {"record": record, "measurement": measurement})
    return (pred, pot, record), measurement


def _one_potential(study, liquid, label: str, pot_dir: Path, nvt: dict | None,
                   timestep_fs: float | None = None) -> dict:
    """NVT (unless given), NPT density and NVE drift of one potential (at ``timestep_fs``, fs, or cg's)."""
    v, cg, state = study.cfg["validation"], study.cfg["cg"], study.cfg["state"]
    dt = timestep_fs or cg["timestep_fs"]
    pot = load_potential(pot_dir)
    row = dict(nvt) if nvt else run_cg_md(study, liquid, pot, pot_dir / "validate_nvt.npz", "NVT", timestep_fs=dt)
    row = {"potential": label, "timestep_fs": dt,
           **{k: row.get(k) for k in ("D_CG_1e9_m2_s", "D_CG_err_1e9_m2_s", "D_AA_1e9_m2_s", "acceleration",
                                      "structure_error", "pressure_bar", "phase", "phase_reason")}}
    if row["acceleration"] is not None:
        row["acceleration_err"] = row["D_CG_err_1e9_m2_s"] / row["D_AA_1e9_m2_s"]
    if v["npt_ps"] > 0:
        npt = run_cg_md(study, liquid, pot, pot_dir / "validate_npt.npz", "NPT", v["npt_ps"], timestep_fs=dt)
        row.update(density_npt_g_cm3=npt["density_g_cm3"], density_npt_err_g_cm3=npt["density_err_g_cm3"])
        # D at the potential's own 1-atm density: a potential whose liquid is too dense at 1 atm
        # is slower there than at the all-atom density (how a study that runs NPT reports D)
        if npt["acceleration"] is not None:
            row.update(acceleration_npt=npt["acceleration"],
                       acceleration_npt_err=npt["D_CG_err_1e9_m2_s"] / npt["D_AA_1e9_m2_s"])
        aa = load_target(study, liquid)[0].get("density_g_cm3")
        if aa:
            row["density_deviation_pct"] = 100.0 * (npt["density_g_cm3"] / aa - 1.0)
    if v["nve_drift_ps"] > 0:
        info, _ = load_target(study, liquid)
        system = cg_box(info["n_beads"], info["mass_gmol"], info["box_nm"], pot, study.liquid_seed(liquid))
        row["nve_drift_kT_per_bead_ns"] = energy_drift(study.plugin("engine"), system, state["temperature_K"],
                                                       dt, v["nve_drift_ps"],
                                                       seed=study.liquid_seed(liquid))
    return row


def _friction_row(friction: dict, label: str, plain: dict) -> dict:
    res = friction
    run = next(r for r in res["runs"] if r["friction_per_ps"] == res["friction_per_ps"]
               and r["thermostat"] == res["thermostat"])
    return {"potential": label, "D_CG_1e9_m2_s": run["D"], "D_CG_err_1e9_m2_s": run["D_err"],
            "D_AA_1e9_m2_s": res["target_1e9_m2_s"], "acceleration": run["D"] / res["target_1e9_m2_s"],
            "structure_error": run["structure_error"], "pressure_bar": run["pressure_bar"],
            "density_npt_g_cm3": plain.get("density_npt_g_cm3"), "friction_per_ps": res["friction_per_ps"]}


def compare_dirs(study, liquid: dict) -> dict[str, Path]:
    """The liquid's ``compare_potentials``, each cut at the cutoff and saved in its own folder."""
    out = {}
    for i, (label, file) in enumerate(sorted(liquid["compare_potentials"].items())):
        path = Path(file) if Path(file).is_absolute() else Path(study.cfg["_base_dir"]) / file
        pot_dir = study.liquid_dir(liquid) / "compare" / f"{i}"
        if not (pot_dir / "potential.npz").exists():
            save_potential(pot_dir, read_potential_file(path, study.cfg["cg"]["cutoff_nm"]))
        out[label] = pot_dir
    return out


def _budget_label(ml: dict) -> str:
    if ml.get("mobility_within_budget") is not False:
        return "yes"
    return f"no: {ml['mobility_fallback'].upper()} kept" if ml.get("mobility_fallback") else "no"


def stage_validate(study, liquid: dict) -> dict:
    """CG runs with the ML and the IBI potential of the same target, side by side."""
    d = study.liquid_dir(liquid)
    ml = stage_predict(study, liquid)
    study.require("coarse_grain", liquid)
    ibi_nvt = study.require("cg_md", liquid) if study.cfg["cg"]["ensemble"] == "NVT" else None
    frictions = [res for res, _ in friction_results(study, liquid)]
    inputs = {"ml": ml["inputs_hash"], "ibi": _digest(np.load(d / "potential.npz")["u_kjmol"].tobytes()),
              "friction": frictions[0] if len(frictions) == 1 else frictions, "compare": liquid["compare_potentials"],
              "cg": study.cfg["cg"], "validation": study.cfg["validation"], "engine": study.cfg["engine"],
              "analysis": study.cfg["analysis"]}
    done = study.finished(d / "validate.json", inputs)
    if done:
        return done
    info, _ = load_target(study, liquid)
    method = study.cfg["cg_method"]["name"].upper()
    ml_row = _one_potential(study, liquid, "ML", d / "ml", None)
    ml_row.update(source=ml.get("candidate", "model"), spread_max_kjmol=ml.get("uncertainty_max_kjmol"),
                  within_budget=_budget_label(ml),
                  in_training_range="–" if ml.get("candidate") else "no" if ml.get("extrapolation") else "yes")
    ibi_row = _one_potential(study, liquid, method, d, ibi_nvt)
    rows = [ml_row, ibi_row]
    if ml.get("mobility_probes"):  # closed loop: the open-loop prediction (D_AA fed) beside it
        rows.insert(1, _one_potential(study, liquid, "ML, open loop", d / "ml" / "closed_loop" / "1", None))
    for label, pot_dir in compare_dirs(study, liquid).items():
        try:
            rows.append(_one_potential(study, liquid, label, pot_dir, None,
                                       study.cfg["validation"]["compare_timestep_fs"] or None))
        except PhysicalFailure as exc:  # a published table may not survive this protocol: that is a result
            study.reporter.warn(f"{liquid['name']} {label}: {exc}")
            rows.append({"potential": label, "failed": str(exc)})
    for friction in frictions:  # the friction stage's calibrated runs: same potential, so same NPT density
        rows.append(_friction_row(friction, f"{method} + {friction['thermostat'].upper()}", ibi_row))
    for row in (r for r in rows if r.get("phase") == "frozen"):
        study.reporter.warn(f"  {liquid['name']} {row['potential']}: FROZEN — {row['phase_reason']}")
    for row in (r for r in rows if "failed" not in r):
        study.reporter.info(f"  {liquid['name']} {row['potential']}: D_CG/D_AA = {row['acceleration']:.3g}, "
                            f"ε = {row['structure_error']:.3g}" +
                            (f", ρ(NPT) = {row['density_npt_g_cm3']:.4f}" if "density_npt_g_cm3" in row else ""))
    return study.store(d / "validate.json", inputs, {"liquid": liquid["name"], "density_aa_g_cm3":
                                                     info.get("density_g_cm3"), "rows": rows})
