"""``mobcg export RUN_DIR LIQUID -o DIR``: a study's potentials as engine-ready folders."""

from __future__ import annotations

import argparse


def add_export_parser(sub) -> argparse.ArgumentParser:
    export = sub.add_parser("export", help="a study's potentials as LAMMPS, OpenMM and HOOMD-blue inputs")
    export.add_argument("run_dir", help="the study's output folder (run.output)")
    export.add_argument("liquid", help="the liquid's name")
    export.add_argument("-o", "--output", required=True, help="new or empty folder: one subfolder per potential")
    return export


def cmd_export(args) -> int:
    from mobcg_core.plugins import registry
    from mobcg_core.study.export import export_liquid

    for rec in export_liquid(registry(), args.run_dir, args.liquid, args.output):
        files = ", ".join(f for f in rec["files"] if f not in ("README.txt", "model.json"))
        print(f"{args.output}/{rec['folder']} ({rec['potential']}): {files}")
    return 0
