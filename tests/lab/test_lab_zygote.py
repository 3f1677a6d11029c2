"""The lab's zygote (lync_lab/zygote.py) runs a module exactly as a new Python process would run it.

Every comparison runs the same command and script twice, once as a process (what
ansible.builtin.local does) and once through the zygote, and asserts the same exit status and
output. The playbook test compares a whole read-only playbook run both ways.
"""

import json
import os
import pathlib
import subprocess
import sys
import textwrap
import time

import pytest

from lync_lab import zygote

LAB = pathlib.Path(__file__).resolve().parent


def _env(**extra):
    env = dict(os.environ, PYTHONPATH=str(LAB))
    env.pop("LYNC_LAB_ZYGOTE", None)
    env.update(extra)
    return env


def _command(assignments="LYNC_LAB_HOST=fe01.contoso.local"):
    return "%s /bin/sh -c '%s && sleep 0'" % (assignments, sys.executable)


def both(script, tmp_path, command=None, **extra_env):
    """(process result, zygote result), each (rc, stdout, stderr), of one command and script."""
    command = command or _command()
    data = textwrap.dedent(script).encode("utf-8")
    env = _env(**extra_env)
    proc = subprocess.run(command, shell=True, input=data, env=env, cwd=str(tmp_path), capture_output=True, check=False)
    forked = zygote.run(command, data, env, str(tmp_path))
    assert forked is not None, "the zygote did not take a pipelined Python command"
    return (proc.returncode, proc.stdout, proc.stderr), forked


def test_ansibles_pipelined_module_command_is_recognised_and_nothing_else():
    python = sys.executable
    assert zygote.parse_command("A=1 B='x y' /bin/sh -c '%s && sleep 0'" % python) == (python, {"A": "1", "B": "x y"})
    assert zygote.parse_command("/bin/sh -c 'LANG=C.UTF-8 %s'" % python) == (python, {"LANG": "C.UTF-8"})
    for other in ("/bin/sh -c 'rm -f -r /tmp/x/ > /dev/null 2>&1 && sleep 0'",
                  "/bin/sh -c 'echo ~ && sleep 0'",
                  "/bin/sh -c '%s /tmp/module.py && sleep 0'" % python,
                  "/bin/sh -c 'python && sleep 0'",  # not an absolute interpreter path
                  "%s -c 'print(1)'" % python,
                  "/bin/sh -c '%s && sleep 0" % python):  # unbalanced quote
        assert zygote.parse_command(other) is None, other


def test_output_and_exit_status_are_those_of_a_process(tmp_path):
    process, forked = both("""
        import sys
        print("to stdout")
        sys.stderr.write("to stderr\\n")
        sys.exit(3)
    """, tmp_path)
    assert process == forked == (3, b"to stdout\n", b"to stderr\n")


@pytest.mark.parametrize("ending, status", [
    ("raise SystemExit", 0),
    ("raise SystemExit('a message')", 1),
    ("raise SystemExit(True)", 1),
    ("raise SystemExit(256)", 0),
    ("raise SystemExit(-1)", 255),
    ("raise KeyboardInterrupt", 130),
    ("pass", 0),
])
def test_every_way_a_script_ends_gives_the_process_status(tmp_path, ending, status):
    process, forked = both("print('x')\n" + ending + "\n", tmp_path)
    assert process == forked
    assert forked[0] == status


def test_an_uncaught_exception_prints_the_same_traceback_and_exits_1(tmp_path):
    process, forked = both("def f():\n    raise ValueError('boom')\nf()\n", tmp_path)
    assert process == forked
    assert forked[0] == 1 and forked[2].startswith(b"Traceback (most recent call last):")
    assert forked[2].rstrip().endswith(b"ValueError: boom")


def test_a_script_that_does_not_compile_fails_as_python_reports_it(tmp_path):
    process, forked = both("print('x'\n", tmp_path)
    assert process == forked
    assert forked[0] == 1 and b"SyntaxError" in forked[2] and b"Traceback" not in forked[2]


def test_what_python_reads_at_start_is_the_requests_own(tmp_path):
    """A request whose encoding or flags differ from an earlier one's gets a zygote started with them."""
    script = "import sys\nprint(sys.stdout.encoding, sys.flags.optimize)\nassert False, 'asserts run'\n"
    first = both(script, tmp_path)
    second = both(script, tmp_path, PYTHONIOENCODING="latin-1", PYTHONOPTIMIZE="1")
    assert first[0] == first[1] and second[0] == second[1]
    assert first[1][1] == b"utf-8 0\n" and second[1][:2] == (0, b"iso8859-1 1\n")


