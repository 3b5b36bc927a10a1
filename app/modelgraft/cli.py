"""The ``modelgraft`` command: the workbench (default), inspect models, check and export projects, the demo.

User errors print one line to stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Sequence

from . import __version__
from .core.errors import ModelGraftError
from .core.spec import format_shape
from .examples import DEMO, PROJECT_FILE, examples_dir

__all__ = ["main"]

EXAMPLE = examples_dir() / DEMO / PROJECT_FILE


def _project(path: str) -> Any:
    from .project import Project

    return Project.load(path)


def cmd_inspect(args: argparse.Namespace) -> int:
    """Print a model's ports, shapes, dtypes, parameter counts and signatures."""
    from .engine import runtime
    from .engine.loading import load_model
    from .engine.summary import layer_summary
    from .io import check_safe

    path = os.path.abspath(args.model)
    for finding in check_safe(path, trusted=args.trusted):
        print(f"modelgraft: trusted despite: {finding}", file=sys.stderr)
    loaded = runtime.run(load_model, path, trusted=args.trusted, endpoint=args.endpoint,
                         name=Path(path).stem.replace(".", "_") or "model")
    sig = loaded.signature
    if args.json:
        print(json.dumps({"path": path, **sig}, indent=2))
        return 0
    print(f"{args.model}  ({sig['format']})")
    if sig.get("endpoints"):
        print(f"  signatures: {', '.join(sig['endpoints'])}  (using {sig.get('endpoint')})")
    for side in ("inputs", "outputs"):
        print(f"  {side}:")
        for e in sig[side]:
            shape = format_shape(e["shape"]) if e["shape"] is not None else "unknown"
            print(f"    {e['name']:<24} {shape:<22} {e['dtype']}")
    params = sig.get("params") or {}
    print(f"  parameters: {params.get('total', 0):,} total, {params.get('trainable', 0):,} trainable")
    if args.layers:
        for row in runtime.run(layer_summary, loaded):
            print(f"    {row['name']:<28} {row['type']:<20} {row['output_shape']:<22} {row['params']:>10,}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Exit 0 when the project is valid, 1 when it has problems."""
    project = _project(args.project)
    problems = project.check()
    errors = [p for p in problems if p.severity == "error"]
    if args.json:
        print(json.dumps({"project": args.project, "valid": not errors,
                          "problems": [p.to_json() for p in problems]}, indent=2))
    else:
        for p in problems:
            print(f"{args.project}: {p.severity}: {p.message}")
        if not errors:
            print(f"{args.project}: valid ({len(project.nodes)} nodes, {len(project.edges)} edges)")
    return 1 if errors else 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export a project's composite model."""
    project = _project(args.project)
    result = project.export(args.output, format=args.format, verify=args.verify)
    print(f"wrote {result.path} ({result.format}): {result.message}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the bundled example headless: check it, then a verified export."""
    project_file = str(EXAMPLE)
    if not EXAMPLE.exists():
        raise ModelGraftError(f"the bundled example '{EXAMPLE}' is missing; run `make examples`")
    print(f"ModelGraft {__version__} demo: {project_file}")
    print("(the workbench window arrives with the GUI; this demo runs the example headless)")
    project = _project(project_file)
    for node in project.nodes:
        ports = ", ".join(f"{p.name} {p.spec}" for p in node.outputs)
        print(f"  {node.name:<14} {node.kind:<12} {ports}")
    problems = project.check()
    for p in problems:
        print(f"  {p.severity}: {p.message}")
    if any(p.severity == "error" for p in problems):
        return 1
    print("check: valid")
    out_dir = args.out or tempfile.mkdtemp(prefix="modelgraft-demo-")
    os.makedirs(out_dir, exist_ok=True)
    for fmt, name in (("keras", "composite.keras"), ("savedmodel", "composite_savedmodel"),
                      ("python", "composite.py")):
        result = project.export(os.path.join(out_dir, name), format=fmt, verify=True)
        print(f"export {fmt:<10} {result.path}: {result.message}")
    return 0


def cmd_gui(args: argparse.Namespace) -> int:
    """Open the workbench window (optionally on a project), or render it to a PNG and exit."""
    from .ui.app import run

    return run(getattr(args, "project", None), getattr(args, "screenshot", None))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="modelgraft", description="Graft trained Keras models together. Without a command, opens the workbench.")
    parser.add_argument("--version", action="version", version=f"modelgraft {__version__}")
    parser.add_argument("--verbose", action="store_true", help="show TensorFlow's own log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("gui", help="open the workbench window (the default command)")
    p.add_argument("project", nargs="?", help=".mgraft project file to open")
    p.add_argument("--screenshot", metavar="PNG",
                   help="render the window to PNG once loading is done, then exit")
    p.set_defaults(func=cmd_gui)

    p = sub.add_parser("inspect", help="show a model file's ports, shapes, dtypes and parameters")
    p.add_argument("model", help=".keras or .h5 file, or SavedModel directory")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--layers", action="store_true", help="also list the layers")
    p.add_argument("--endpoint", help="SavedModel signature to use")
    p.add_argument("--trusted", action="store_true", help="load a model the pre-load scan refuses (code, file access); "
                   "only for files you trust")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("check", help="check a project (exit 0 valid, 1 problems, 2 unreadable)")
    p.add_argument("project", help=".mgraft project file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("export", help="export a project's composite model")
    p.add_argument("project", help=".mgraft project file")
    p.add_argument("--format", choices=("keras", "savedmodel", "python"), default="keras")
    p.add_argument("-o", "--output", required=True, help="file or directory to write")
    p.add_argument("--verify", action="store_true", help="reload in a fresh process and compare outputs")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("demo", help="run the bundled example headless (check + verified exports)")
    p.add_argument("--out", help="directory for the exports (default: a new temporary directory)")
    p.set_defaults(func=cmd_demo)

    from .cli_train import add_train_parser

    add_train_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``modelgraft`` command; returns the exit status."""
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    first = next((a for a in argv if a != "--verbose"), None)
    if first is not None and not first.startswith("-") and first not in commands:
        argv.insert(argv.index(first), "gui")  # `modelgraft PROJECT` opens it (file associations)
    args = parser.parse_args(argv)
    from .engine.runtime import quiet_tensorflow

    quiet_tensorflow(verbose=args.verbose)
    func: Callable[[argparse.Namespace], int] = getattr(args, "func", cmd_gui)
    try:
        return func(args)
    except ModelGraftError as err:
        print(f"modelgraft: error: {err}", file=sys.stderr)
        return 2
    except (OSError, UnicodeDecodeError) as err:
        print(f"modelgraft: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("modelgraft: interrupted", file=sys.stderr)
        return 130
    finally:
        sys.stdout.flush()
