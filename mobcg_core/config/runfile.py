"""The TOML run file: its schema, loading and whole-file validation.

Layout (every table optional except ``[[liquids]]``; see docs/run-files.md)::

    [run]        output, seed, stages
    [state]      temperature_K, pressure_bar
    [engine]     name = "openmm"   + [engine.<plugin>] options of that plugin
    [cg_method]  name = "ibi"      + [cg_method.<plugin>]
    [predictor]  name = "mlp"      + [predictor.<plugin>]
    [executor]   name = "local"    + [executor.<plugin>]
    [cg]         CG system and MD settings
    [analysis]   g(r) grid and MSD fit window
    [[liquids]]  name, smiles, mass, target g(r) file, D_AA, density

Every option table of a plugin that is installed is validated against that
plugin's schema, so a file can keep options for several engines and switch with
the single key ``engine.name``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mobcg_core.contract.errors import ConfigError
from mobcg_core.contract.hookspecs import KIND_HOOKS
from mobcg_core.config.schema import Option, Problems, validate
from mobcg_core.config.stage_options import AA, FRICTION, MODEL, PREDICT, VALIDATION
from mobcg_core.io import tomllib

#: Stages in their natural order.  Per-liquid stages run once for each [[liquids]] table;
#: study stages (database, train) run once.
STAGES = ("database", "train", "target", "coarse_grain", "friction", "cg_md", "predict", "validate")
STUDY_STAGES = ("database", "train")
LIQUID_STAGES = tuple(s for s in STAGES if s not in STUDY_STAGES)

RUN = {
    "output": Option(str, "runs/mobcg", "output directory (relative to the run file)"),
    "seed": Option(int, 2024, "master random seed", min=0),
    "stages": Option(list, ["target", "coarse_grain", "cg_md"], "stages to run, in order", item_type=str,
                     choices=STAGES),
    "require_convergence": Option(bool, False, "exit 1 when the cg_method does not converge for a liquid "
                                  "(its results are kept; by default a warning)"),
}
STATE = {
    "temperature_K": Option(float, 298.15, "temperature (K)", min=0.0, exclusive_min=True, max=5000.0),
    "pressure_bar": Option(float, 1.01325, "pressure (bar) for NPT runs and pressure correction",
                           min=-5000.0, max=1e5),
}
CG = {
    "n_beads": Option(int, 0, "beads in CG boxes; 0 takes each liquid's n_molecules", min=0),
    "timestep_fs": Option(float, 5.0, "CG timestep (fs)", min=0.0, exclusive_min=True, max=50.0),
    "cutoff_nm": Option(float, 1.55, "pair-potential cutoff (nm)", min=0.2, max=10.0),
    "table_dr_nm": Option(float, 0.001, "pair-table spacing (nm)", min=1e-5, max=0.05),
    "ensemble": Option(str, "NVT", "ensemble of the cg_md stage", choices=("NVT", "NPT")),
    "equilibration_ps": Option(float, 50.0, "cg_md equilibration (ps)", min=0.0),
    "production_ps": Option(float, 200.0, "cg_md production (ps)", min=0.0, exclusive_min=True),
    "report_interval_ps": Option(float, 1.0, "frame spacing for g(r) and MSD (ps)",
                                 min=0.0, exclusive_min=True),
    "thermostat": Option(str, "nose_hoover", "cg_md thermostat; Nosé–Hoover leaves the dynamics "
                         "unperturbed (Langevin or DPD friction slows diffusion)",
                         choices=("nose_hoover", "langevin", "dpd")),
    "friction_per_ps": Option(float, 1.0, "thermostat coupling (1/ps): Langevin friction or "
                              "Nosé–Hoover collision frequency", min=0.0, exclusive_min=True),
    "trajectory": Option(str, "dcd", "cg_md production frames on disk: liquids/NAME/cg_md.(dcd|xtc|gsd), "
                         "with cg_md.pdb beside DCD/XTC; 'none' writes none", choices=("dcd", "xtc", "gsd", "none")),
}
ANALYSIS = {
    "rdf_r_min_nm": Option(float, 0.1, "first g(r) bin centre (nm)", min=0.0),
    "rdf_r_max_nm": Option(float, 2.5, "last g(r) bin centre (nm); capped at half the box", min=0.0,
                           exclusive_min=True),
    "rdf_dr_nm": Option(float, 0.005, "g(r) bin width (nm)", min=1e-5, exclusive_min=True),
    "msd_fit_start": Option(float, 0.1, "start of the MSD fit, fraction of the longest lag",
                            min=0.0, max=1.0),
    "msd_fit_end": Option(float, 0.5, "end of the MSD fit, fraction of the longest lag",
                          min=0.0, max=1.0, exclusive_min=True),
}
LIQUID = {
    "name": Option(str, doc="label, used for file names"),
    "smiles": Option(str, "", "SMILES of the molecule (for the mass and all-atom runs)"),
    "mass_gmol": Option(float, 0.0, "bead mass (g/mol); 0 computes it from the SMILES", min=0.0),
    "n_molecules": Option(int, 1000, "molecules in the box", min=2, max=10_000_000),
    "rdf_file": Option(str, "", "target centre-of-mass g(r): two columns r, g(r); empty: run all-atom MD",
                       is_file=True),
    "potential_file": Option(str, "", "LAMMPS/VOTCA table (Å, kcal/mol) to use as the CG potential "
                             "instead of deriving one with the cg_method", is_file=True),
    "forcefield_seed": Option(int, -1, "all-atom bonded parameters: -1 published OPLS-AA, else the seed "
                              "of a synthetic draw", min=-1),
    "rdf_r_unit": Option(str, "auto", "unit of r in rdf_file ('auto' reads the header)",
                         choices=("auto", "nm", "angstrom")),
    "diffusion_1e9_m2_s": Option(float, 0.0, "all-atom self-diffusion D_AA (1e-9 m²/s)", min=0.0),
    "density_g_cm3": Option(float, 0.0, "all-atom density (g/cm³), fixes the CG box", min=0.0),
    "topology": Option(str, "", "target from your own all-atom run: its topology (any format MDAnalysis "
                       "reads: TPR, GRO, PDB, PSF, LAMMPS data, prmtop, ...)", is_file=True),
    "trajectory": Option(str, "", "the all-atom trajectory with topology (XTC, TRR, DCD, LAMMPS dump, NetCDF, "
                         "...); empty: the frames in topology", is_file=True),
    "selection": Option(str, "all", "MDAnalysis selection of the liquid's molecules in topology"),
    "viscosity_mPa_s": Option(float, 0.0, "shear viscosity for the Yeh–Hummer correction of D from "
                              "trajectory to the CG box (0: no correction)", min=0.0),
    "target_dir": Option(str, "", "folder written by `mobcg target`: sets rdf_file, and mass_gmol, "
                         "density_g_cm3 and diffusion_1e9_m2_s where they are 0"),
    "compare_potentials": Option(dict, {}, "label = LAMMPS/VOTCA table file (relative to the run file): "
                                 "other potentials (e.g. published ones) run through the same validation"),
}


SYNTHETIC = {
    "bond_K": Option(list, [20.0, 1000.0], "bond force constant range (kcal/mol/Å², E = K(r−r0)²)",
                     item_type=float, length=2, min=0.0),
    "bond_r0_CC": Option(list, [1.0, 2.5], "heavy-atom bond length range (Å)", item_type=float, length=2, min=0.0),
    "bond_r0_CH": Option(list, [0.6, 1.8], "bond-to-hydrogen length range (Å)", item_type=float, length=2, min=0.0),
    "angle_K": Option(list, [5.0, 100.0], "angle force constant range (kcal/mol/rad², E = K(θ−θ0)²)",
                      item_type=float, length=2, min=0.0),
    "angle_theta0": Option(list, [70.0, 140.0], "equilibrium angle range (deg)", item_type=float, length=2,
                           min=0.0, max=180.0),
    "dihedral_K": Option(list, [-2.0, 2.0], "range of each Fourier coefficient K1..K3 (kcal/mol)",
                         item_type=float, length=2),
}
DATABASE = {
    "file": Option(str, "database.h5", "HDF5 database (relative to run.output)"),
    "molecules": Option(list, ["234TriMePe", "EtBz", "3MePe"], "reference molecules: known names "
                        "(234TriMePe, EtBz, 3MePe, 3EtHex, 23DiMeBu, neopentane, benzene, mesitylene) or SMILES",
                        item_type=str),
    "forcefields_per_molecule": Option(int, 10, "K: synthetic force fields drawn per molecule (0: none; "
                                       "variants of stored potentials only)", min=0),
    "masses_per_forcefield": Option(int, 5, "M: CG runs per force field, each with a random bead mass", min=1),
    "mass_range_gmol": Option(list, [20.0, 200.0], "bead-mass range (g/mol)", item_type=float, length=2,
                              min=1.0),
    "n_molecules": Option(int, 1000, "molecules in each all-atom box", min=2),
    "n_beads": Option(int, 0, "beads in each CG box (0: n_molecules)", min=0),
    "start_density_g_cm3": Option(float, 0.5, "all-atom packing density (g/cm³); synthetic molecules can be "
                                  "much larger than real ones, so pack loosely and let NPT compress", min=0.01),
    "commit_interval_s": Option(float, 30.0, "move finished jobs from the journal into the file at most this "
                                "often (s); each job is durable in the journal at once", min=0.0),
    "retry_failed": Option(bool, False, "rerun jobs recorded as failed"),
    "cg_method_options": Option(dict, {}, "options of the cg_method that differ for database jobs (validated "
                                "against its schema), e.g. fewer iterations than for the target liquids"),
    "cg_engine": Option(str, "", "engine for the CG parts of database jobs (CG method and CG runs), e.g. "
                        "'lammps'; options from its [engine.<name>] table; empty: engine.name"),
    "cg_production_ps": Option(float, 0.0, "CG MD production per sample (ps); 0: cg.production_ps", min=0.0),
    "synthetic_ranges": Option(dict, {}, "ranges of the random bonded parameters", schema=SYNTHETIC),
    "variants_per_forcefield": Option(int, 0, "CG-level extension: random smooth variants of every stored "
                                      "potential, each pressure-corrected and run as its own sample "
                                      "(see mobcg_core.database.variants)", min=0),
    "variant_masses": Option(int, 1, "CG runs per variant, each with a random bead mass", min=1),
    "variant_amplitude_kT": Option(float, 0.5, "rms height of a variant's Gaussian bumps (kT)", min=0.0),
    "variant_size_range": Option(list, [0.97, 1.05], "range of a variant's size factor λ in U(r/λ)",
                                 item_type=float, length=2, min=0.5, max=2.0),
    "variant_density_change": Option(float, 0.04, "largest relative change of a variant's density", min=0.0,
                                     max=0.5),
}




def _plugin_table(kind: str, default_name: str) -> Option:
    return Option(dict, {"name": default_name}, f"which {kind} plugin and its options")


SCHEMA: dict[str, Option] = {
    "run": Option(dict, {}, "run settings", schema=RUN),
    "state": Option(dict, {}, "thermodynamic state", schema=STATE),
    "engine": _plugin_table("engine", "openmm"),
    "cg_method": _plugin_table("cg_method", "ibi"),
    "predictor": _plugin_table("predictor", "mlp"),
    "executor": _plugin_table("executor", "local"),
    "cg": Option(dict, {}, "CG system and MD settings", schema=CG),
    "aa": Option(dict, {}, "all-atom MD settings (target stage without rdf_file)", schema=AA),
    "analysis": Option(dict, {}, "g(r) grid and MSD fit", schema=ANALYSIS),
    "database": Option(dict, {}, "synthetic database generation (stage 'database')", schema=DATABASE),
    "model": Option(dict, {}, "the predictor's model file (stages 'train', 'predict')", schema=MODEL),
    "predict": Option(dict, {}, "what the 'predict' stage does after the predictor", schema=PREDICT),
    "validation": Option(dict, {}, "extra runs of the 'validate' stage", schema=VALIDATION),
    "friction": Option(dict, {}, "friction calibration (stage 'friction')", schema=FRICTION),
    "liquids": Option(list, [], "the liquids ([[liquids]] tables)", item_schema=LIQUID),
}


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; errors become a one-line :class:`ConfigError`."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(str(path), [("(file)", "not found (give the path of an existing run file)")])
    except IsADirectoryError:
        raise ConfigError(str(path), [("(file)", "is a directory (expected a .toml run file)")])
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [("(file)", f"not UTF-8 text ({exc.reason})")])
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [("(syntax)", f"malformed TOML: {exc}")])


def _validate_plugin_table(kind: str, table: Any, out: Problems, base_dir: Path, registry) -> dict:
    if not isinstance(table, dict):
        out.add(kind, f"got {type(table).__name__} (expected a table with a 'name' key)")
        return {"name": None, "options": {}, "tables": {}}
    name = table.get("name", SCHEMA[kind].default["name"])
    known = {r.name: r for r in registry.records if r.kind == kind}
    if not isinstance(name, str):
        out.add(f"{kind}.name", f"missing or not a string (expected one of {', '.join(sorted(known))})")
    elif name not in known:
        out.add(f"{kind}.name", f"unknown {kind} {name!r} (installed: {', '.join(sorted(known)) or 'none'}; "
                                "see `mobcg plugins`)")
    elif not known[name].available:
        out.add(f"{kind}.name", f"{kind} {name!r} is unavailable here: {known[name].reason}")
    resolved: dict[str, dict] = {}
    for key, value in table.items():
        if key == "name":
            continue
        if key not in known:
            out.add(f"{kind}.{key}", f"unknown key (expected 'name' or an options table named after an "
                                     f"installed {kind}: {', '.join(sorted(known))})")
        elif not isinstance(value, dict):
            out.add(f"{kind}.{key}", f"got {type(value).__name__} (expected a table of {key} options)")
        else:
            resolved[key] = validate(value, known[key].cls.options, out, base_dir, prefix=f"{kind}.{key}")
    options = resolved.get(name, None) if isinstance(name, str) else None
    if options is None and isinstance(name, str) and name in known:
        options = validate({}, known[name].cls.options, out, base_dir, prefix=f"{kind}.{name}")
    return {"name": name, "options": options or {}, "tables": resolved}


def _cross_checks(cfg: dict, out: Problems) -> None:
    liquids = cfg.get("liquids") or []
    stages = cfg["run"].get("stages", [])
    if not liquids and any(s in LIQUID_STAGES for s in stages):
        out.add("liquids", "empty (stages " + ", ".join(s for s in stages if s in LIQUID_STAGES)
                + " need at least one [[liquids]] table)")
    order = [STAGES.index(s) for s in stages]
    if order != sorted(order) or len(set(stages)) != len(stages):
        out.add("run.stages", f"expected each stage at most once, in the order {', '.join(STAGES)}")
    names = [liq.get("name") for liq in liquids]
    for i, liq in enumerate(liquids):
        if names.count(liq.get("name")) > 1:
            out.add(f"liquids[{i}].name", f"duplicate name {liq.get('name')!r} (expected unique names)")
        if "target" in cfg["run"].get("stages", []):
            if not liq.get("rdf_file") and not liq.get("smiles") and not liq.get("topology"):
                out.add(f"liquids[{i}]", "needs rdf_file or target_dir (a target g(r)), topology (your all-atom "
                                         "trajectory) or smiles (to run all-atom MD)")
            if liq.get("trajectory") and not liq.get("topology"):
                out.add(f"liquids[{i}].topology", "missing (a trajectory is read with its topology)")
            if liq.get("rdf_file") and not liq.get("density_g_cm3"):
                out.add(f"liquids[{i}].density_g_cm3", "missing (a target read from rdf_file needs the "
                                                       "all-atom density > 0)")
        if not liq.get("mass_gmol") and not liq.get("smiles") and not liq.get("topology"):
            out.add(f"liquids[{i}]", "needs mass_gmol or smiles (to know the bead mass)")
    an = cfg.get("analysis", {})
    if isinstance(an.get("rdf_r_max_nm"), float) and an.get("rdf_r_max_nm", 1) <= an.get("rdf_r_min_nm", 0):
        out.add("analysis.rdf_r_max_nm", "must be larger than analysis.rdf_r_min_nm")
    if an.get("msd_fit_end", 1) <= an.get("msd_fit_start", 0):
        out.add("analysis.msd_fit_end", "must be larger than analysis.msd_fit_start")


def _check_database_overrides(cfg: dict, out: Problems, base_dir: Path, registry) -> None:
    name = cfg["database"]["cg_engine"]
    if name:
        rec = registry.get("engine", name)
        if rec is None:
            out.add("database.cg_engine", f"unknown engine {name!r} (installed: {', '.join(registry.names('engine'))})")
        elif not rec.available:
            out.add("database.cg_engine", f"engine {name!r} is unavailable here: {rec.reason}")
        elif name not in cfg["engine"]["tables"]:
            cfg["engine"]["tables"][name] = validate({}, rec.cls.options, out, base_dir, prefix=f"engine.{name}")
    over = cfg["database"]["cg_method_options"]
    rec = registry.get("cg_method", cfg["cg_method"]["name"])
    if over and rec is not None:
        schema = {k: v for k, v in rec.cls.options.items() if k in over}
        unknown = sorted(set(over) - set(rec.cls.options))
        for key in unknown:
            out.add(f"database.cg_method_options.{key}", f"not an option of cg_method {rec.name!r} "
                    f"(expected one of {', '.join(sorted(rec.cls.options))})")
        cfg["database"]["cg_method_options"] = validate(
            {k: v for k, v in over.items() if k in schema}, schema, out, base_dir,
            prefix="database.cg_method_options")


def load_config(path: str | Path, registry=None, stages: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Read and validate a run file; return the resolved configuration.

    ``stages`` names the stages the calling command will run, so that the up-front file checks
    (:func:`~mobcg_core.config.inputs.check_inputs`) judge what that command needs: ``mobcg bench
    --systems aa`` builds no CG box and must not be refused for one. Default: the file's
    ``run.stages``. Raises :class:`ConfigError` listing every problem found.
    """
    from mobcg_core.plugins import registry as default_registry

    registry = registry or default_registry()
    path = Path(path)
    raw = read_toml(path)
    base_dir = path.resolve().parent
    out = Problems()
    plugin_tables = {kind: raw.pop(kind, {"name": SCHEMA[kind].default["name"]}) for kind in KIND_HOOKS}
    cfg = validate(raw, {k: v for k, v in SCHEMA.items() if k not in KIND_HOOKS}, out, base_dir)
    for kind, table in plugin_tables.items():
        cfg[kind] = _validate_plugin_table(kind, table, out, base_dir, registry)
    if not out:
        from mobcg_core.config.inputs import expand_target_dir

        for i, liq in enumerate(cfg.get("liquids") or []):
            expand_target_dir(liq, f"liquids[{i}].target_dir", out, base_dir)
    if not out:
        _cross_checks(cfg, out)
        _check_database_overrides(cfg, out, base_dir, registry)
    if not out:
        from mobcg_core.config.inputs import check_inputs, check_model_file

        run = {**cfg["run"], "stages": list(stages)} if stages is not None else cfg["run"]
        check_inputs({**cfg, "run": run, "_base_dir": str(base_dir)}, out)
        check_model_file({**cfg, "run": run, "_base_dir": str(base_dir)}, out, registry)
    if out:
        raise ConfigError(str(path), out.items)
    cfg["_file"] = str(path.resolve())
    cfg["_base_dir"] = str(base_dir)
    return cfg
