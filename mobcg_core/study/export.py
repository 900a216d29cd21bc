"""``mobcg export``: every potential of a finished study as folders that run in MD engines.

One folder per potential the study made for a liquid (IBI, ML, ML open loop, IBI + DPD/Langevin
friction). Each holds:

* ``potential.table`` (LAMMPS/VOTCA: Å, kcal/mol, keyword ``CG``) and ``potential.xvg``
  (GROMACS: nm, kJ/mol);
* ``start.pdb``: the start configuration (Å, box in ``CRYST1``), the last frame of the study's
  ``cg_md`` trajectory at the study's density, or a lattice;
* one input per installed-or-not engine plugin that exports (``Engine.export_model``):
  ``in.lammps`` + ``start.data``, ``run_openmm.py``, ``run_hoomd.py``;
* ``README.txt`` (units, mass, density, timestep, friction, what the study validated) and
  ``model.json`` (the same, machine-readable).

Only the study's folder is read (``manifest.json`` for the settings), so a study exported on another
machine gives the same folders. Everything goes into a temporary folder first: a failed export
leaves ``out_dir`` as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mobcg_core.contract.errors import MobcgError
from mobcg_core.contract.types import MDProtocol, ModelExport, PairPotential
from mobcg_core.io import atomic_write_json, atomic_write_text, new_folder, read_json
from mobcg_core.physics.tables import write_gromacs_table, write_lammps_table

FILES_BESIDE = ("potential.table", "potential.xvg", "start.pdb", "README.txt", "model.json")
RUN_COMMANDS = {"in.lammps": "lmp -in in.lammps -var steps 20000", "run_openmm.py": "python run_openmm.py --ps 100",
                "run_hoomd.py": "python run_hoomd.py --ps 100"}


@dataclass(frozen=True)
class FoundModel:
    """One potential of the study: label, its folder, and the dynamics it was validated with."""

    label: str
    source: Path
    thermostat: str
    friction_per_ps: float
    dpd_cutoff_nm: float = 0.0
    validation: dict | None = None

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", self.label).strip("_").lower()


def find_models(liquid_dir: Path, cfg: dict) -> list[FoundModel]:
    """The potentials a study made for one liquid, in the order of the validation table."""
    base, cg = cfg["cg_method"]["name"].upper(), cfg["cg"]
    rows = {r["potential"]: r for r in (read_json(liquid_dir / "validate.json").get("rows", [])
                                        if (liquid_dir / "validate.json").is_file() else [])}
    plain = (cg["thermostat"], float(cg["friction_per_ps"]))
    found = []
    if (liquid_dir / "potential.npz").is_file():
        cg_md = read_json(liquid_dir / "cg_md.json") if (liquid_dir / "cg_md.json").is_file() else None
        found.append(FoundModel(base, liquid_dir, *plain, validation=rows.get(base) or cg_md))
    for label, sub in (("ML", "ml"), ("ML, open loop", "ml/closed_loop/1")):
        if (liquid_dir / sub / "potential.npz").is_file():
            found.append(FoundModel(label, liquid_dir / sub, *plain, validation=rows.get(label)))
    for path in sorted(liquid_dir.glob("friction*.json")):
        fr = read_json(path)
        if (liquid_dir / "potential.npz").is_file() and fr.get("friction_per_ps"):
            label = f"{base} + {fr['thermostat'].upper()}"
            final = (fr.get("runs") or [{}])[-1]
            measured = {"acceleration": fr.get("ratio"), "structure_error": final.get("structure_error"),
                        "D_CG_1e9_m2_s": fr.get("diffusion_1e9_m2_s")}
            found.append(FoundModel(label, liquid_dir, fr["thermostat"], float(fr["friction_per_ps"]),
                                    float(fr.get("dpd_cutoff_nm") or 0.0), rows.get(label) or measured))
    return found


def export_liquid(registry, run_dir: str | Path, liquid: str, out_dir: str | Path) -> list[dict]:
    """Write one folder per potential of ``liquid`` under ``out_dir``; return their model.json records."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    manifest_path, liquid_dir = run_dir / "manifest.json", run_dir / "liquids" / liquid
    if not manifest_path.is_file():
        raise MobcgError(f"{run_dir}: not a study's output folder (no manifest.json; give the run.output folder)")
    if not (liquid_dir / "target.json").is_file():
        names = sorted(p.name for p in (run_dir / "liquids").glob("*") if (p / "target.json").is_file())
        raise MobcgError(f"{run_dir}: no liquid {liquid!r} with a target (liquids here: {', '.join(names) or 'none'})")
    cfg = read_json(manifest_path)["config"]
    models = find_models(liquid_dir, cfg)
    if not models:
        raise MobcgError(f"{liquid_dir}: no potential yet (run the coarse_grain or predict stage first)")
    info = read_json(liquid_dir / "target.json")
    exporters = [r.cls for r in registry.all_records() if r.kind == "engine" and r.cls is not None]
    start = _start_positions(liquid_dir, int(info["n_beads"]), float(info["box_nm"]), cfg["run"]["seed"])
    with new_folder(out_dir, "-o folder") as tmp:
        records = [_write_model(tmp / m.slug, m, liquid, info, cfg, start, exporters) for m in models]
    return records


