"""End-to-end: `mobcg run` on a tiny study, resume without recomputation, manifest contents."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from conftest import TARGET_RDF, run_cli

TINY = f"""
[run]
output = "out"
seed = 7
[engine]
name = "openmm"
[engine.openmm]
threads = 1
[cg_method.ibi]
max_iterations = 3
run_ps_min = 4.0
run_ps_max = 6.0
equilibration_ps = 1.0
[cg]
n_beads = 250
cutoff_nm = 1.5
table_dr_nm = 0.002
equilibration_ps = 5.0
production_ps = 30.0
report_interval_ps = 0.5
[[liquids]]
name = "tmp"
smiles = "CC(C)C(C)C(C)C"
rdf_file = "{TARGET_RDF}"
diffusion_1e9_m2_s = 1.20
density_g_cm3 = 0.7332
"""


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("study")
    (d / "run.toml").write_text(TINY)
    t0 = time.perf_counter()
    proc = run_cli("run", str(d / "run.toml"))
    assert proc.returncode == 0, proc.stderr
    return d, time.perf_counter() - t0


def test_run_writes_results_and_manifest(finished_run):
    d, _ = finished_run
    out = d / "out"
    summary = json.loads((out / "summary.json").read_text())[0]
    assert summary["liquid"] == "tmp"
    assert summary["target.mass_gmol"] == pytest.approx(114.23, abs=0.01)  # from the SMILES
    # a structure-matched CG model of this liquid is several times faster than the all-atom one
    assert 1.5 < summary["cg_md.acceleration"] < 15
    assert 0.5 < summary["cg_md.D_CG_1e9_m2_s"] < 20
    assert summary["cg_md.density_g_cm3"] == pytest.approx(0.7332, rel=1e-6)  # NVT at the AA density
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["plugins"]["engine"]["name"] == "openmm"
    assert "openmm" in manifest["packages"] and set(manifest["stages"]) == {"target", "coarse_grain", "cg_md"}
    for name in ("potential.table", "potential.xvg", "potential.npz", "coarse_grain/history.json",
                 "cg_md.dcd", "cg_md.pdb"):  # [cg] trajectory = "dcd" by default
        assert (out / "liquids" / "tmp" / name).exists(), name
    assert "| tmp |" in (out / "summary.md").read_text()


def test_cg_trajectory_opens_in_mdanalysis_with_masses(finished_run):
    """cg_md.dcd with cg_md.psf: the bead mass comes with the topology, frames span production."""
    import MDAnalysis as mda

    d, _ = finished_run
    folder = d / "out" / "liquids" / "tmp"
    u = mda.Universe(str(folder / "cg_md.psf"), str(folder / "cg_md.dcd"))
    assert len(u.atoms) == 250 and np.allclose(u.atoms.masses, 114.23, atol=0.01)
    assert len(u.trajectory) == 60  # 30 ps at 0.5 ps
    u.trajectory[-1]
    assert np.all(u.atoms.positions >= 0) and np.all(u.atoms.positions <= u.dimensions[:3] + 1e-3)


def test_quiet_rerun_prints_the_results_on_stdout_and_logs_everything(finished_run):
    d, _ = finished_run
    proc = run_cli("-q", "run", str(d / "run.toml"), env={"COLUMNS": "40"})
    assert proc.returncode == 0, proc.stderr
    rows = [ln for ln in proc.stdout.splitlines() if ln.startswith("| tmp |")]
    assert len(rows) == 1 and rows[0].endswith("|"), proc.stdout  # one whole markdown row, not wrapped at 40
    assert "stage" not in proc.stderr and "ρ [g/cm³]" in proc.stdout and "P [bar]" in proc.stdout
    log = (d / "out" / "mobcg.log").read_text()
    assert "info: stage cg_md" in log and "result: | tmp |" in log and "run.toml" in log


def test_rerun_skips_finished_work(finished_run):
    d, first_s = finished_run
    before = (d / "out" / "liquids" / "tmp" / "cg_md.json").read_text()
    sessions = json.loads((d / "out" / "manifest.json").read_text())["sessions"]
    t0 = time.perf_counter()
    proc = run_cli("run", str(d / "run.toml"))
    assert proc.returncode == 0, proc.stderr
    assert time.perf_counter() - t0 < 0.5 * first_s
    assert (d / "out" / "liquids" / "tmp" / "cg_md.json").read_text() == before
    assert json.loads((d / "out" / "manifest.json").read_text())["sessions"] == sessions + 1


def test_changed_settings_are_refused_not_mixed(finished_run):
    d, _ = finished_run
    (d / "changed.toml").write_text(TINY.replace("seed = 7", "seed = 8"))

    def snapshot():
        # the writer lock's file names its last holder: that is the lock at work, not a result
        return {p: p.read_bytes() for p in sorted((d / "out").rglob("*")) if p.is_file() and p.suffix != ".lock"}

    before = snapshot()
    proc = run_cli("run", str(d / "changed.toml"))
    assert proc.returncode == 1
    assert "computed with other settings" in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot() == before  # the refused run changed no file: manifest and log included


def test_check_and_version():
    assert run_cli("--version").stdout.startswith("mobcg ")


def test_bench_compares_engines(finished_run):
    d, _ = finished_run
    # 300 ps: one run's D scatters ~6 % between seeds here (measured: 120 ps runs of four
    # seeds spread 10 %), so two engines' D agree within 25 % unless their physics differs
    (d / "bench.toml").write_text(TINY.replace("production_ps = 30.0", "production_ps = 300.0"))
    proc = run_cli("bench", str(d / "bench.toml"), "--engines", "openmm,lammps,hoomd")
    result = json.loads((d / "out" / "bench.json").read_text())
    rows = {r["engine"]: r for r in result["systems"][0]["rows"]}
    assert rows["openmm"]["available"] and rows["openmm"]["steps_per_s"] > 0
    if not rows["hoomd"]["available"]:
        assert "hoomd" in rows["hoomd"]["reason"]
    assert rows["lammps"]["available"], rows["lammps"]
    assert proc.returncode == 0, (proc.stdout, proc.stderr)  # same physics on both engines
    assert result["agree"] and abs(rows["lammps"]["D"] / rows["openmm"]["D"] - 1) < 0.25


AA_BENCH = """
[run]
output = "out"
seed = 3
[engine.openmm]
threads = 1
aa_cutoff_nm = 0.85
[engine.lammps]
threads = 1
aa_cutoff_nm = 0.85
[engine.hoomd]
aa_cutoff_nm = 0.85
[aa]
timestep_fs = 1.0
equilibration_ps = 1.5
production_ps = 5.0
report_interval_ps = 0.25
ensemble = "NVT"
[[liquids]]
name = "3MePe"
smiles = "CCC(C)CC"
n_molecules = 30
density_g_cm3 = 0.6625
"""


def test_bench_runs_the_all_atom_box_on_every_engine(tmp_path):
    (tmp_path / "aa.toml").write_text(AA_BENCH)
    proc = run_cli("bench", str(tmp_path / "aa.toml"), "--systems", "aa", "--engines", "openmm,lammps,hoomd")
    result = json.loads((tmp_path / "out" / "bench.json").read_text())
    (aa,) = result["systems"]
    rows = {r["engine"]: r for r in aa["rows"]}
    assert aa["system"] == "aa" and rows["openmm"]["available"] and rows["lammps"]["available"]
    assert rows["openmm"]["density"] == pytest.approx(0.6625, rel=1e-3)  # NVT at the packing density
    for name in ("openmm", "lammps"):  # a liquid, not a solid or a gas: D near the published 2.74
        assert 0.8 < rows[name]["D"] < 8.0 and rows[name]["steps_per_s"] > 0
    assert proc.returncode == 0 and result["agree"], (proc.stdout, proc.stderr)


def test_bench_reports_an_engine_that_cannot_run_the_box_as_a_row(tmp_path):
    """HOOMD's cell list needs cutoff + buffer ≤ L/2: a clear failed row and exit 1, not a crash."""
    pytest.importorskip("hoomd", reason="HOOMD-blue is not installed (conda-forge or a source build)")
    (tmp_path / "aa.toml").write_text(AA_BENCH.replace("[engine.hoomd]\naa_cutoff_nm = 0.85\n", ""))
    proc = run_cli("bench", str(tmp_path / "aa.toml"), "--systems", "aa", "--engines", "lammps,hoomd")
    rows = {r["engine"]: r for r in json.loads((tmp_path / "out" / "bench.json").read_text())["systems"][0]["rows"]}
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert rows["hoomd"]["failed"] and "shorter than twice the cutoff" in rows["hoomd"]["reason"]
    assert rows["lammps"]["D"] > 0


