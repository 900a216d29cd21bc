"""Options of the stages' own tables: ``[friction]``, ``[model]``, ``[predict]``, ``[validation]``, ``[aa]``."""

from __future__ import annotations

from mobcg_core.config.schema import Option

FRICTION = {
    "thermostat": Option(str, "dpd", "friction that restores the all-atom D: 'dpd' (pairwise, momentum-"
                         "conserving), 'langevin' (per bead) or 'both' (two calibrations; the Langevin one "
                         "in friction_langevin.json)", choices=("dpd", "langevin", "both")),
    "tolerance": Option(float, 0.03, "stop when |D_CG/D_AA − 1| is below this", min=0.0, exclusive_min=True,
                        max=0.5),
    "start_per_ps": Option(float, 1.0, "first friction tried (1/ps)", min=0.0, exclusive_min=True),
    "max_runs": Option(int, 8, "CG runs at most, the frictionless one included", min=3, max=50),
    "run_ps": Option(float, 100.0, "production per CG run (ps; equilibration: cg.equilibration_ps)",
                     min=0.0, exclusive_min=True),
    "dpd_cutoff_nm": Option(float, 0.0, "range of the DPD friction (nm); 0: cg.cutoff_nm", min=0.0),
}

MODEL = {
    "file": Option(str, "", "predictor model file (relative to run.output): written by 'train', read by "
                   "'predict'; empty: model.pt when the study trains (or trained) one, else the "
                   "predictor's shipped model"),
}

PREDICT = {
    "pressure_correction": Option(bool, True, "add a linear ramp to the predicted potential so that it holds "
                                  "state.pressure_bar at the liquid's density (short NVT probes; "
                                  "mobcg_core/study/pressure_match.py)"),
    "probe_ps": Option(float, 20.0, "length of each pressure probe (ps)", min=0.0, exclusive_min=True),
    "probe_rounds": Option(int, 3, "most probe runs", min=1, max=10),
    "tolerance_bar": Option(float, 25.0, "stop probing once |P − state.pressure_bar| is below this (bar)", min=0.0),
    "mobility_target": Option(float, 0.0, "closed loop (mobcg_core/study/mobility_match.py): the D_CG/D_AA to aim "
                              "at by lowering the D fed to the model (1: the all-atom mobility); 0: feed D_AA "
                              "(the paper's protocol)", min=0.0),
    "mobility_max_structure_error": Option(float, 0.02, "closed loop: never accept a potential whose ε "
                                           "(∫(g − g_AA)² dr, nm) exceeds this", min=0.0, exclusive_min=True),
    "mobility_tolerance": Option(float, 0.1, "closed loop: stop once D_CG/D_AA is within this fraction of "
                                 "the target", min=0.0, exclusive_min=True),
    "mobility_rounds": Option(int, 5, "closed loop: most predictions probed (the first feeds D_AA)", min=1, max=12),
    "mobility_probe_ps": Option(float, 150.0, "closed loop: NVT production per probe for D_CG (ps)", min=0.0,
                                exclusive_min=True),
    "candidates": Option(int, 0, "closed loop: database samples probed as well when the model's probes miss the "
                         "target (mobcg_core/study/db_candidates.py): those within candidate_max_structure_error "
                         "of the target g(r) nearest the target in D·√m, one per force field; 0: none",
                         min=0, max=20),
    "candidate_databases": Option(list, [], "closed loop: the HDF5 databases the candidates come from (paths "
                                  "relative to the run file; needed when candidates > 0)", item_type=str,
                                  is_file=True),
    "candidate_max_structure_error": Option(float, 0.015, "closed loop: candidates' g(r) within this ε of the "
                                            "target (nm; below mobility_max_structure_error, since ε grows when "
                                            "a potential moves to the target's density and mass)", min=0.0,
                                            exclusive_min=True),
}
#: [predict] keys of the database candidates: left out of a result's key while candidates = 0
CANDIDATE_KEYS = ("candidates", "candidate_databases", "candidate_max_structure_error")

VALIDATION = {
    "npt_ps": Option(float, 50.0, "NPT run per potential for the density at state.pressure_bar (ps); 0 skips",
                     min=0.0),
    "nve_drift_ps": Option(float, 20.0, "NVE run per potential at cg.timestep_fs for the energy drift "
                           "(ps); 0 skips", min=0.0),
    "compare_timestep_fs": Option(float, 0.0, "timestep of the liquids' compare_potentials runs (fs; 0: "
                                  "cg.timestep_fs). Published tables can be rough: at 5 fs engines disagree on "
                                  "their D, at 2 fs they agree", min=0.0),
}

AA = {
    "timestep_fs": Option(float, 2.0, "all-atom timestep (fs); 2 fs needs engine constraints on H bonds",
                          min=0.0, exclusive_min=True, max=5.0),
    "start_density_g_cm3": Option(float, 0.0, "packing density (g/cm³); 0: the liquid's density or 0.7",
                                  min=0.0),
    "ensemble": Option(str, "NPT", "NPT at state.pressure_bar, or NVT at the start density",
                       choices=("NPT", "NVT")),
    "thermostat": Option(str, "nose_hoover", "all-atom thermostat", choices=("nose_hoover", "langevin")),
    "friction_per_ps": Option(float, 1.0, "thermostat coupling (1/ps)", min=0.0, exclusive_min=True),
    "equilibration_ps": Option(float, 100.0, "equilibration (ps)", min=0.0),
    "production_ps": Option(float, 500.0, "production (ps)", min=0.0, exclusive_min=True),
    "report_interval_ps": Option(float, 1.0, "frame spacing (ps)", min=0.0, exclusive_min=True),
    "trajectory": Option(str, "dcd", "target stage: every atom's production frames in liquids/NAME/aa.(dcd|xtc) "
                         "beside aa.pdb (bonds); none: not written", choices=("dcd", "xtc", "none")),
}
#: [aa] keys that say what is written, not what is computed: left out of every result's key
AA_OUTPUT_KEYS = ("trajectory",)


def aa_physics(aa: dict) -> dict:
    """The [aa] settings that change a result (what keys a finished all-atom run)."""
    return {k: v for k, v in aa.items() if k not in AA_OUTPUT_KEYS}
