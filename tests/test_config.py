"""Run-file validation: every bad input is one line per problem, exit code 2, no traceback."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import TARGET_RDF, run_cli
from mobcg_core.config import load_config
from mobcg_core.contract.errors import ConfigError

GOOD = f"""
[run]
output = "out"
stages = ["target"]
[engine]
name = "openmm"
[engine.openmm]
platform = "CPU"
[[liquids]]
name = "tmp"
smiles = "CC(C)C(C)C(C)C"
rdf_file = "{TARGET_RDF}"
density_g_cm3 = 0.7332
"""

BAD = {
    "unknown_key": (GOOD.replace("[run]", "[run]\nfoo = 1"), "run.foo: unknown key"),
    "wrong_type": (GOOD.replace('output = "out"', "output = 3"), "run.output: got int"),
    "negative_temperature": (GOOD + "\n[state]\ntemperature_K = -5.0\n", "state.temperature_K: -5.0 is out of range"),
    "unknown_engine": (GOOD.replace('name = "openmm"', 'name = "gromacs"'), "engine.name: unknown engine 'gromacs'"),
    "unavailable_engine": (GOOD.replace('name = "openmm"', 'name = "hoomd"'),
                           "engine.name: engine 'hoomd' is unavailable"),
    "missing_table_file": (GOOD.replace(str(TARGET_RDF), "nowhere/g.txt"), "liquids[0].rdf_file: file not found"),
    "empty_liquids": ("liquids = []\n" + GOOD.split("[[liquids]]")[0], "liquids: empty"),
    "malformed_toml": (GOOD.replace("[run]", "[run"), "(syntax): malformed TOML"),
    "bad_plugin_option": (GOOD.replace('platform = "CPU"', 'platform = "TPU"'),
                          "engine.openmm.platform: 'TPU' is not allowed"),
    "unknown_stage": (GOOD.replace('stages = ["target"]', 'stages = ["dance"]'),
                      "run.stages[0]: 'dance' is not allowed"),
    "typo_suggestion": (GOOD.replace("smiles", "smile"), "did you mean 'smiles'?"),
    "stage_order": (GOOD.replace('stages = ["target"]', 'stages = ["target", "database"]'),
                    "run.stages: expected each stage at most once, in the order database, train"),
    "database_override": (GOOD + "\n[database]\ncg_method_options = { max_iters = 3 }\n",
                          "database.cg_method_options.max_iters: not an option of cg_method 'ibi'"),
    "database_cg_engine": (GOOD + '\n[database]\ncg_engine = "gromacs"\n', "database.cg_engine: unknown engine"),
    "synthetic_range": (GOOD + "\n[database.synthetic_ranges]\nbond_K = [20.0]\n",
                        "database.synthetic_ranges.bond_K"),
    "zero_beads_liquid": (GOOD.replace('name = "tmp"', 'name = "tmp"\nn_molecules = 0'), "liquids[0].n_molecules"),
    "unknown_plugin_table": (GOOD + "\n[engine.gromacs]\nx = 1\n", "engine.gromacs: unknown key"),
}


def _write(tmp_path, text):
    path = tmp_path / "run.toml"
    path.write_text(text)
    return path


def test_good_file_validates(tmp_path, registry):
    cfg = load_config(_write(tmp_path, GOOD), registry)
    assert cfg["engine"]["options"]["platform"] == "CPU"
    assert cfg["state"]["temperature_K"] == 298.15  # defaults filled in
    assert cfg["cg_method"]["name"] == "ibi" and cfg["cg_method"]["options"]["max_iterations"] == 30


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_is_one_clear_line(tmp_path, case, registry):
    if case == "unavailable_engine" and registry.get("engine", "hoomd").reason is None:
        pytest.skip("HOOMD-blue is installed here: no engine to show as unavailable")
    text, expected = BAD[case]
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path, registry)
    message = err.value.format()
    assert expected in message, message
    assert all(line.startswith(str(path)) for line in message.splitlines())


@pytest.mark.parametrize("case", ["unknown_engine", "malformed_toml", "negative_temperature"])
def test_cli_exit_code_2_without_traceback(tmp_path, case):
    path = _write(tmp_path, BAD[case][0])
    for command in ("check", "run"):
        proc = run_cli(command, str(path))
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
        assert BAD[case][1] in proc.stderr


def test_missing_run_file_is_one_line():
    proc = run_cli("check", "no/such/file.toml")
    assert proc.returncode == 2 and "not found" in proc.stderr and "Traceback" not in proc.stderr


def test_all_problems_reported_at_once(tmp_path, registry):
    text = GOOD.replace('output = "out"', "output = 3").replace('platform = "CPU"', 'platform = "TPU"')
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, text), registry)
    assert len(err.value.problems) == 2


toml_scalars = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                         st.booleans(), st.text(alphabet=string.printable, max_size=12),
                         st.lists(st.integers(-3, 3), max_size=3))
KEYS = ["run.output", "run.seed", "run.stages", "state.temperature_K", "state.pressure_bar",
        "cg.timestep_fs", "cg.n_beads", "cg.ensemble", "analysis.rdf_dr_nm", "engine.name",
        "engine.openmm.threads", "cg_method.ibi.damping", "liquids", "executor.name", "new.key"]


def _set(cfg: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    for p in parts[:-1]:
        cfg = cfg.setdefault(p, {})
        if not isinstance(cfg, dict):
            return
    cfg[parts[-1]] = value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(KEYS), toml_scalars, max_size=4))
def test_fuzzed_values_never_crash(registry, tmp_path_factory, changes):
    import tomllib

    cfg = tomllib.loads(GOOD)
    for key, value in changes.items():
        _set(cfg, key, value)
    path = tmp_path_factory.mktemp("fuzz") / "run.toml"
    path.write_text(_dump(cfg))
    try:
        load_config(path, registry)
    except ConfigError as exc:
        assert exc.problems and all(isinstance(k, str) and isinstance(m, str) for k, m in exc.problems)


def _dump(obj, prefix="") -> str:
    """Tiny TOML writer for the fuzz test (floats written so that nan/inf survive)."""
    scalars, tables, arrays = [], [], []
    for k, v in obj.items():
        if isinstance(v, dict):
            tables.append((k, v))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            arrays.append((k, v))
        else:
            scalars.append(f"{k} = {_value(v)}")
    text = "\n".join(scalars) + "\n"
    for k, v in tables:
        name = f"{prefix}{k}"
        text += f"[{name}]\n" + _dump(v, name + ".")
    for k, items in arrays:
        for item in items:
            text += f"[[{prefix}{k}]]\n" + _dump(item, prefix + k + ".")
    return text


def _value(v) -> str:
    import json
    import math

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{}"
    return json.dumps(v) if isinstance(v, str) else str(v)


def test_mobcg_config_prints_a_run_file_that_passes_check_and_is_the_documented_reference(tmp_path):
    from conftest import ROOT, run_cli

    proc = run_cli("config")
    assert proc.returncode == 0 and "[[liquids]]" in proc.stdout and "trajectory = \"dcd\"" in proc.stdout
    (tmp_path / "ref.toml").write_text(proc.stdout)
    check = run_cli("check", str(tmp_path / "ref.toml"))
    assert check.returncode == 0, check.stderr
    documented = (ROOT / "docs" / "run-file-reference.toml").read_text()
    assert proc.stdout == documented, "stale docs: run  mobcg config > docs/run-file-reference.toml"
