"""The ``glassgrad`` console command."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from glassgrad import demo


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``glassgrad``: one subcommand per job."""
    parser = argparse.ArgumentParser(
        prog="glassgrad",
        description="glassgrad: a glass-box scalar autograd engine. See every derivative.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="print a worked example of backpropagation through one neuron")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``glassgrad`` with ``argv`` (default: the process arguments); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo.run()
        return 0
    parser.print_help()
    return 2
