"""Offline stand-in for the get-pip.py that ansible-test downloads (its host is unreachable here).

ansible-test runs this file to put pip into each new virtual environment; we use the
interpreter's own ensurepip, then pip-install what ansible-test asked for.
"""

import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], check=True,
               stdout=subprocess.DEVNULL)
if args:
    subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + args, check=True)
