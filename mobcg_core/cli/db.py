"""``mobcg db``: inspect, merge, export, seed and plot a sample database."""

from __future__ import annotations

import argparse
import json

from mobcg_core.contract.errors import MobcgError


def add_db_parser(sub) -> list[argparse.ArgumentParser]:
    """Add ``db`` and its actions to the subcommands; return the parsers that take ``--debug``."""
    db = sub.add_parser("db", help="inspect, merge, export or plot a sample database")
    dbs = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    d_info = dbs.add_parser("info", help="counts, grids, ranges, failures")
    d_info.add_argument("file")
    d_info.add_argument("--json", action="store_true", help="machine-readable output")
    d_merge = dbs.add_parser("merge", help="merge databases into OUT")
    d_merge.add_argument("out")
    d_merge.add_argument("inputs", nargs="+")
    d_export = dbs.add_parser("export", help="flat text export (paper units: Å, kcal/mol)")
    d_export.add_argument("file")
    d_export.add_argument("dir")
    d_export.add_argument("--rows", default=None, help="a slice of sample rows, e.g. 0:100")
    d_export.add_argument("--molecule", default=None, help="only this molecule's samples")
    d_export.add_argument("--force", action="store_true", help="replace an existing DIR (once the new one is complete)")
    d_seed = dbs.add_parser("seed", help="add a study's liquid potentials as seeds of CG-level variants")
    d_seed.add_argument("file", help="database (.h5; created if absent)")
    d_seed.add_argument("run_dir", nargs="?", help="output folder of a study that ran target and coarse_grain")
    d_seed.add_argument("--liquids", nargs="*", default=None, help="only these liquids (default: all)")
    d_seed.add_argument("--from-samples", type=int, default=0, metavar="N",
                        help="instead: each liquid seed's N slowest samples with ε ≤ --max-error")
    d_seed.add_argument("--max-error", type=float, default=0.02, help="structure tolerance for --from-samples")
    d_seed.add_argument("--all-atom", action="store_true",
                        help="with --from-samples: seed around every synthetic all-atom force field, not the liquids")
    d_plot = dbs.add_parser("plot", help="distribution plot (PNG)")
    d_plot.add_argument("file")
    d_plot.add_argument("png")
    return [db, d_info, d_merge, d_export, d_seed, d_plot]


def _slice(text: str | None) -> slice | None:
    if not text:
        return None
    try:
        parts = [int(p) if p else None for p in text.split(":")]
    except ValueError:
        raise MobcgError(f"--rows {text!r}: expected START:STOP (e.g. 0:100)") from None
    return slice(*parts) if len(parts) > 1 else slice(parts[0], parts[0] + 1)


def cmd_db(args) -> int:
    from mobcg_core.database import ops

    if args.db_command == "info":
        data = ops.info(args.file)
        if args.json:
            print(json.dumps(data, indent=2))
        else:
            for k, v in data.items():
                print(f"{k:>20}: {json.dumps(v)}")
    elif args.db_command == "merge":
        print(json.dumps(ops.merge(args.out, args.inputs)))
    elif args.db_command == "export":
        print(json.dumps(ops.export_text(args.file, args.dir, _slice(args.rows), args.molecule, args.force)))
    elif args.db_command == "seed":
        from mobcg_core.database.seeds import seed_from_samples, seed_from_study

        if args.from_samples:
            origin = "all_atom" if args.all_atom else "liquid"
            print(json.dumps(seed_from_samples(args.file, args.from_samples, args.max_error, args.liquids, origin)))
        elif args.run_dir:
            print(json.dumps(seed_from_study(args.file, args.run_dir, args.liquids)))
        else:
            raise MobcgError("db seed: give RUN_DIR (a study's liquids) or --from-samples N")
    else:
        print(ops.plot(args.file, args.png))
    return 0
