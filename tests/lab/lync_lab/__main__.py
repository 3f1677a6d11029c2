"""Command line for the lab.

python -m lync_lab seed <topology> <dir> [--product lync2013|sfb2015|sfb2019] [--snapshot]
python -m lync_lab check-backups <dir> [--expect-sets N]
"""

import argparse
import sys

from . import checks, seed
from .state import Lab


def main():
    parser = argparse.ArgumentParser(prog="python -m lync_lab")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("seed", help="create a fresh lab (state, files, inventory) in a folder")
    make.add_argument("topology", choices=sorted(seed.BUILDERS))
    make.add_argument("dest")
    make.add_argument("--product", choices=sorted(seed.PRODUCTS), default="lync2013")
    make.add_argument("--snapshot", action="store_true", help="remember the state, for check-backups")
    check = sub.add_parser("check-backups", help="every set complete and intact, servers unchanged since the snapshot")
    check.add_argument("dest")
    check.add_argument("--expect-sets", type=int)
    args = parser.parse_args()
    if args.command == "seed":
        lab = seed.seed(args.topology, args.dest, args.product)
        if args.snapshot:
            checks.save_snapshot(lab)
        print(lab.dir / "inventory.yml")
        return 0
    lab = Lab(args.dest + "/state.json")
    ids, problems = checks.set_problems(lab)
    problems += checks.server_changes(lab)
    if args.expect_sets is not None and len(ids) != args.expect_sets:
        problems.append("expected %d backup sets, found %d: %s" % (args.expect_sets, len(ids), ", ".join(ids)))
    for line in problems:
        print(line, file=sys.stderr)
    print("%d sets checked, %d problems" % (len(ids), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