def test_a_caller_gone_mid_request_leaves_the_zygote_serving(tmp_path):
    import socket
    import struct
    env = _env()
    path = zygote.server(sys.executable, dict(env, LYNC_LAB_HOST="fe01.contoso.local"))
    with open(os.devnull, "rb") as stream:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(path)
        socket.send_fds(conn, [struct.pack("!I", 1000)], [stream.fileno()] * 3)
        conn.sendall(b'{"env"')  # and nothing more
        conn.close()
    assert both("print('still here')\n", tmp_path)[1] == (0, b"still here\n", b"")


def test_the_script_sees_what_a_process_started_from_stdin_sees(tmp_path):
    process, forked = both("""
        import __main__, json, os, sys
        print(json.dumps({
            "argv": sys.argv, "path0": sys.path[0], "file": __main__.__file__, "name": __name__,
            "spec": repr(__spec__), "cwd": os.getcwd(), "stdin": sys.stdin.read(),
            "host": os.environ.get("LYNC_LAB_HOST"), "mark": os.environ.get("ZYGOTE_TEST_MARK"),
            "lab_on_path": any(p.endswith("tests/lab") for p in sys.path),
        }))
    """, tmp_path, ZYGOTE_TEST_MARK="from-the-caller")
    assert process == forked
    seen = json.loads(forked[1])
    assert seen == {"argv": [""], "path0": "", "file": "<stdin>", "name": "__main__", "spec": "None",
                    "cwd": str(tmp_path), "stdin": "", "host": "fe01.contoso.local", "mark": "from-the-caller",
                    "lab_on_path": True}


def test_one_run_changes_nothing_the_next_run_sees(tmp_path):
    change = """
        import os, sys
        from lync_lab import winps
        print(getattr(winps, "ZYGOTE_TEST_LEFTOVER", "clean"), os.environ.get("ZYGOTE_TEST_SET", "unset"), "json" in sys.modules)
        winps.ZYGOTE_TEST_LEFTOVER = "dirty"
        os.environ["ZYGOTE_TEST_SET"] = "dirty"
    """
    first = both(change, tmp_path)[1]
    second = both(change, tmp_path)[1]
    assert first == second == (0, b"clean unset True\n", b"")


def test_exit_handlers_run_as_they_do_at_interpreter_exit(tmp_path):
    process, forked = both("""
        import atexit, sys
        atexit.register(lambda: print("at exit"))
        print("body")
        sys.exit(0)
    """, tmp_path)
    assert process == forked == (0, b"body\nat exit\n", b"")


def test_other_commands_are_left_to_a_process(tmp_path):
    assert zygote.run("/bin/sh -c 'echo hi && sleep 0'", b"", _env(), str(tmp_path)) is None
    assert zygote.run(_command(), None, _env(), str(tmp_path)) is None
    assert zygote.run(_command(), b"print(1)", _env(LYNC_LAB_ZYGOTE="off"), str(tmp_path)) is None


def test_the_zygote_ends_with_the_run_that_started_it(tmp_path):
    """Started by a process that then exits (as ansible-playbook does), the zygote removes its socket."""
    caller = textwrap.dedent("""
        import sys
        sys.path.insert(0, %r)
        from lync_lab import zygote
        env = dict(__import__("os").environ)
        print(zygote.run(%r, b"print(42)", env, %r)[1].decode().strip())
        print(zygote.server(%r, env))
    """ % (str(LAB), _command(), str(tmp_path), sys.executable))
    proc = subprocess.run([sys.executable, "-c", caller], env=_env(), capture_output=True, text=True, check=True)
    answer, socket_path = proc.stdout.split()
    assert answer == "42"
    deadline = time.monotonic() + 30
    while os.path.exists(socket_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not os.path.exists(socket_path), "the zygote outlived the process that started it"


def _facts_run(lab, run_playbook, zygote_setting, forks):
    run = run_playbook(lab, "lync.server.discover", env={
        "LYNC_LAB_ZYGOTE": zygote_setting, "LYNC_LAB_ZYGOTE_RECORD": str(forks),
        "LYNC_LAB_CALLS": str(forks) + ".calls"})  # one line per remote call (lync_lab/calls.py)
    assert run.rc == 0, run.output
    return sorted((r["host"], r["task"], r["status"], json.dumps(r["result"], sort_keys=True, default=str))
                  for r in run.records)  # hosts answer in any order


def test_a_playbook_run_is_the_same_with_and_without_the_zygote(make_lab, run_playbook, tmp_path):
    lab = make_lab("standard")
    without = _facts_run(lab, run_playbook, "off", tmp_path / "forks-off")
    assert not (tmp_path / "forks-off").exists(), "with LYNC_LAB_ZYGOTE=off no module run is a fork"
    with_zygote = _facts_run(lab, run_playbook, "on", tmp_path / "forks-on")
    forked = (tmp_path / "forks-on").read_text(encoding="utf-8").split()
    calls = (tmp_path / "forks-on.calls").read_text(encoding="utf-8").splitlines()
    assert len(forked) >= len(calls) > 3, "every remote call of the playbook was a fork of the zygote"
    assert without == with_zygote
