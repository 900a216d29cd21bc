"""The columns of the sample database: name -> (kind, doc), with units in the doc.

kind: ``"str"`` (JSON where structured), ``"int"``, ``"float"``, ``"bool"``, ``"rdf"`` (one
value per g(r) bin) or ``"potential"`` (one value per U(r) grid point).
"""

from __future__ import annotations

import numpy as np

FORMAT, FORMAT_VERSION = "mobcg-database", 1
GROUPS = ("forcefields", "samples", "failures")

# column -> (kind, doc).  kind: "str", "int", "float", "rdf" (n_g), "potential" (n_u), "bool"
ROW_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "forcefields": {
        "key": ("str", "hash of the job inputs"),
        "molecule": ("str", "reference molecule name"),
        "smiles": ("str", "SMILES"),
        "forcefield_hash": ("str", "hash of the drawn bonded parameters"),
        "forcefield_json": ("str", "bonded parameters (LAMMPS conventions), seed, ranges"),
        "molar_mass_gmol": ("float", "molar mass of the molecule (g/mol)"),
        "aa_rdf": ("rdf", "all-atom centre-of-mass g(r)"),
        "aa_diffusion_1e9_m2_s": ("float", "all-atom self-diffusion D_AA (1e-9 m²/s)"),
        "aa_diffusion_err_1e9_m2_s": ("float", "its error (1e-9 m²/s)"),
        "aa_density_g_cm3": ("float", "all-atom density (g/cm³)"),
        "box_nm": ("float", "CG box edge fixed by the all-atom density (nm)"),
        "potential_kjmol": ("potential", "CG pair potential U(r) from the CG method (kJ/mol)"),
        "cg_error": ("float", "structure error ε of the CG method"),
        "cg_iterations": ("int", "CG method iterations"),
        "cg_converged": ("bool", "CG method reached its tolerance"),
        "wall_aa_s": ("float", "all-atom wall time (s)"),
        "wall_cg_method_s": ("float", "CG method wall time (s)"),
        "provenance_json": ("str", "seeds, engine and versions, state point, run lengths"),
    },
    "samples": {
        "key": ("str", "hash of the job inputs"),
        "forcefield_key": ("str", "key of the /forcefields row it came from"),
        "molecule": ("str", "reference molecule name"),
        "mass_gmol": ("float", "bead mass (g/mol)"),
        "rdf": ("rdf", "CG centre-of-mass g(r) of this run"),
        "diffusion_1e9_m2_s": ("float", "CG self-diffusion D_CG (1e-9 m²/s)"),
        "diffusion_err_1e9_m2_s": ("float", "its error (1e-9 m²/s)"),
        "pressure_bar": ("float", "CG pressure (bar) in the box fixed by the all-atom density"),
        "structure_error": ("float", "ε between this g(r) and the all-atom target"),
        "potential_kjmol": ("potential", "the CG pair potential U(r) of the run (kJ/mol)"),
        "wall_cg_s": ("float", "CG MD wall time (s)"),
        "provenance_json": ("str", "seeds, engine and versions, state point, run lengths"),
    },
    "failures": {
        "key": ("str", "hash of the job inputs"),
        "job": ("str", "'forcefield' or 'sample'"),
        "molecule": ("str", "reference molecule name"),
        "error": ("str", "the error message"),
        "kind": ("str", "'physical': a result, skipped on reruns (files before this column: '', retried)"),
        "provenance_json": ("str", "the job's inputs (without arrays)"),
    },
}


def column_dtype(kind: str):
    import h5py

    # Curves (g(r), U(r)) in float32: 7 significant digits are far below their sampling noise, and
    # they are most of a database's bytes (a file made before keeps its float64 columns).
    return {"str": h5py.string_dtype(), "int": np.int64, "float": np.float64, "bool": np.bool_}.get(kind, np.float32)