def test_timestep_check_finds_the_largest_stable_timestep(finished_run):
    d, _ = finished_run
    proc = run_cli("timestep", str(d / "run.toml"), "--timesteps", "2,60", "--nve-ps", "4")
    result = json.loads((d / "out" / "timestep.json").read_text())
    assert proc.returncode == 0, proc.stderr
    assert [r["stable"] for r in result["rows"]] == [True, False]  # 60 fs heats or blows up
    assert result["largest_stable_fs"] == 2.0 and "largest stable timestep: 2 fs" in proc.stdout
    assert "timestep [fs]" in proc.stdout and "drift [kT/bead/ns]" in proc.stdout  # units are not markup


def test_unconverged_cg_method_warns_or_fails_on_request(finished_run):
    d, _ = finished_run
    row = json.loads((d / "out" / "summary.json").read_text())[0]
    assert row["coarse_grain.converged"] is False  # 3 IBI iterations cannot reach ε 6e-4
    proc = run_cli("run", str(d / "run.toml"))
    assert proc.returncode == 0 and "did not converge" in proc.stderr
    strict = TINY.replace("seed = 7", "seed = 7\nrequire_convergence = true")
    (d / "strict.toml").write_text(strict)
    proc = run_cli("run", str(d / "strict.toml"))  # the finished stages are reused; the run fails
    assert proc.returncode == 1 and "run.require_convergence" in proc.stderr, proc.stderr


