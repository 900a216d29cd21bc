"""The database stage: real all-atom + IBI + CG jobs, HDF5 store, executors, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import ROOT, fake_sample, run_cli
from mobcg_core.database import Database
from mobcg_core.database.ops import export_text, info, merge
from mobcg_core.contract.errors import MobcgError

pytest.importorskip("distributed")

# 2 synthetic force fields x 2 bead masses of 3-methylpentane: 30 molecules all-atom
# (NVT, 6 ps), 2 IBI iterations and 10 ps CG runs of 100 beads.  About 25 s on 2 cores.
STUDY = """
[run]
output = "out"
seed = 7
stages = ["database"]
[engine]
name = "openmm"
[engine.openmm]
platform = "CPU"
threads = 1              # one thread: bit-reproducible force sums
electrostatics = "reaction_field"
aa_cutoff_nm = 0.8
[cg_method.ibi]
max_iterations = 2
run_ps_min = 5.0
run_ps_max = 5.0
equilibration_ps = 1.0
[executor]
name = "{executor}"
[executor.{executor}]
workers = {workers}
[aa]
timestep_fs = 1.0
ensemble = "NVT"
thermostat = "langevin"
equilibration_ps = 2.0
production_ps = 4.0
report_interval_ps = 0.1
[cg]
cutoff_nm = 1.0
equilibration_ps = 2.0
production_ps = 10.0
report_interval_ps = 0.5
[analysis]
rdf_r_max_nm = 1.3
[database]
molecules = {molecules}
forcefields_per_molecule = {k}
masses_per_forcefield = 2
n_molecules = 30
n_beads = 100
start_density_g_cm3 = 0.6
commit_interval_s = 0.0
"""


#: for tests of the machinery (locks, kills, lost workers), not of the samples' physics: the
#: same study with all-atom, IBI and CG runs cut to the least that still makes a sample
FAST = {"max_iterations = 2": "max_iterations = 1", "run_ps_min = 5.0": "run_ps_min = 2.0",
        "run_ps_max = 5.0": "run_ps_max = 2.0", "equilibration_ps = 1.0": "equilibration_ps = 0.5",
        "equilibration_ps = 2.0": "equilibration_ps = 0.5", "production_ps = 4.0": "production_ps = 1.5",
        "production_ps = 10.0": "production_ps = 2.0", "report_interval_ps = 0.5": "report_interval_ps = 0.1"}


def write_study(d: Path, executor="local", workers=2, k=2, molecules='["3MePe"]', fast=False) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    path = d / "db.toml"
    text = STUDY.format(executor=executor, workers=workers, k=k, molecules=molecules)
    for old, new in FAST.items() if fast else ():
        text = text.replace(old, new)
    path.write_text(text)
    return path


def by_key(db: Database, group: str) -> dict[str, dict]:
    cols = db.read(group)
    return {k: {c: v[i] for c, v in cols.items()} for i, k in enumerate(cols["key"])}


@pytest.fixture(scope="module")
def local_db(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("local")
    res = run_cli("run", str(write_study(d)))
    assert res.returncode == 0, res.stderr
    return d / "out" / "database.h5"


def test_database_holds_physical_samples(local_db):
    db = Database(local_db)
    ff, s = db.read("forcefields"), db.read("samples")
    assert len(ff["key"]) == 2 and len(s["key"]) == 4 and db.count("failures") == 0
    assert info(local_db)["forcefields_by_origin"] == {"all_atom": 2, "seed": 0, "cg_variant": 0}
    assert np.all((s["mass_gmol"] >= 20) & (s["mass_gmol"] <= 200))
    # Same potential, other mass: classical dynamics rescale time by sqrt(m), so D·sqrt(m) is one
    # number per potential (here within the noise of 10 ps runs, ~15 %).
    for fk in ff["key"]:
        rows = s["forcefield_key"] == fk
        scaled = s["diffusion_1e9_m2_s"][rows] * np.sqrt(s["mass_gmol"][rows])
        assert scaled.max() / scaled.min() < 1.35, scaled
    # IBI potentials reproduce their all-atom g(r): the CG g(r) of every sample is near its target.
    assert np.all(s["structure_error"] < 0.05)
    assert np.all(np.abs(s["rdf"][:, -20:].mean(axis=1) - 1.0) < 0.1)  # g -> 1 at large r
    prov = json.loads(s["provenance_json"][0])
    assert prov["engine"]["name"] == "openmm" and "versions" in prov and prov["seed"] >= 0
    fields = json.loads(ff["forcefield_json"][0])
    assert fields["hash"] == ff["forcefield_hash"][0] and "CT-CT" in fields["bonds"]
    assert ff["forcefield_hash"][0] != ff["forcefield_hash"][1]


def test_dask_gives_identical_samples(local_db, tmp_path):
    res = run_cli("run", str(write_study(tmp_path, executor="dask", workers=2)))
    assert res.returncode == 0, res.stderr
    a, b = by_key(Database(local_db), "samples"), by_key(Database(tmp_path / "out" / "database.h5"), "samples")
    assert set(a) == set(b) and len(a) == 4
    for key in a:
        for col in ("mass_gmol", "diffusion_1e9_m2_s", "rdf", "potential_kjmol", "pressure_bar"):
            np.testing.assert_array_equal(a[key][col], b[key][col], err_msg=col)


def test_database_stage_runs_on_hoomd(tmp_path):
    """All-atom runs, IBI and CG runs of a database study on engine.name = "hoomd" alone."""
    pytest.importorskip("hoomd", reason="HOOMD-blue is not installed (conda-forge or a source build)")
    study = write_study(tmp_path, workers=2, k=1)
    study.write_text(study.read_text().replace('name = "openmm"', 'name = "hoomd"\n[engine.hoomd]\n'
                                               'aa_cutoff_nm = 0.8\nelectrostatics = "reaction_field"'))
    res = run_cli("run", str(study))
    assert res.returncode == 0, res.stderr
    db = Database(tmp_path / "out" / "database.h5")
    s = db.read("samples")
    assert db.count("forcefields") == 1 and len(s["key"]) == 2 and db.count("failures") == 0
    assert json.loads(s["provenance_json"][0])["engine"]["name"] == "hoomd"
    assert np.all(s["structure_error"] < 0.05) and np.all(s["diffusion_1e9_m2_s"] > 0)


def test_rerun_skips_and_extending_appends(local_db, tmp_path):
    d = tmp_path / "copy"
    (d / "out").mkdir(parents=True)
    (d / "out" / "database.h5").write_bytes(local_db.read_bytes())
    before = by_key(Database(d / "out" / "database.h5"), "forcefields")
    # Methane: 30 molecules make a box shorter than twice the all-atom cutoff, a physical failure.
    res = run_cli("run", str(write_study(d, k=2, molecules='["3MePe", "C"]')))
    assert res.returncode == 0, res.stderr
    db = Database(d / "out" / "database.h5")
    after = by_key(db, "forcefields")
    assert {k: v["wall_aa_s"] for k, v in after.items()} == {k: v["wall_aa_s"] for k, v in before.items()}
    bad = db.read("failures")
    assert len(bad["key"]) == 2 and set(bad["molecule"]) == {"C"}
    assert all(e.startswith("SimulationError") and "cutoff" in e for e in bad["error"]), bad["error"]
    assert "failed" in res.stderr
    again = run_cli("run", str(write_study(d, k=2, molecules='["3MePe", "C"]')))  # failures are not retried
    assert again.returncode == 0 and "0 already done" not in again.stderr
    assert Database(d / "out" / "database.h5").count("failures") == 2
    typo = run_cli("run", str(write_study(d, k=2, molecules='["CCO"]')))  # ethanol: untypable O, up front
    assert typo.returncode == 1 and "database.molecules: 'CCO': cannot type atom" in typo.stderr


def test_sigkill_loses_no_finished_job(tmp_path):
    study = write_study(tmp_path, workers=1, k=3, fast=True)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "mobcg_core.cli", "-q", "run", str(study)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    journal, dbfile = out / "database.h5.pending", out / "database.h5"
    deadline = time.time() + 300
    while time.time() < deadline:  # kill after the first force field is durable
        if dbfile.exists() or (journal.is_dir() and any(journal.iterdir())):
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with Database(dbfile) as first:  # a writer: releases its lock on leaving the block
        first.commit()  # what a rerun does first: the journal is folded into the file
        done = by_key(first, "forcefields")
    assert 1 <= len(done) < 3
    with h5py.File(dbfile, "r") as fh:  # opens cleanly
        assert fh.attrs["format"] == "mobcg-database"
    res = run_cli("run", str(study))
    assert res.returncode == 0, res.stderr
    final = by_key(Database(dbfile), "forcefields")
    assert len(final) == 3 and Database(dbfile).count("samples") == 6
    for key, row in done.items():  # finished jobs are kept, not recomputed
        assert final[key]["wall_aa_s"] == row["wall_aa_s"]


# ------------------------------------------------------------- store, no MD
def _grids():
    return np.linspace(0.1, 1.0, 10), np.linspace(0.0, 1.0, 11)


def _sample(key: str, mass: float) -> dict:
    return fake_sample(key, mass)


def test_store_journal_commit_merge_export(tmp_path):
    r_g, r_u = _grids()
    a = Database(tmp_path / "a.h5", r_g, r_u)
    a.add("samples", _sample("s1", 50.0))
    assert a.keys("samples") == {"s1"} and not a.path.exists()  # durable in the journal only
    assert a.commit() == 1 and a.count("samples") == 1
    b = Database(tmp_path / "b.h5", r_g, r_u)
    b.add("samples", _sample("s1", 50.0))
    b.add("samples", _sample("s2", 80.0))
    b.commit()
    res = merge(tmp_path / "m.h5", [tmp_path / "a.h5", tmp_path / "b.h5"])
    assert [x["rows_added"] for x in res["added"]] == [1, 1] and res["samples"] == 2
    assert info(tmp_path / "m.h5")["mass_gmol"] == [50.0, 80.0]
    exp = export_text(tmp_path / "m.h5", tmp_path / "txt", rows=slice(1, 2))
    assert exp["samples"] == 1 and (tmp_path / "txt" / "potential" / "000000.table").exists()
    assert "80.0000" in (tmp_path / "txt" / "samples.tsv").read_text()
    with pytest.raises(MobcgError, match="grid"):
        Database(tmp_path / "a.h5", np.linspace(0.1, 2.0, 10), r_u)


def test_failed_merge_or_export_changes_no_file(tmp_path):
    r_g, r_u = _grids()
    a = Database(tmp_path / "a.h5", r_g, r_u)
    a.add("samples", _sample("s1", 50.0))
    a.commit()
    other = Database(tmp_path / "other.h5", r_g, np.linspace(0.0, 2.0, 11))
    other.add("samples", _sample("s9", 90.0))
    other.commit()
    before = sorted(p.name for p in tmp_path.iterdir())
    for inputs in ([tmp_path / "a.h5", tmp_path / "missing.h5"], [tmp_path / "a.h5", tmp_path / "other.h5"]):
        with pytest.raises(MobcgError):
            merge(tmp_path / "m.h5", inputs)
        assert sorted(p.name for p in tmp_path.iterdir()) == before  # no OUT, no .lock, no temporary
    export_text(tmp_path / "a.h5", tmp_path / "txt")
    stamp = (tmp_path / "txt" / "samples.tsv").stat().st_mtime_ns
    for kwargs, match in (({"rows": slice(5, 2)}, "no sample"), ({"molecule": "nope"}, "no sample")):
        with pytest.raises(MobcgError, match=match):
            export_text(tmp_path / "a.h5", tmp_path / "new", **kwargs)
        assert not (tmp_path / "new").exists()
    with pytest.raises(MobcgError, match="not an empty folder"):  # no stale files beside a new list
        export_text(tmp_path / "a.h5", tmp_path / "txt")
    assert (tmp_path / "txt" / "samples.tsv").stat().st_mtime_ns == stamp
    (tmp_path / "txt" / "stale.txt").write_text("from an older export")
    export_text(tmp_path / "a.h5", tmp_path / "txt", force=True)
    assert not (tmp_path / "txt" / "stale.txt").exists() and (tmp_path / "txt" / "samples.tsv").exists()
    usage = run_cli("db", "export", str(tmp_path / "a.h5"))  # a missing argument: sysexits' EX_USAGE
    assert usage.returncode == 64 and "required" in usage.stderr
    res = run_cli("db", "seed", str(tmp_path / "a.h5"), "--from-samples", "-1")
    assert res.returncode == 1 and "≥ 1" in res.stderr and Database(tmp_path / "a.h5").count("forcefields") == 0


def test_db_cli_errors_are_one_line(tmp_path):
    (tmp_path / "junk.h5").write_text("not hdf5")
    for args in (("db", "info", str(tmp_path / "missing.h5")), ("db", "info", str(tmp_path / "junk.h5"))):
        res = run_cli(*args)
        assert res.returncode == 1 and len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert "Traceback" not in res.stderr


ML_STUDY = """
[run]
output = "out"
seed = 5
stages = ["train", "target", "coarse_grain", "cg_md", "predict", "validate"]
[engine.openmm]
platform = "CPU"
threads = 2
[cg_method.ibi]
max_iterations = 3
run_ps_min = 5.0
run_ps_max = 5.0
equilibration_ps = 1.0
[predictor.mlp]
hidden_layers = [32, 32]
epochs = 100
folds = 2
n_components = 2
[model]
file = "{model}"
[database]
file = "{database}"
[cg]
n_beads = 150
cutoff_nm = 1.0
equilibration_ps = 2.0
production_ps = 20.0
report_interval_ps = 0.5
[analysis]
rdf_r_max_nm = 1.3
[validation]
npt_ps = 10.0
nve_drift_ps = 5.0
[[liquids]]
name = "234TriMePe"
smiles = "CC(C)C(C)C(C)C"
rdf_file = "{rdf}"
diffusion_1e9_m2_s = 1.20
density_g_cm3 = 0.7332
"""


def test_train_predict_validate_end_to_end(local_db, tmp_path):
    """Train on the real tiny database, predict a liquid's potential, validate it against IBI."""
    from conftest import TARGET_RDF

    study = tmp_path / "ml.toml"
    study.write_text(ML_STUDY.format(model=tmp_path / "model.pt", database=local_db, rdf=TARGET_RDF))
    res = run_cli("run", str(study))
    assert res.returncode == 0, res.stderr
    out = tmp_path / "out"
    rows = json.loads((out / "validation.json").read_text())
    assert [r["potential"] for r in rows] == ["ML", "IBI"]
    for r in rows:
        assert r["D_CG_1e9_m2_s"] > 0 and r["acceleration"] == pytest.approx(r["D_CG_1e9_m2_s"] / 1.20)
        assert 0 < r["density_npt_g_cm3"] < 1.5 and np.isfinite(r["nve_drift_kT_per_bead_ns"])
    assert (out / "validation_234TriMePe.png").stat().st_size > 10_000
    assert "| ML |" in (out / "validation.md").read_text()
    pot = np.load(out / "liquids" / "234TriMePe" / "ml" / "potential.npz")
    assert np.all(np.isfinite(pot["u_kjmol"])) and pot["r_nm"][-1] == pytest.approx(1.0)
    # A rerun reuses everything; a model for another table grid is refused in one line.
    again = run_cli("run", str(study))
    assert again.returncode == 0 and "training mlp on" not in again.stdout + again.stderr
    study.write_text(study.read_text().replace("cutoff_nm = 1.0", "cutoff_nm = 1.1").replace(
        'output = "out"', 'output = "out2"').replace('"train", ', ""))
    bad = run_cli("-q", "run", str(study))  # refused by the run file's checks (exit 2), before any stage
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "model.file" in bad.stderr
    assert "potential_r_nm grid" in bad.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "out2" / "liquids").exists()  # refused before any stage ran


