"""Bad inputs through ``mobcg check``: each case's exit code and its first message line.

    python benchmarks/bad_inputs.py            # prints a table, writes benchmarks/results/bad_inputs.json

Every case is a valid quickstart-like run file with one thing broken; none runs MD.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

from mobcg_core.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
RDF = (ROOT / "examples/data/aa_rdf_234TriMePe.txt").read_text()
TABLE = ROOT / "examples/data/paper_ml_potential_234TriMePe.table"
BASE = {"stages": '["target", "coarse_grain", "cg_md", "predict", "validate"]', "liquid": "", "cg": "",
        "output": '"out"', "rdf": RDF}


def _data(text: str) -> list[list[float]]:
    return [[float(x) for x in ln.split()] for ln in text.splitlines() if ln and not ln.startswith("#")]


ROWS = _data(RDF)
HEAD_A = "# columns: r [angstrom]  g(r)\n"


def _rows(rows, head=HEAD_A) -> str:
    return head + "".join(f"{r:.4f} {g:.6f}\n" for r, g in rows)


def run_file(d: Path, **over) -> Path:
    v = {**BASE, **over}
    (d / "g.txt").write_bytes(v["rdf"] if isinstance(v["rdf"], bytes) else v["rdf"].encode())
    sm = v.get("sm", 'smiles = "CC(C)C(C)C(C)C"')
    text = (f"[run]\noutput = {v['output']}\nstages = {v['stages']}\n[cg]\nn_beads = {v.get('nb', 500)}\n{v['cg']}\n"
            f"[[liquids]]\nname = \"x\"\n{sm}\nrdf_file = \"g.txt\"\n"
            f"density_g_cm3 = 0.7332\n{v.get('dl', 'diffusion_1e9_m2_s = 1.2')}\n{v['liquid']}\n")
    (d / "run.toml").write_text(text)
    return d / "run.toml"


CASES = {
    "g(r) Å data under an nm header": dict(rdf=RDF.replace("[angstrom]", "[nm]")),
    "g(r) nm data under an Å header": dict(rdf=_rows([(r / 10, g) for r, g in ROWS])),
    "g(r) Å data with rdf_r_unit = nm": dict(liquid='rdf_r_unit = "nm"'),
    "g(r) negative r": dict(rdf=_rows([(r - 10, g) for r, g in ROWS])),
    "g(r) one NaN": dict(rdf=_rows(ROWS[:50] + [(ROWS[50][0], float("nan"))] + ROWS[51:])),
    "g(r) one inf": dict(rdf=_rows(ROWS[:50] + [(ROWS[50][0], float("inf"))] + ROWS[51:])),
    "g(r) negative g": dict(rdf=_rows(ROWS[:50] + [(ROWS[50][0], -0.5)] + ROWS[51:])),
    "g(r) reversed rows": dict(rdf=_rows(ROWS[::-1])),
    "g(r) duplicated row": dict(rdf=_rows(ROWS[:50] + ROWS[49:])),
    "g(r) truncated before the cutoff": dict(rdf=_rows([x for x in ROWS if x[0] < 10])),
    "g(r) 3 rows": dict(rdf=_rows(ROWS[100:103])),
    "g(r) empty file": dict(rdf=""),
    "g(r) garbage text": dict(rdf="hello world\nthis is not a table\n" * 10),
    "g(r) one column": dict(rdf=HEAD_A + "".join(f"{r}\n" for r, _ in ROWS)),
    "g(r) no unit in header": dict(rdf=_rows(ROWS, head="# r g\n")),
    "g(r) UTF-16 encoding": dict(rdf=RDF.encode("utf-16")),
    "g(r) latin-1 bytes": dict(rdf=b"\xff\xfe\xfa" * 30),
    "g(r) binary zeros": dict(rdf=b"\x00" * 200),
    "D_AA = 0 with predict": dict(dl="diffusion_1e9_m2_s = 0.0"),
    "box < 2 x cutoff": dict(nb=8),
    "run.output is a file": dict(output='"run.toml"'),
    "run.output under a file": dict(output='"run.toml/sub"'),
    "cg_md without coarse_grain": dict(stages='["target", "cg_md"]'),
    "cg_md without coarse_grain, potential_file": dict(stages='["target", "cg_md"]',
                                                        liquid=f'potential_file = "{TABLE}"'),
    "compare_potentials is a g(r) file": dict(liquid='compare_potentials = { a = "g.txt" }'),
    "potential_file is a g(r) file": dict(liquid='potential_file = "../g.txt"'),
    "potential_file short of cutoff": dict(liquid=f'potential_file = "{TABLE}"', cg="cutoff_nm = 2.0"),
    "SMILES unparsable": dict(sm='smiles = "C1CC(("'),
    "mass_gmol = nan": dict(liquid="mass_gmol = nan"),
    "mass contradicts SMILES": dict(liquid="mass_gmol = 50.0"),
    "D_AA = nan": dict(dl="diffusion_1e9_m2_s = nan"),
    "n_molecules = 1": dict(liquid="n_molecules = 1"),
    "cg.timestep_fs = inf": dict(cg="timestep_fs = inf"),
    "TOML syntax error": dict(cg="cutoff_nm = = 1"),
    "table in the wrong place": dict(cg="[run.x]"),
    "unknown stage": dict(stages='["target", "fly"]'),
    "stages out of order": dict(stages='["cg_md", "target", "coarse_grain"]'),
    "negative timestep": dict(cg="timestep_fs = -1.0"),
    "cutoff as string": dict(cg='cutoff_nm = "far"'),
    "typo in key": dict(cg="cutof_nm = 1.5"),
    "rdf_r_unit = furlong": dict(liquid='rdf_r_unit = "furlong"'),
    "rdf_file missing": dict(liquid="", rdf_missing=True),
    "model file is not a model": dict(cg='[model]\nfile = "../g.txt"'),
    "model file missing": dict(cg='[model]\nfile = "nope.pt"'),
    "too few frames for the MSD fit": dict(cg="production_ps = 2.0\nreport_interval_ps = 1.0"),
    "candidates without the closed loop": dict(cg='[predict]\ncandidates = 2\ncandidate_databases = ["g.txt"]'),
    "candidates from no database": dict(cg="[predict]\nmobility_target = 1.0\ncandidates = 2"),
}


def one(name: str, over: dict) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        path = run_file(d, **{k: v for k, v in over.items() if k != "rdf_missing"})
        if over.get("rdf_missing"):
            (d / "g.txt").unlink()
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                rc = main(["check", str(path)])
            except SystemExit as exc:
                rc = exc.code
        lines = [ln.strip() for ln in err.getvalue().splitlines() if ln.strip()]
        msg = next((ln for ln in lines if not ln.endswith(":") and "problem" not in ln), lines[0] if lines else "")
        return rc, msg.replace(tmp, "TMP")


def main_table() -> list[dict]:
    rows = []
    for name, over in CASES.items():
        rc, msg = one(name, over)
        rows.append({"input": name, "exit": rc, "message": msg})
        print(f"| {name} | {rc} | {msg} |", flush=True)
    return rows


if __name__ == "__main__":
    print("| input | exit | message |\n|---|---|---|")
    result = main_table()
    out = ROOT / "benchmarks/results/bad_inputs.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    sys.exit(0 if all(r["exit"] != 0 for r in result) else 1)
