"""Checks of what a run will read, done before its first stage.

The schema (``runfile.py``) checks each value on its own; this module opens the files
the values name and checks them against each other, so that a run that would fail
stages later, or run silently on nonsense (a g(r) in the wrong unit), is stopped
up front with one line per problem naming the key and the fix.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from mobcg_core.io import read_json

from mobcg_core.config.schema import Problems

#: Avogadro's number times 1e-21 cm³/nm³: converts g/mol and g/cm³ to nm³ per molecule.
_NA_NM3 = 6.02214076e23 * 1e-21
#: The first peak of a centre-of-mass g(r) lies near the molecular size (M / (rho N_A))^(1/3),
#: typically at 1.0-1.3 times it; a factor 10 (nm read as Å or the reverse) falls far outside.
PEAK_RATIO_RANGE = (0.4, 3.0)
MIN_ROWS = 5


def molecular_size_nm(mass_gmol: float, density_g_cm3: float) -> float:
    """Cube root of the volume per molecule (nm) from mass (g/mol) and density (g/cm³)."""
    return (mass_gmol / (density_g_cm3 * _NA_NM3)) ** (1.0 / 3.0)


def load_rdf_columns(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the two numeric columns r, g(r) of a g(r) file; raise ``ValueError`` with the fix.

    Accepts UTF-8 with or without a byte-order mark; ``#`` starts a comment.
    """
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("is not UTF-8 text (expected two numeric columns r, g(r))") from None
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.replace(",", " ").split()
        try:
            values = [float(x) for x in fields[:2]]
        except ValueError:
            raise ValueError(f"line {n} is not numeric ({line[:16]!r}; expected two columns r, g(r))") from None
        if len(values) < 2:
            raise ValueError(f"line {n} has one column (expected two columns r, g(r))")
        rows.append(values)
    if len(rows) < MIN_ROWS:
        raise ValueError(f"has {len(rows)} data rows (expected at least {MIN_ROWS} rows of r, g(r))")
    data = np.asarray(rows)
    return data[:, 0], data[:, 1]


def rdf_problems(r: np.ndarray, g: np.ndarray, r_need_nm: float | None = None,
                 size_nm: float | None = None) -> list[str]:
    """Problems of a g(r) table, r in nm, each a message with its fix (empty: fine)."""
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(g))):
        bad = int(np.flatnonzero(~(np.isfinite(r) & np.isfinite(g)))[0])
        return [f"row {bad + 1} is not finite (expected finite numbers r, g(r))"]
    out = []
    if r[0] <= 0:
        out.append(f"r starts at {r[0]:g} nm (expected r > 0)")
    if np.any(np.diff(r) <= 0):
        i = int(np.flatnonzero(np.diff(r) <= 0)[0])
        out.append(f"r is not strictly increasing at row {i + 2} (expected sorted, distinct r)")
    if np.any(g < 0):
        out.append(f"g(r) is negative at row {int(np.flatnonzero(g < 0)[0]) + 1} (expected g >= 0)")
    if out:
        return out
    if r_need_nm is not None and r[-1] < r_need_nm * (1 - 1e-6):
        out.append(f"ends at r = {r[-1]:g} nm (expected to reach {r_need_nm:g} nm, the cutoff)")
    if size_nm is not None and _has_peak(r, g):
        ratio = r[int(np.argmax(g))] / size_nm
        lo, hi = PEAK_RATIO_RANGE
        if not lo <= ratio <= hi:
            out.append(f"first peak at r = {r[int(np.argmax(g))]:g} nm is {ratio:.2g} x the molecular size "
                       f"{size_nm:.3g} nm implied by mass and density (expected {lo}-{hi} x); "
                       "is the unit of r wrong? set rdf_r_unit or fix the header")
    return out


