"""The generalization table: validation rows of one or more runs of generalization_validation.toml.

    python benchmarks/generalization_report.py RUN_DIR [RUN_DIR ...] [--name NAME]

Reads RUN_DIR/validation.json (the validate stage's rows: one per liquid and potential), writes
benchmarks/results/NAME.json (default generalization_validation) (rows with ``liquid``, ``potential``,
``acceleration``, ``acceleration_err``, ``structure_error``, ``density_deviation_pct`` and the rest
of the stage's keys) and ``.md`` (the table, then the acceptance checks: ML fed D_AA and ML
closed loop below IBI at ε ≤ 0.02 on every liquid, the closed loop's median α, no frozen liquid).
Several run folders are allowed because the liquids may be split across processes.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from _common import RESULTS, write_json

BUDGET = 0.02
COLUMNS = (("liquid", "liquid", ""), ("potential", "potential", ""), ("D_CG/D_AA", "acceleration", ".3g"),
           ("±", "acceleration_err", ".2g"), ("ε", "structure_error", ".3g"),
           ("Δρ(NPT) [%]", "density_deviation_pct", "+.1f"),
           ("phase", "phase", ""), ("source", "source", ""))


def _cell(row: dict, key: str, fmt: str) -> str:
    v = row.get(key)
    if v is None:
        return "–"
    return format(v, fmt) if fmt and isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


def checks(rows: list[dict]) -> list[str]:
    by = {}
    for r in rows:
        by.setdefault(r["liquid"], {})[r["potential"]] = r
    lines, closed = [], []
    for liquid, pots in by.items():
        ibi = pots.get("IBI", {}).get("acceleration")
        for name in ("ML, open loop", "ML"):
            r = pots.get(name)
            if r is None or ibi is None:
                continue
            ok = r["acceleration"] < ibi and r["structure_error"] <= BUDGET and r.get("phase") != "frozen"
            lines.append(f"- {liquid}, {name}: α {r['acceleration']:.3g} vs IBI {ibi:.3g}, ε {r['structure_error']:.3g}"
                         f" → {'pass' if ok else 'FAIL'}")
        if "ML" in pots:
            closed.append(pots["ML"]["acceleration"])
    if closed:
        lines.append(f"- median α of ML (closed loop) over {len(closed)} liquids: {statistics.median(closed):.3g} "
                     f"(target ≤ 1.5)")
    frozen = [f"{r['liquid']} ({r['potential']})" for r in rows if r.get("phase") == "frozen"]
    lines.append(f"- frozen CG liquids: {', '.join(frozen) if frozen else 'none'}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run_dirs", nargs="+")
    ap.add_argument("--name", default="generalization_validation")
    args = ap.parse_args()
    rows = [r for d in args.run_dirs for r in json.loads((Path(d) / "validation.json").read_text())]
    head = "| " + " | ".join(h for h, _, _ in COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n"
    body = "".join("| " + " | ".join(_cell(r, k, f) for _, k, f in COLUMNS) + " |\n" for r in rows)
    text = "# Generalization: the validation liquids\n\n" + head + body + "\n## Checks\n\n" + "\n".join(checks(rows))
    (RESULTS / f"{args.name}.md").write_text(text + "\n")
    write_json(args.name, {"runs": args.run_dirs, "rows": rows})
    print(text)


if __name__ == "__main__":
    main()
