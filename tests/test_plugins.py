"""Plugin discovery through entry points, including a separately installed package."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import EXAMPLES, TARGET_RDF, pip_install_into, run_cli
from mobcg_core.plugins import Registry

EXPECTED = {("engine", "openmm"), ("engine", "hoomd"), ("cg_method", "ibi"), ("predictor", "mlp"),
            ("executor", "local"), ("executor", "dask")}


def test_plugins_json_lists_builtins():
    proc = run_cli("plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)
    found = {(r["kind"], r["name"]) for r in records}
    assert EXPECTED <= found
    by_name = {(r["kind"], r["name"]): r for r in records}
    assert by_name[("engine", "openmm")]["available"]
    assert by_name[("engine", "openmm")]["distribution"] == "mobcg"


def test_hoomd_listed_unavailable_with_reason():
    try:
        import hoomd  # noqa: F401
        pytest.skip("hoomd is installed here, so it is available")
    except ImportError:
        pass
    records = json.loads(run_cli("plugins", "--json").stdout)
    hoomd_rec = next(r for r in records if r["name"] == "hoomd")
    assert not hoomd_rec["available"] and "hoomd" in hoomd_rec["reason"]


def test_broken_plugin_does_not_break_others(monkeypatch):
    import importlib.metadata as md

    good = list(md.entry_points(group="mobcg"))
    bad = md.EntryPoint(name="broken", value="mobcg_no_such_module_xyz", group="mobcg")
    monkeypatch.setattr(md, "entry_points", lambda group: good + [bad])
    reg = Registry().load_entry_points()
    assert reg.get("engine", "openmm").available
    assert any(r.name == "broken" and "import failed" in r.reason for r in reg.broken)


def test_core_never_imports_a_plugin_by_name():
    import pathlib

    core = pathlib.Path(__file__).resolve().parents[1] / "mobcg_core"
    for path in core.rglob("*.py"):
        text = path.read_text()
        for plugin in ("mobcg_openmm", "mobcg_hoomd", "mobcg_ibi", "mobcg_mlp", "mobcg_executors", "openmm"):
            assert f"import {plugin}" not in text and f"from {plugin}" not in text, (path, plugin)


@pytest.fixture(scope="module")
def third_party_site(tmp_path_factory):
    """The example plugin installed into its own folder (the environment is left alone)."""
    return pip_install_into(tmp_path_factory.mktemp("site"), EXAMPLES / "third_party_plugin")


def test_third_party_plugin_is_discovered_and_runs(third_party_site, tmp_path):
    env = {"PYTHONPATH": str(third_party_site)}
    records = json.loads(run_cli("plugins", "--json", env=env).stdout)
    rec = next(r for r in records if r["name"] == "boltzmann")
    assert rec["kind"] == "cg_method" and rec["available"] and rec["distribution"] == "mobcg-boltzmann"

    run_file = tmp_path / "bi.toml"
    run_file.write_text(f"""
[run]
output = "out"
stages = ["target", "coarse_grain"]
[cg_method]
name = "boltzmann"
[cg_method.boltzmann]
core_threshold = 0.02
[cg]
n_beads = 300
[[liquids]]
name = "tmp"
mass_gmol = 114.2302
rdf_file = "{TARGET_RDF}"
density_g_cm3 = 0.7332
""")
    proc = run_cli("run", str(run_file), env=env)
    assert proc.returncode == 0, proc.stderr
    pot = np.load(tmp_path / "out" / "liquids" / "tmp" / "potential.npz")
    # −kT ln g at the first peak of g(r) (g ≈ 2.1 at 0.64 nm): a well of about −1.8 kJ/mol
    i = np.argmin(np.abs(pot["r_nm"] - 0.64))
    assert -2.3 < pot["u_kjmol"][i] < -1.3
    assert (tmp_path / "out" / "liquids" / "tmp" / "potential.table").exists()