def _has_peak(r: np.ndarray, g: np.ndarray, width_nm: float = 0.05, height: float = 1.2) -> bool:
    """A coordination peak to judge the unit by: g(r) averaged over 0.05 nm rises above 1.2.

    A structureless g(r) (a gas, or an ideal-gas test system) has only noise at small r, whose
    position says nothing about the unit of r.
    """
    n = max(1, int(round(width_nm / max(float(np.median(np.diff(r))), 1e-9))))
    smooth = np.convolve(g, np.ones(n) / n, mode="same") if len(g) > n else g
    return bool(np.max(smooth) > height)


def _rdf_unit(path: Path, unit: str) -> str | None:
    if unit != "auto":
        return unit
    from mobcg_core.physics.tables import TableError, read_rdf_file

    try:
        read_rdf_file(path, "auto")
    except TableError as exc:
        if "header does not say" in str(exc):
            return None
    except Exception:  # a data problem, reported by load_rdf_columns
        pass
    text = path.read_bytes().decode("utf-8-sig", "replace").lower()
    header = " ".join(ln for ln in text.splitlines() if ln.lstrip().startswith("#"))
    return "angstrom" if ("angstrom" in header or "[a]" in header or "å" in header) else "nm"


def check_rdf_file(path: Path, unit: str, r_need_nm: float | None, size_nm: float | None) -> list[str]:
    """Problems of one g(r) file, r read in ``unit`` ('auto', 'nm', 'angstrom')."""
    try:
        r, g = load_rdf_columns(path)
    except OSError as exc:
        return [f"cannot read {path} ({exc.strerror})"]
    except ValueError as exc:
        return [f"{path} {exc}"]
    unit = _rdf_unit(path, unit)
    if unit is None:
        return [f"{path}: header does not say the unit of r (set rdf_r_unit to 'nm' or 'angstrom')"]
    scale = 0.1 if unit == "angstrom" else 1.0
    return [f"{path}: {m}" for m in rdf_problems(r * scale, g, r_need_nm, size_nm)]


def _liquid_mass(liq: dict) -> float | None:
    if liq.get("mass_gmol"):
        return liq["mass_gmol"]
    try:
        from mobcg_core.forcefield.smiles import molar_mass_gmol  # rdkit
    except ImportError:
        return None
    try:
        return molar_mass_gmol(liq["smiles"])
    except Exception:  # an unparsable SMILES is reported by the SMILES check
        return None


def _check_smiles(liq: dict, key: str, out: Problems) -> None:
    if not liq.get("smiles"):
        return
    try:
        from mobcg_core.forcefield.smiles import molar_mass_gmol
    except ImportError:  # rdkit absent: the all-atom stages report it
        return
    try:
        smiles_mass = molar_mass_gmol(liq["smiles"])
    except Exception as exc:  # rdkit raises several types for an unparsable SMILES
        out.add(f"{key}.smiles", f"{liq['smiles']!r} cannot be parsed ({type(exc).__name__}); "
                "give a valid SMILES")
        return
    given = liq.get("mass_gmol") or 0.0
    if given and abs(given - smiles_mass) > 0.02 * smiles_mass:
        out.add(f"{key}.mass_gmol", f"{given:g} g/mol contradicts the SMILES ({smiles_mass:.2f} g/mol); "
                "fix one or leave mass_gmol at 0")


def expand_target_dir(liq: dict, key: str, out: Problems, base_dir: Path) -> None:
    """A ``mobcg target`` folder stands for its g(r) file and the numbers in its target.json."""
    if not liq.get("target_dir"):
        return
    folder = Path(liq["target_dir"])
    folder = folder if folder.is_absolute() else base_dir / folder
    if not (folder / "target.json").is_file() or not (folder / "aa_rdf.txt").is_file():
        out.add(key, f"{folder} holds no target.json and aa_rdf.txt (make it with `mobcg target ... -o {folder}`)")
        return
    rec = read_json(folder / "target.json")
    liq["rdf_file"], liq["rdf_r_unit"] = str((folder / "aa_rdf.txt").resolve()), "angstrom"
    for field in ("mass_gmol", "density_g_cm3", "diffusion_1e9_m2_s"):
        liq[field] = liq.get(field) or float(rec[field])
    liq["target_dir"] = str(folder.resolve())


