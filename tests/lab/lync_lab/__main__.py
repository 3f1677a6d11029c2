"""Command line for the lab: python -m lync_lab seed <topology> <dir> [--product lync2013|sfb2015|sfb2019]."""

import argparse

from . import seed


def main():
    parser = argparse.ArgumentParser(prog="python -m lync_lab")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("seed", help="create a fresh lab (state, files, inventory) in a folder")
    make.add_argument("topology", choices=sorted(seed.BUILDERS))
    make.add_argument("dest")
    make.add_argument("--product", choices=sorted(seed.PRODUCTS), default="lync2013")
    args = parser.parse_args()
    if args.command == "seed":
        lab = seed.seed(args.topology, args.dest, args.product)
        print(lab.dir / "inventory.yml")


if __name__ == "__main__":
    main()
