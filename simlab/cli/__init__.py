"""The ``simlab`` command: a thin layer over the public API, one module per verb.

A verb module (``simlab/cli/<verb>.py``) defines

- ``HELP``: one line for ``simlab --help``;
- ``configure(parser)``: its arguments (``--json`` is added here for every verb);
- ``run(args)``: does the work through the public API and returns a JSON-able object;
- ``render(result) -> str``: the readable table printed without ``--json``;
- optionally ``exit_code(result) -> int`` (default 0), for verbs whose result can be a failure.

Adding a verb is one module plus one line in :data:`VERBS`. Bad input raises
:class:`simlab.errors.InputError`, printed as one line on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys

import numpy as np

from simlab.errors import InputError
from simlab.progress import set_quiet

#: verb -> (module, one-line help). Modules are imported only when their verb runs.
VERBS: dict[str, tuple[str, str]] = {
    "simulate": ("simlab.cli.simulate", "run replicas of one algorithm on one problem and noise law"),
    "reproduce": ("simlab.cli.reproduce", "run every verb, regenerate every figure and write reports/REPORT.md"),
    "adam-update": ("simlab.cli.adam_update", "Adam update law vs Zhiyi & Ziyin Thm 1"),
    "verify": ("simlab.cli.verify", "check the papers' claims and write the errata report"),
    "rates": ("simlab.cli.rates", "convergence-rate slopes: measured (bootstrap CI) vs predicted by the theorems"),
    "bounds": ("simlab.cli.bounds", "each upper bound with its constants against the runs (Theorems 2, 4, 8, Corollary 7) and its tightness"),
    "lowerbounds": ("simlab.cli.lowerbounds", "validate the Theorem 5 and 6 lower-bound instances"),
    "noise": ("simlab.cli.noise", "heavy-tail diagnostics: tail-index estimators, model noise"),
    "sweep": ("simlab.cli.sweep", "run a grid of engine cells (local or Dask), resumable through the result store"),
    "cache": ("simlab.cli.cache", "list, clear or export the sweep result store"),
    "adaptive": ("simlab.cli.adaptive", "adaptive methods: high-probability, clipping bias, (L0,L1), ACClip"),
}


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message):  # noqa: D102
        self.exit(2, f"{self.prog}: error: {message}\n")


def jsonable(obj):
    """Plain JSON types: numpy scalars and arrays to Python, non-finite floats to ``None``."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj


def dumps(obj) -> str:
    return json.dumps(jsonable(obj), indent=2, allow_nan=False)


def build_parser(verb: str | None) -> Parser:
    parser = Parser(
        prog="simlab",
        description="Theory verification and simulation for "
        "stochastic optimization under heavy-tailed gradient noise.",
    )
    sub = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=Parser)
    sub.required = True
    for name, (module_name, help_line) in VERBS.items():
        verb_parser = sub.add_parser(name, help=help_line, description=help_line)
        verb_parser.add_argument(
            "--json", action="store_true", help="print a JSON document instead of a table"
        )
        if name == verb:
            importlib.import_module(module_name).configure(verb_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    verb = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(verb if verb in VERBS else None)
    args = parser.parse_args(argv)
    module = importlib.import_module(VERBS[args.verb][0])
    set_quiet(args.json)
    try:
        result = module.run(args)
    except InputError as error:
        print(f"simlab {args.verb}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"simlab {args.verb}: interrupted", file=sys.stderr)
        return 130
    try:
        print(dumps(result) if args.json else module.render(result), flush=True)
    except BrokenPipeError:  # e.g. `simlab cache list | head`: the reader left, not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return module.exit_code(result) if hasattr(module, "exit_code") else 0