def _start_positions(liquid_dir: Path, n: int, box_nm: float, seed: int) -> np.ndarray:
    """The last frame of the study's cg_md trajectory (scaled to the target box), else a lattice."""
    top, traj = liquid_dir / "cg_md.pdb", liquid_dir / "cg_md.dcd"
    if top.is_file() and traj.is_file():
        import MDAnalysis as mda

        u = mda.Universe(str(top), str(traj))
        if u.atoms.n_atoms == n:
            ts = u.trajectory[-1]
            return np.mod(ts.positions / 10.0 * (box_nm / (ts.dimensions[0] / 10.0)), box_nm)
    from mobcg_core.plugin_kit.systems import lattice_positions

    return lattice_positions(n, box_nm, seed)


def _write_model(folder: Path, found: FoundModel, liquid: str, info: dict, cfg: dict, start: np.ndarray,
                 exporters: list) -> dict:
    from mobcg_core.plugin_kit.frame_writer import write_pdb

    data = np.load(found.source / "potential.npz")
    pot = PairPotential(data["r_nm"], data["u_kjmol"], data["f_kjmol_nm"])
    folder.mkdir(parents=True)
    r_min = max(float(pot.r_nm[0]), pot.dr_nm)  # LAMMPS divides by r: the table starts above r = 0
    write_lammps_table(pot, folder / "potential.table", keyword="CG", n_points=len(pot.r_nm) - 1, r_min_nm=r_min)
    write_gromacs_table(pot, folder / "potential.xvg")
    box = float(info["box_nm"])
    write_pdb(folder / "start.pdb", start, np.full(3, box), float(info["mass_gmol"]), liquid[:4])
    protocol = MDProtocol(temperature_K=float(cfg["state"]["temperature_K"]),
                          timestep_fs=float(cfg["cg"]["timestep_fs"]), duration_ps=0.0,
                          friction_per_ps=found.friction_per_ps, seed=int(cfg["run"]["seed"]),
                          thermostat=found.thermostat, dpd_cutoff_nm=found.dpd_cutoff_nm)
    model = ModelExport(found.label, int(info["n_beads"]), float(info["mass_gmol"]), box, pot.cutoff_nm,
                        len(pot.r_nm) - 1, r_min, protocol, start)
    inputs = [name for cls in exporters for name in cls.export_model(model, folder)]
    record = {"liquid": liquid, "potential": found.label, "folder": folder.name, "source": str(found.source),
              "n_beads": model.n_beads, "mass_gmol": model.mass_gmol, "box_nm": box,
              "density_g_cm3": info.get("density_g_cm3"), "temperature_K": protocol.temperature_K,
              "timestep_fs": protocol.timestep_fs, "cutoff_nm": model.cutoff_nm, "thermostat": protocol.thermostat,
              "friction_per_ps": protocol.friction_per_ps, "dpd_range_nm": protocol.dpd_range_nm(model.cutoff_nm),
              "diffusion_aa_1e9_m2_s": info.get("diffusion_1e9_m2_s"), "validation": found.validation,
              "files": [*FILES_BESIDE, *inputs]}
    atomic_write_text(folder / "README.txt", _readme(record))
    atomic_write_json(folder / "model.json", record)
    return record


def _readme(rec: dict) -> str:
    v = rec["validation"] or {}
    checked = [f"{label} = {v[key]:.4g}" for key, label in (
        ("acceleration", "D_CG/D_AA"), ("structure_error", "ε (g(r) error)"),
        ("density_deviation_pct", "ρ(NPT, 1 atm) − ρ_AA [%]"), ("nve_drift_kT_per_bead_ns", "NVE drift [kT/bead/ns]"))
        if isinstance(v.get(key), (int, float))]
    if v.get("phase"):
        checked.append(f"phase: {v['phase']}")
    friction = {"nose_hoover": f"Nosé–Hoover thermostat, collision frequency {rec['friction_per_ps']:g} /ps",
                "langevin": f"Langevin friction γ = {rec['friction_per_ps']:.6g} /ps",
                "dpd": f"DPD pairwise friction γ = {rec['friction_per_ps']:.6g} /ps (OpenMM's DPDIntegrator "
                       f"convention), range {rec['dpd_range_nm']:g} nm"}.get(rec["thermostat"], rec["thermostat"])
    return "\n".join([
        f"{rec['potential']} CG model of {rec['liquid']} (mobcg export)", "",
        "Units: potential.table Å, kcal/mol (LAMMPS 'units real', keyword CG); potential.xvg nm, kJ/mol;",
        "start.pdb Å. One bead per molecule, one bead type.", "",
        f"bead mass        {rec['mass_gmol']:.4f} g/mol",
        f"beads, box       {rec['n_beads']} in a cubic box of {rec['box_nm']:.4f} nm"
        + (f" (ρ = {rec['density_g_cm3']:.4f} g/cm³)" if rec.get("density_g_cm3") else ""),
        f"temperature      {rec['temperature_K']:g} K",
        f"timestep         {rec['timestep_fs']:g} fs",
        f"cutoff           {rec['cutoff_nm']:g} nm",
        f"dynamics         {friction}",
        f"all-atom D       {rec['diffusion_aa_1e9_m2_s']} × 1e-9 m²/s", "",
        "What the study measured with this model: " + ("; ".join(checked) or "nothing (not validated)"),
        "", "Run it:", *[f"  {cmd}" for name, cmd in RUN_COMMANDS.items() if name in rec["files"]],
        "Each prints the potential energy of start.pdb first and writes trajectory.dcd.", ""])
