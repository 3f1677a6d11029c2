"""The molecule scenario of clean-server preparation, run as molecule runs it (make test runs it too).

extensions/molecule/prepare_clean_server: create seeds a lab, backs it up and wipes the
Standard Edition server; converge prepares it; molecule's idempotence step runs converge
again and fails when any task reports a change; verify uses the collection's own checks.
"""

import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


def test_prepare_clean_server_scenario_converges_and_is_idempotent():
    bin_dir = pathlib.Path(sys.executable).parent
    env = dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ.get("PATH", "")), NO_COLOR="1")
    proc = subprocess.run([str(bin_dir / "molecule"), "test", "-s", "prepare_clean_server"], cwd=str(ROOT), env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    output = ANSI_RE.sub("", proc.stdout + proc.stderr)
    assert proc.returncode == 0, output[-6000:]
    for step in ("create", "converge", "idempotence", "verify"):
        assert re.search(r"prepare_clean_server (➜|>) %s: Executed: Successful" % step, output), step
    # converge changed the wiped server; the idempotence run of the same playbook changed nothing.
    recaps = re.findall(r"lyncse01\.contoso\.local\s*: ok=\d+\s+changed=(\d+)", output)
    assert recaps[:2] and int(recaps[0]) > 0 and int(recaps[1]) == 0, recaps