def test_all_atom_seeds_are_the_slowest_samples_within_budget(tmp_path):
    """``db seed --from-samples 1 --all-atom``: each synthetic all-atom force field gets, as a new
    seed, the sample (of any molecule) that is slowest at its molar mass among those within the
    structure budget of its own all-atom g(r) — here the other molecule's slow sample for one."""
    from mobcg_core.database.seeds import seed_from_samples

    r_g, r_u = _grids()
    db = Database(tmp_path / "db.h5", r_g, r_u)
    g1, g2 = 1.0 + 0.3 * np.exp(-((r_g - 0.5) / 0.1) ** 2), 1.0 - 0.3 * np.exp(-((r_g - 0.5) / 0.1) ** 2)
    for key, mol, g in (("ffA", "A", g1), ("ffB", "B", g2)):
        db.add("forcefields", {"key": key, "molecule": mol, "smiles": "C", "forcefield_hash": f"h{key}",
                               "forcefield_json": {}, "molar_mass_gmol": 100.0, "aa_rdf": g,
                               "aa_diffusion_1e9_m2_s": 1.0, "aa_diffusion_err_1e9_m2_s": 0.1,
                               "aa_density_g_cm3": 0.7, "box_nm": 3.0, "potential_kjmol": np.zeros(11),
                               "cg_error": 0.0, "cg_iterations": 1, "cg_converged": True, "wall_aa_s": 1.0,
                               "wall_cg_method_s": 1.0, "provenance_json": {"molecule": {"name": mol}}})
    # (key, parent, g, D, mass): s3 is B's but has A's structure and is the slowest at 100 g/mol
    for key, parent, g, d, m in (("s1", "ffA", g1, 4.0, 100.0), ("s2", "ffA", g1 + 0.01, 3.0, 100.0),
                                 ("s3", "ffB", g1 - 0.01, 4.0, 25.0), ("s4", "ffB", g2, 2.0, 100.0),
                                 ("s5", "ffA", g2 + 0.5, 0.1, 100.0)):
        row = _sample(key, m)
        row.update(forcefield_key=parent, molecule=parent[-1], rdf=g, diffusion_1e9_m2_s=d,
                   provenance_json={"n_beads": 300, "box_nm": 3.0})
        db.add("samples", row)
    db.commit()
    db.close()
    res = seed_from_samples(tmp_path / "db.h5", 1, 0.02, origin="all_atom")
    assert sorted(res["added"]) == ["A:s3", "B:s4"], res  # s3: D·√(25/100) = 2.0 < s2's 3.0
    f = Database(tmp_path / "db.h5").read("forcefields")
    seeds = {json.loads(p)["sample_key"]: json.loads(p)["parent_key"]
             for p, h in zip(f["provenance_json"], f["forcefield_hash"]) if not h}
    assert seeds == {"s3": "ffA", "s4": "ffB"}
    assert info(tmp_path / "db.h5")["forcefields_by_origin"]["seed"] == 2
    assert seed_from_samples(tmp_path / "db.h5", 1, 0.02, origin="all_atom")["added"] == []  # idempotent
