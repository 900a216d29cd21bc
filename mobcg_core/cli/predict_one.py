"""``mobcg predict``: a liquid's CG potential from its mass, all-atom g(r) and D — no study,
no database, the predictor's shipped model unless ``--model`` names another.

Writes ``OUT/potential.npz|.table|.xvg`` (core units; LAMMPS/VOTCA Å and kcal/mol; GROMACS),
``OUT/uncertainty.npz`` (the ensemble spread, kJ/mol) and ``OUT/predict.json``.  Every input
is checked before the model runs, and OUT appears whole or not at all.
"""

from __future__ import annotations

import math
from pathlib import Path

from mobcg_core.contract import units
from mobcg_core.contract.errors import MobcgError
from mobcg_core.io import atomic_save_npz, atomic_write_json, new_folder
from mobcg_core.forcefield.smiles import molar_mass_gmol
from mobcg_core.study.artifacts import save_potential
from mobcg_core.physics.tables import read_rdf_file

MASS_TOLERANCE = 0.02  # relative: --mass and the SMILES's molar mass must agree this well


def predict_liquid(predictor, rdf_file: str, diffusion_1e9_m2_s: float, out_dir: str | Path,
                   mass_gmol: float | None = None, smiles: str | None = None, model: str | None = None,
                   rdf_r_unit: str = "auto", force: bool = False) -> dict:
    """Predict, save and describe one potential; returns the JSON record written."""
    mass_gmol = _mass(mass_gmol, smiles, shipped=model is None)
    if not (math.isfinite(diffusion_1e9_m2_s) and diffusion_1e9_m2_s > 0):
        raise MobcgError(f"predict: --diffusion {diffusion_1e9_m2_s:g}: give the all-atom D as a positive "
                         "number (10⁻⁹ m²/s)")
    path = Path(model) if model else predictor.default_model()
    if path is None:
        raise MobcgError(f"predict: predictor {predictor.name!r} ships no model; give --model FILE")
    if not path.is_file():
        raise MobcgError(f"predict: --model {path}: no such file")
    predictor.check_model(path, None)
    _check_rdf(Path(rdf_file), rdf_r_unit)
    out = Path(out_dir)
    if out.exists() and not force and (not out.is_dir() or any(out.iterdir())):
        raise MobcgError(f"predict: {out} exists and is not empty (choose another -o, or --force to replace it)")
    target = read_rdf_file(rdf_file, rdf_r_unit)
    pred = predictor.predict(path, mass_gmol, target, units.diffusion_from_1e9_m2_s(diffusion_1e9_m2_s), None)
    record = {"model": str(path), "rdf_file": str(rdf_file), "mass_gmol": mass_gmol,
              "diffusion_1e9_m2_s": diffusion_1e9_m2_s, "smiles": smiles, **pred.info}
    with new_folder(out, "-o folder", replace=force) as tmp:
        save_potential(tmp, pred.potential)
        if pred.uncertainty_kjmol is not None:
            atomic_save_npz(tmp / "uncertainty.npz", r_nm=pred.potential.r_nm, sigma_kjmol=pred.uncertainty_kjmol)
        atomic_write_json(tmp / "predict.json", record)
    return record


def _mass(mass_gmol: float | None, smiles: str | None, shipped: bool) -> float:
    """The bead mass (g/mol) from --mass and/or --smiles, which must agree."""
    if mass_gmol is not None and not (math.isfinite(mass_gmol) and mass_gmol > 0):
        raise MobcgError(f"predict: --mass {mass_gmol:g}: give the bead mass as a positive number (g/mol)")
    if not smiles:
        if mass_gmol is None:
            raise MobcgError("predict: give the bead mass (--mass, g/mol) or the molecule (--smiles)")
        return mass_gmol
    smiles_mass = molar_mass_gmol(smiles)
    if shipped and not _hydrocarbon(smiles):
        raise MobcgError(f"predict: --smiles {smiles!r} is not a hydrocarbon; the shipped model was trained on "
                         "hydrocarbon liquids only (give --model with one trained on your chemistry)")
    if mass_gmol is not None and abs(mass_gmol - smiles_mass) > MASS_TOLERANCE * smiles_mass:
        raise MobcgError(f"predict: --mass {mass_gmol:g} g/mol contradicts --smiles {smiles!r} "
                         f"({smiles_mass:.2f} g/mol); give one of them, or both consistent")
    return mass_gmol if mass_gmol is not None else smiles_mass


def _hydrocarbon(smiles: str) -> bool:
    from rdkit import Chem

    return all(a.GetSymbol() in ("C", "H") for a in Chem.MolFromSmiles(smiles).GetAtoms())


def _check_rdf(path: Path, unit: str) -> None:
    from mobcg_core.config.inputs import check_rdf_file

    problems = check_rdf_file(path, unit, None, None)
    if problems:  # the run file's key is rdf_r_unit; here it is the --rdf-unit option
        raise MobcgError("predict: --rdf " + problems[0].replace("set rdf_r_unit to", "give --rdf-unit")
                         .replace("set rdf_r_unit", "give --rdf-unit"))