def test_bench_and_timestep_refuse_bad_options_before_md(finished_run):
    d, _ = finished_run
    cases = ((("bench", "--engines", "foo"), "unknown foo"), (("timestep", "--nve-ps", "-1"), "--nve-ps"),
             (("timestep", "--timesteps", "0,2"), "--timesteps"), (("timestep", "--max-drift", "0"), "--max-drift"))
    for args, expect in cases:
        proc = run_cli(args[0], str(d / "run.toml"), *args[1:])
        assert proc.returncode == 1 and expect in proc.stderr, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and not proc.stdout.strip(), (args, proc.stdout)


def test_potential_file_must_reach_the_cutoff(tmp_path):
    """A user table shorter than cg.cutoff_nm is a clear error, not a silent truncation."""
    r = [0.05 * i for i in range(1, 21)]  # 0.05–1.0 nm
    lines = ["SHORT", f"N {len(r)} R {r[0] * 10:.4f} {r[-1] * 10:.4f}", ""]
    lines += [f"{i + 1} {x * 10:.4f} {1.0 / x:.6f} {1.0 / x**2 / 10:.6f}" for i, x in enumerate(r)]
    (tmp_path / "short.table").write_text("\n".join(lines) + "\n")
    run_file = tmp_path / "run.toml"
    with_table = 'density_g_cm3 = 0.7332\npotential_file = "short.table"'
    run_file.write_text(TINY.replace('density_g_cm3 = 0.7332', with_table))
    proc = run_cli("run", str(run_file))
    # refused up front by the file checks (exit 2, one line), before any MD and before out/ exists
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and not (tmp_path / "out").exists()
    assert "ends at 1.0000 nm, before cg.cutoff_nm = 1.5" in proc.stderr
