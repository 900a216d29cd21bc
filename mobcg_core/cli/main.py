"""The ``mobcg`` command line.

    mobcg run FILE.toml        run (or resume) the stages the file asks for
    mobcg check FILE.toml      validate the file only
    mobcg config               the complete run file with every default (docs/run-file-reference.toml)
    mobcg bench FILE.toml      the file's CG (and --systems aa: all-atom) system on every engine
    mobcg timestep FILE.toml   NVE energy drift per CG timestep: the largest safe one
    mobcg target --topology TOP --trajectory TRAJ -o DIR
                               a CG target (g(r), density, D) from your own all-atom trajectory
    mobcg export RUN_DIR LIQUID -o DIR
                               the study's potentials as LAMMPS, OpenMM and HOOMD-blue inputs
    mobcg plugins [--json]     list installed plugins and whether they are usable
    mobcg db info FILE.h5      what a sample database holds (--json)
    mobcg db merge OUT IN...   merge databases (rows with a known key are skipped)
    mobcg db export FILE DIR   flat text files (Å, kcal/mol): g(r), LAMMPS tables, samples.tsv
    mobcg db plot FILE PNG     distributions of mass, D_CG, g(r) and U(r)
    mobcg --version

User errors print one line per problem and exit 2 (an invalid run file), 1 (a failed
run) or 64 (a usage error: unknown option, missing argument; sysexits' EX_USAGE);
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import sys

from mobcg_core import __version__
from mobcg_core.cli.db import add_db_parser, cmd_db
from mobcg_core.cli.export import add_export_parser, cmd_export
from mobcg_core.cli.target import add_target_parser, cmd_target
from mobcg_core.contract.errors import ConfigError, MobcgError

EXIT_CONFIG = 2
EXIT_FAILED = 1
EXIT_USAGE = 64


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on their own exit code (subcommand parsers inherit it)."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mobcg", description="Mobility-preserving coarse-grained models of liquids")
    p.add_argument("--version", action="version", version=f"mobcg {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument("-q", "--quiet", action="store_true", help="only print warnings and results")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="run or resume a study")
    run.add_argument("file", help="TOML run file")
    check = sub.add_parser("check", help="validate a run file")
    check.add_argument("file", help="TOML run file")
    bench = sub.add_parser("bench", help="run the file's CG system on several engines: speed and physics")
    bench.add_argument("file", help="TOML run file")
    bench.add_argument("--engines", default="", help="comma-separated engine names (default: all installed)")
    bench.add_argument("--liquid", default=None, help="liquid to use (default: the first)")
    bench.add_argument("--table", default=None, help="LAMMPS/VOTCA table file instead of the derived potential")
    bench.add_argument("--systems", default="cg", help="comma-separated: cg, aa (the liquid's all-atom box)")
    bench.add_argument("--thermostats", default="", help="CG runs per thermostat, e.g. nose_hoover,dpd:2.5,"
                       "langevin:1 (friction in 1/ps); default: [cg] thermostat")
    tstep = sub.add_parser("timestep", help="NVE energy drift of the file's CG system per timestep")
    tstep.add_argument("file", help="TOML run file")
    tstep.add_argument("--liquid", default=None, help="liquid to use (default: the first)")
    tstep.add_argument("--table", default=None, help="LAMMPS/VOTCA table file instead of the derived potential")
    tstep.add_argument("--engine", default=None, help="engine (default: engine.name)")
    tstep.add_argument("--timesteps", default="1,2,3,4,5,6,8", help="candidate timesteps (fs), comma-separated")
    tstep.add_argument("--max-drift", type=float, default=0.02, help="largest acceptable drift (kT/bead/ns)")
    tstep.add_argument("--nve-ps", type=float, default=20.0, help="length of each NVE run (ps)")
    pred = sub.add_parser("predict", help="a liquid's CG potential from mass, g(r) and D (shipped model)")
    pred.add_argument("--rdf", required=True, help="all-atom centre-of-mass g(r) file (two columns; unit in header)")
    pred.add_argument("--diffusion", required=True, type=float, help="all-atom self-diffusion D (1e-9 m²/s)")
    pred.add_argument("--mass", type=float, default=None, help="bead mass (g/mol); default: from --smiles")
    pred.add_argument("--smiles", default=None, help="the molecule (for its mass)")
    pred.add_argument("--model", default=None, help="model file (default: the predictor's shipped model)")
    pred.add_argument("--predictor", default="mlp", help="predictor plugin (default: mlp)")
    pred.add_argument("-o", "--output", default="predicted", help="output folder (default: ./predicted)")
    pred.add_argument("--rdf-unit", default="auto", choices=("auto", "nm", "angstrom"),
                      help="unit of r in --rdf (default: read from its header)")
    pred.add_argument("--force", action="store_true", help="replace an existing output folder")
    tgt = add_target_parser(sub)
    conf = sub.add_parser("config", help="print the complete run file: every key, default, unit and doc")
    plugins = sub.add_parser("plugins", help="list plugins")
    plugins.add_argument("--json", action="store_true", help="machine-readable output")
    db_parsers = add_db_parser(sub)
    export = add_export_parser(sub)
    for s in (run, check, conf, plugins, bench, tstep, tgt, pred, export, *db_parsers):
        s.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    return p


def cmd_plugins(args) -> int:
    from mobcg_core.plugins import registry

    records = [r.as_dict() for r in registry().all_records()]
    if args.json:
        print(json.dumps(records, indent=2))
        return 0
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table("kind", "name", "version", "distribution", "status")
    for r in records:
        status = "[green]available[/green]" if r["available"] else f"[red]unavailable[/red]: {escape(r['reason'])}"
        table.add_row(r["kind"], r["name"], r["version"], r["distribution"], status)
    Console(soft_wrap=True).print(table)
    return 0


def cmd_config(args) -> int:
    from mobcg_core.config.reference import render_reference
    from mobcg_core.config.runfile import KIND_HOOKS, SCHEMA
    from mobcg_core.plugins import registry

    sys.stdout.write(render_reference(SCHEMA, registry(), tuple(KIND_HOOKS)))
    return 0


def cmd_check(args) -> int:
    from mobcg_core.config import load_config

    cfg = load_config(args.file)
    print(f"{args.file}: OK ({len(cfg['liquids'])} liquid(s), stages: {', '.join(cfg['run']['stages'])}; "
          f"engine {cfg['engine']['name']}, cg_method {cfg['cg_method']['name']})")
    return 0


def cmd_run(args) -> int:
    from mobcg_core.config import load_config
    from mobcg_core.study.pipeline import Study
    from mobcg_core.plugins import registry
    from mobcg_core.study.progress import Reporter

    cfg = load_config(args.file)
    Study(cfg, registry(), Reporter(quiet=args.quiet)).run()
    return 0


def cmd_bench(args) -> int:
    from mobcg_core.cli.bench import print_bench, run_bench
    from mobcg_core.config import load_config
    from mobcg_core.study.pipeline import Study
    from mobcg_core.plugins import registry
    from mobcg_core.study.progress import Reporter

    systems = tuple(s.strip() for s in args.systems.split(",") if s.strip())
    # bench runs MD only: the all-atom box (as stage target would) and/or the CG box (as cg_md would)
    wanted = {"aa": ("target",), "cg": ("coarse_grain", "cg_md")}
    cfg = load_config(args.file, stages=tuple(st for s in systems for st in wanted.get(s, ())))
    study = Study(cfg, registry(), Reporter(quiet=args.quiet))
    engines = [e.strip() for e in args.engines.split(",") if e.strip()] or registry().names("engine")
    result = run_bench(study, engines, args.liquid, args.table, systems, _thermostats(args.thermostats))
    print_bench(result, study.reporter.out)
    study.reporter.info(f"wrote {study.out_dir / 'bench.json'}")
    return 0 if result["agree"] else 1


def _thermostats(text: str) -> list[tuple[str, float]] | None:
    """'nose_hoover,dpd:2.5' -> [("nose_hoover", 1.0), ("dpd", 2.5)]."""
    out = []
    for item in (t.strip() for t in text.split(",") if t.strip()):
        name, _, friction = item.partition(":")
        if name not in ("nose_hoover", "langevin", "dpd"):
            raise MobcgError(f"--thermostats: unknown thermostat {name!r} (nose_hoover, langevin, dpd)")
        out.append((name, _floats(friction, "--thermostats")[0] if friction else 1.0))
    return out or None


def _floats(text: str, flag: str) -> list[float]:
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise MobcgError(f"{flag} {text!r}: expected numbers separated by commas, e.g. 1,2,5") from None
    if not values or min(values) <= 0:
        raise MobcgError(f"{flag} {text!r}: expected positive numbers")
    return values


def cmd_timestep(args) -> int:
    from mobcg_core.cli.bench import print_timestep, timestep_check
    from mobcg_core.config import load_config
    from mobcg_core.study.pipeline import Study
    from mobcg_core.plugins import registry
    from mobcg_core.study.progress import Reporter

    cfg = load_config(args.file, stages=("coarse_grain", "cg_md"))  # the CG box and the file's potential
    study = Study(cfg, registry(), Reporter(quiet=args.quiet))
    result = timestep_check(study, args.engine or cfg["engine"]["name"], _floats(args.timesteps, "--timesteps"),
                            args.liquid, args.table, args.max_drift, args.nve_ps)
    print_timestep(result, study.reporter.out)
    study.reporter.info(f"wrote {study.out_dir / 'timestep.json'}")
    return 0 if result["largest_stable_fs"] else 1


def cmd_predict(args) -> int:
    from mobcg_core.plugins import registry
    from mobcg_core.cli.predict_one import predict_liquid

    predictor = registry().create("predictor", args.predictor, {})
    rec = predict_liquid(predictor, args.rdf, args.diffusion, args.output, args.mass, args.smiles, args.model,
                         args.rdf_unit, args.force)
    print(f"potential in {args.output}/potential.(npz|table|xvg) from {rec['model']}; ensemble spread "
          f"≤ {rec.get('uncertainty_max_kjmol', float('nan')):.3f} kJ/mol")
    for problem in rec.get("extrapolation", []):
        print(f"mobcg: warning: {problem}: the prediction extrapolates", file=sys.stderr)
    return 0


COMMANDS = {"target": cmd_target, "config": cmd_config, "export": cmd_export,
            "run": cmd_run, "check": cmd_check, "plugins": cmd_plugins, "bench": cmd_bench, "timestep": cmd_timestep,
            "db": cmd_db, "predict": cmd_predict}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return EXIT_CONFIG
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        if args.debug:
            raise
        print(exc.format(), file=sys.stderr)
        return EXIT_CONFIG
    except MobcgError as exc:
        if args.debug:
            raise
        print(f"mobcg: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # e.g. `mobcg db info --json | head`: the reader left, nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except OSError as exc:  # the environment (permissions, a file in the way, a full disk), not a bug
        if args.debug:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        print(f"mobcg: error: {exc.strerror or exc}{where} (check that the path is a writable folder "
              "and the disk has space)", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("mobcg: interrupted; finished work is saved, rerun the same command to resume", file=sys.stderr)
        return 130
    except Exception as exc:  # an unexpected bug: still one line unless --debug
        if args.debug:
            raise
        print(f"mobcg: internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