def check_inputs(cfg: dict, out: Problems) -> None:
    """Add to ``out`` every problem of the files and values a run of ``cfg`` would meet late."""
    stages = cfg["run"]["stages"]
    cutoff = cfg["cg"]["cutoff_nm"]
    output = _output(cfg)
    blocker = next((p for p in (output, *output.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        out.add("run.output", f"{blocker} is a file (expected a folder or a path that can be created)")
    if cfg["cg"].get("trajectory") == "gsd" and "cg_md" in stages:
        import importlib.util

        if importlib.util.find_spec("gsd") is None:
            out.add("cg.trajectory", "'gsd' needs the gsd package (pip install gsd); or choose 'dcd' or 'xtc'")
    _check_frames(cfg, stages, out)
    if "predict" in stages and cfg["predict"]["candidates"] > 0:
        _check_candidates(cfg, out)
    for i, liq in enumerate(cfg.get("liquids") or []):
        key = f"liquids[{i}]"
        mass, rho = _liquid_mass(liq), liq.get("density_g_cm3") or 0.0
        _check_smiles(liq, key, out)
        size = molecular_size_nm(mass, rho) if mass and rho else None
        if liq.get("rdf_file") and "target" in stages:
            for msg in check_rdf_file(Path(liq["rdf_file"]), liq.get("rdf_r_unit", "auto"), cutoff, size):
                out.add(f"{key}.rdf_file", msg)
        needs_d = [s for s in ("predict", "friction", "validate") if s in stages]
        if needs_d and not liq.get("diffusion_1e9_m2_s") and (liq.get("rdf_file") or not liq.get("smiles")):
            out.add(f"{key}.diffusion_1e9_m2_s", f"must be > 0 for stage {needs_d[0]} "
                    "(set the all-atom self-diffusion in 1e-9 m²/s)")
        if mass and rho:
            n = cfg["cg"].get("n_beads") or liq.get("n_molecules", 1000)
            box = (n * size ** 3) ** (1 / 3)
            if box < 2 * cutoff and any(s in stages for s in ("coarse_grain", "cg_md", "friction")):
                out.add(f"{key}.n_molecules", f"box {box:.3g} nm is smaller than 2 x cg.cutoff_nm = "
                        f"{2 * cutoff:g} nm (use more molecules or a shorter cutoff)")
        made = output / "liquids" / str(liq.get("name")) / "potential.npz"
        if "cg_md" in stages and "coarse_grain" not in stages and not made.exists():
            out.add("run.stages", f"{key}: cg_md needs the potential that stage coarse_grain makes "
                    "(add coarse_grain before cg_md; it also reads potential_file)")
        if liq.get("potential_file") and "coarse_grain" in stages:
            _check_table(Path(liq["potential_file"]), f"{key}.potential_file", out, cutoff)
        for label, table in (liq.get("compare_potentials") or {}).items():
            _check_table(Path(cfg.get("_base_dir", ".")) / table, f"{key}.compare_potentials.{label}", out,
                         cutoff)


def _check_candidates(cfg: dict, out: Problems) -> None:
    """The closed loop's database candidates need a closed loop and databases (their grids are
    checked by the study before its first stage: ``study.db_candidates.check_candidate_databases``)."""
    pc = cfg["predict"]
    if pc["mobility_target"] <= 0:
        out.add("predict.candidates", "only the closed loop probes database candidates: set "
                "predict.mobility_target (e.g. 1.0) or candidates = 0")
    if not pc["candidate_databases"]:
        out.add("predict.candidate_databases", "is empty: name the database(s) the candidates come from")


def model_file(cfg: dict, predictor) -> Path | None:
    """The model a study's predict and validate stages read: ``model.file`` (relative to
    run.output); else OUT/model.pt when the study trains (or has trained) one; else the
    predictor's shipped model; None when it ships none."""
    name, out = cfg["model"]["file"], _output(cfg)
    if name:  # normpath: run.output may not exist yet, and "../x.pt" must still find x.pt
        return Path(os.path.normpath(Path(name) if Path(name).is_absolute() else out / name))
    own = out / "model.pt"
    if "train" in cfg["run"]["stages"] or own.exists():
        return own
    shipped = predictor.default_model()
    return Path(shipped) if shipped else None


def check_model_file(cfg: dict, out: Problems, registry) -> None:
    """The model a predict or validate stage will read (:func:`model_file`) exists, loads and fits
    the table grid; a model the study trains first is not checked."""
    stages = cfg["run"]["stages"]
    if "train" in stages or not any(s in stages for s in ("predict", "validate")):
        return
    from mobcg_core.contract.errors import MobcgError
    from mobcg_core.physics.potentials import table_grid

    try:
        predictor = registry.create("predictor", cfg["predictor"]["name"], cfg["predictor"].get("options", {}))
        path = model_file(cfg, predictor)
        if path is None:
            out.add("model.file", f"predictor {cfg['predictor']['name']!r} ships no model: add the 'train' stage "
                    "or give a model file")
        elif not path.is_file():
            out.add("model.file", f"{path}: no such file (relative paths are relative to run.output; "
                    "add the 'train' stage or give an existing model)")
        else:
            predictor.check_model(path, table_grid(cfg["cg"]["cutoff_nm"], cfg["cg"]["table_dr_nm"]))
    except MobcgError as exc:
        out.add("model.file", str(exc))


def _output(cfg: dict) -> Path:
    output = Path(cfg["run"]["output"])
    return output if output.is_absolute() else Path(cfg.get("_base_dir", ".")) / output


def _check_frames(cfg: dict, stages: list[str], out: Problems) -> None:
    """Runs that fit D must record enough frames for the MSD window (else the fit fails stages later)."""
    from mobcg_core.analysis.mobility import min_fit_frames

    an = cfg["analysis"]
    need = min_fit_frames(an["msd_fit_start"], an["msd_fit_end"])
    sections = [("cg", ("cg_md", "friction", "predict", "validate"))]
    if any(liq.get("smiles") and not liq.get("rdf_file") for liq in cfg.get("liquids") or []):
        sections.append(("aa", ("target",)))
    for section, users in sections:
        if not any(s in stages for s in users):
            continue
        sec = cfg[section]
        frames = int(sec["production_ps"] / sec["report_interval_ps"] + 1e-9) + 1
        if frames < need:
            out.add(f"{section}.production_ps", f"{sec['production_ps']:g} ps at {section}.report_interval_ps = "
                    f"{sec['report_interval_ps']:g} ps gives {frames} frames; the MSD fit needs at least {need} "
                    "(run longer or report more often)")


def _check_table(path: Path, key: str, out: Problems, cutoff_nm: float) -> None:
    from mobcg_core.physics.tables import read_lammps_table

    try:
        pot = read_lammps_table(path)
    except Exception as exc:  # any parse failure means the file is not a table
        out.add(key, f"{path} is not a LAMMPS/VOTCA potential table ({type(exc).__name__}: "
                f"{str(exc)[:80]}); expected lines index, r (Å), U (kcal/mol), F")
        return
    if not (np.all(np.isfinite(pot.u_kjmol)) and np.all(np.isfinite(pot.f_kjmol_nm))):
        out.add(key, f"{path} holds non-finite energies or forces (expected finite U and F)")
    elif pot.cutoff_nm < cutoff_nm - 1e-6:
        out.add(key, f"{path} ends at {pot.cutoff_nm:.4f} nm, before cg.cutoff_nm = {cutoff_nm:g} nm "
                "(lower cg.cutoff_nm or extend the table)")
