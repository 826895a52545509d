"""Command line: python -m matching {suggest,round,peers,groups} INPUT.json ...

Writes JSON to stdout. Bad input gives a named error on stderr and exit status 2, never a
traceback."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from .errors import InputError, MatchingError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with a named message, like every other input error
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"error: UsageError: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m matching", description="Explainable, fair matching for a community of practice.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    s = sub.add_parser("suggest", help="rank members who could help with each ask")
    s.add_argument("input")
    s.add_argument("--top", type=int, default=5, help="candidates per ask (default 5)")
    r = sub.add_parser("round", help="one round of introductions over the whole community")
    r.add_argument("input")
    r.add_argument("--cross", type=float, default=None, help="preference for pairs across organisation/sector/nation (default 0.15)")
    r.add_argument("--fairness", type=float, default=None, help="weight of the fairness term (default 0.2)")
    r.add_argument("--load-penalty", type=float, default=None, help="cost of each extra suggestion to one helper (default 0.05)")
    r.add_argument("--peers", action="store_true", help="also pair members with capacity left by shared interest")
    q = sub.add_parser("peers", help="pair members by shared interest (each member at most once)")
    q.add_argument("input")
    q.add_argument("--cross", type=float, default=None)
    g = sub.add_parser("groups", help="breakout groups for an event")
    g.add_argument("input")
    g.add_argument("--min", dest="min_size", type=int, default=4)
    g.add_argument("--max", dest="max_size", type=int, default=5)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        from . import api
        from .io import groups_json, load_path, pairs_json, suggestions_json

        if args.command == "suggest":
            if args.top < 1:
                raise InputError(f"--top must be at least 1, got {args.top}")
            out = suggestions_json(api.suggest(load_path(args.input), top=args.top))
        elif args.command in ("round", "peers"):
            opts = {}
            for name, key in (("cross", "cross_weight"), ("fairness", "fairness_weight"),
                              ("load_penalty", "load_penalty")):
                v = getattr(args, name, None)
                if v is not None:
                    if not (v == v) or v < 0 or v > 100:
                        raise InputError(f"--{name.replace('_', '-')} must be a number between 0 and 100, got {v}")
                    opts[key] = v
            options = api.RoundOptions(**opts, peers=bool(getattr(args, "peers", False)))
            community = load_path(args.input)
            if args.command == "round":
                out = pairs_json(api.run_round(community, options))
            else:
                out = pairs_json(api.pair_peers(community, options))
        else:
            out = groups_json(api.form_groups(load_path(args.input), min_size=args.min_size,
                                              max_size=args.max_size))
    except MatchingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RecursionError:
        print("error: InputFileError: input is nested too deeply", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
