"""``mobcg predict``: a liquid's CG potential from its mass, all-atom g(r) and D — no study,
no database, the predictor's shipped model unless ``--model`` names another.

Writes ``OUT/potential.npz|.table|.xvg`` (core units; LAMMPS/VOTCA Å and kcal/mol; GROMACS),
``OUT/uncertainty.npz`` (the ensemble spread, kJ/mol) and ``OUT/predict.json``.
"""

from __future__ import annotations

from pathlib import Path

from mobcg_core.contract import units
from mobcg_core.contract.errors import MobcgError
from mobcg_core.io import atomic_save_npz, atomic_write_json
from mobcg_core.forcefield.smiles import molar_mass_gmol
from mobcg_core.study.artifacts import save_potential
from mobcg_core.physics.tables import read_rdf_file


def predict_liquid(predictor, rdf_file: str, diffusion_1e9_m2_s: float, out_dir: str | Path,
                   mass_gmol: float | None = None, smiles: str | None = None, model: str | None = None,
                   rdf_r_unit: str = "auto") -> dict:
    """Predict, save and describe one potential; returns the JSON record written."""
    if mass_gmol is None:
        if not smiles:
            raise MobcgError("predict: give the bead mass (--mass, g/mol) or the molecule (--smiles)")
        mass_gmol = molar_mass_gmol(smiles)
    if diffusion_1e9_m2_s <= 0 or mass_gmol <= 0:
        raise MobcgError("predict: --diffusion and --mass must be positive (10⁻⁹ m²/s, g/mol)")
    path = Path(model) if model else predictor.default_model()
    if path is None:
        raise MobcgError(f"predict: predictor {predictor.name!r} ships no model; give --model FILE")
    target = read_rdf_file(rdf_file, rdf_r_unit)
    pred = predictor.predict(path, mass_gmol, target, units.diffusion_from_1e9_m2_s(diffusion_1e9_m2_s), None)
    out = Path(out_dir)
    save_potential(out, pred.potential)
    if pred.uncertainty_kjmol is not None:
        atomic_save_npz(out / "uncertainty.npz", r_nm=pred.potential.r_nm, sigma_kjmol=pred.uncertainty_kjmol)
    record = {"model": str(path), "rdf_file": str(rdf_file), "mass_gmol": mass_gmol,
              "diffusion_1e9_m2_s": diffusion_1e9_m2_s, "smiles": smiles, **pred.info}
    atomic_write_json(out / "predict.json", record)
    return record
