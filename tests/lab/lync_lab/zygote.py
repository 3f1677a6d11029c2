"""Lab module runs without a new Python each time: a zygote process forks once per module run.

Why: every lab module run used to be a new Python process that compiled ansible's module_utils from
the AnsiballZ zip (zipimport keeps no bytecode) and imported the lab before doing ~15 ms of work:
about 0.15 s of CPU a call, a third of a lab test's CPU. The zygote imports module_utils and the lab
once per ansible-playbook run and forks a child for each module run. The child is what
`/bin/sh -c '<python> && sleep 0'` with the AnsiballZ script on stdin would have been: the same
script, environment, working directory, stdin/stdout/stderr, sys.argv, sys.path and `__main__`;
its exit status is the script's. Only the interpreter start and the imports are shared, and a forked
child's changes never reach the zygote or another run.

Used by the lab's connection (lab.lync.sim) for pipelined Python module runs only; any other command
runs as before. LYNC_LAB_ZYGOTE=off turns it off (each module then runs in a new process).
A zygote ends with the ansible-playbook (or ansible) process that started it.
"""

import atexit
import builtins
import fcntl
import hashlib
import importlib
import importlib.machinery
import json
import os
import pkgutil
import shlex
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import traceback
import types

OWNER_POLL_SECONDS = 1.0
START_TIMEOUT_SECONDS = 60


class ZygoteError(Exception):
    """The zygote could not be started or did not answer."""


def enabled(env):
    return str(env.get("LYNC_LAB_ZYGOTE", "on")).lower() not in ("off", "0", "false", "no")


def _assignments(words):
    """Leading NAME=value words of a shell command: ({name: value}, the rest)."""
    found = {}
    for index, word in enumerate(words):
        name, sep, value = word.partition("=")
        if not sep or not name.replace("_", "a").isalnum() or name[0].isdigit():
            return found, words[index:]
        found[name] = value
    return found, []


def parse_command(cmd):
    """(interpreter, {name: value}) when cmd is a pipelined Python module run as Ansible builds it,
    `[NAME=value ...] /bin/sh -c '[NAME=value ...] <python> [&& sleep 0]'`; else None."""
    try:
        outer_env, rest = _assignments(shlex.split(cmd))
        if len(rest) != 3 or os.path.basename(rest[0]) != "sh" or rest[1] != "-c":
            return None
        inner_env, inner = _assignments(shlex.split(rest[2]))
    except ValueError:
        return None
    if len(inner) == 4 and inner[1:] == ["&&", "sleep", "0"] or len(inner) == 1:
        interpreter = inner[0]
        if os.path.basename(interpreter).startswith("python") and os.path.isabs(interpreter):
            return interpreter, dict(outer_env, **inner_env)
    return None


def _owner_pid():
    """The ansible process whose run this is: the parent of a forked worker, else this process."""
    import multiprocessing
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None and parent.pid else os.getpid()


def _folder():
    path = os.path.join(tempfile.gettempdir(), "lync-lab-zygote-%d" % os.getuid())
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _connectable(path):
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
        return True
    except OSError:
        return False
    finally:
        probe.close()


def server(interpreter, env):
    """The socket path of this run's zygote for `interpreter` and env's PYTHONPATH, started if needed."""
    owner = _owner_pid()
    key = hashlib.sha256(json.dumps([interpreter, env.get("PYTHONPATH", ""), env.get("PYTHONHOME", "")])
                         .encode("utf-8")).hexdigest()[:12]
    base = os.path.join(_folder(), "%d-%s" % (owner, key))
    path = base + ".sock"
    with open(base + ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _connectable(path):
            return path
        if os.path.exists(path):
            os.unlink(path)
        code = "from lync_lab import zygote; zygote.serve(%r, %d)" % (path, owner)
        with open(base + ".log", "wb") as log:
            proc = subprocess.Popen([interpreter, "-c", code], env=env, cwd="/", stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        ready = proc.stdout.readline()
        proc.stdout.close()
        if ready != b"ready\n":
            proc.wait(timeout=START_TIMEOUT_SECONDS)
            with open(base + ".log", encoding="utf-8", errors="replace") as log:
                raise ZygoteError("lab zygote did not start (%s): %s" % (interpreter, log.read()[-2000:]))
    return path


def run(cmd, in_data, env, cwd):
    """(rc, stdout, stderr) of cmd with in_data on stdin, run by a fork of the zygote; None when cmd
    is not a pipelined Python module run (the caller then runs it as a process)."""
    parsed = parse_command(cmd) if in_data is not None and enabled(env) else None
    if parsed is None:
        return None
    interpreter, assigned = parsed
    request_env = dict(env, **assigned)
    path = server(interpreter, request_env)
    header = json.dumps({"env": request_env, "cwd": cwd or os.getcwd()}).encode("utf-8")
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        stdin.write(in_data)
        stdin.seek(0)
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.connect(path)
            socket.send_fds(conn, [struct.pack("!I", len(header))], [stdin.fileno(), stdout.fileno(), stderr.fileno()])
            conn.sendall(header)
            reply = b""
            while True:
                chunk = conn.recv(64)
                if not chunk:
                    break
                reply += chunk
        finally:
            conn.close()
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    if not reply.strip().lstrip(b"-").isdigit():
        return 255, out, err + b"\nlab zygote: the module process ended without an exit status\n"
    return int(reply), out, err


# The zygote side.

def _warm():
    """Import what every module run imports (module_utils, the whole lab) and read what each run
    reads the same way (the cmdlet references, the PowerShell grammar)."""
    importlib.import_module("ansible.module_utils.basic")
    try:
        importlib.import_module("ansible.module_utils._internal._ansiballz._loader")  # ansible-core 2.19
    except ImportError:
        pass
    import lync_lab
    for info in pkgutil.walk_packages(lync_lab.__path__, "lync_lab."):
        if info.name not in ("lync_lab.__main__", __name__):
            importlib.import_module(info.name)
    from lync_lab import psparse
    from lync_lab.boundary import lync, lync_deploy, windows
    lync.cmdlet_reference()
    lync_deploy.cmdlet_reference()
    windows.lync_reference()
    psparse.parse("$null")


def _owner_alive(owner):
    try:
        os.kill(owner, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def serve(path, owner):
    """Answer module runs on `path` until process `owner` ends (started by server())."""
    start_path = list(sys.path)
    _warm()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    listener.settimeout(OWNER_POLL_SECONDS)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)
    try:
        while _owner_alive(owner):
            try:
                conn, _addr = listener.accept()
            except socket.timeout:
                continue
            if os.fork() == 0:
                listener.close()
                _child(conn, start_path)
            conn.close()
    finally:
        listener.close()
        base = path[:-len(".sock")]
        for leftover in (path, base + ".lock", base + ".log"):
            if os.path.exists(leftover):
                os.unlink(leftover)


def _child(conn, start_path):
    """Become the module process of one request and exit with its status (never returns)."""
    status = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        conn.settimeout(None)
        first, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
        if not first:  # server()'s probe: connected, asked nothing
            os._exit(0)
        size = struct.unpack("!I", first)[0]
        header = b""
        while len(header) < size:
            header += conn.recv(size - len(header))
        request = json.loads(header)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        script = b""
        while True:
            chunk = os.read(0, 1 << 20)
            if not chunk:
                break
            script += chunk
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = [""]
        sys.path[:] = start_path
        status = _run_main(script)
    except BaseException:  # pylint: disable=broad-except
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            conn.sendall(b"%d" % status)
            conn.close()
        finally:
            os._exit(status & 0xFF)


def _run_main(script):
    """Run script as `python` runs a script read from stdin; its exit status."""
    main = types.ModuleType("__main__")
    main.__dict__.update({"__file__": "<stdin>", "__cached__": None, "__spec__": None, "__package__": None,
                          "__loader__": importlib.machinery.BuiltinImporter, "__builtins__": builtins})
    sys.modules["__main__"] = main
    status = 0
    try:
        exec(compile(script, "<stdin>", "exec"), main.__dict__)  # pylint: disable=exec-used
    except SystemExit as stop:
        status = _exit_status(stop.code)
    except BaseException:  # pylint: disable=broad-except
        traceback.print_exc()
        status = 1
    atexit._run_exitfuncs()  # pylint: disable=protected-access
    return status


def _exit_status(code):
    """sys.exit(code) as the interpreter ends: None is 0, an int itself, anything else printed, 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write("%s\n" % code)
    return 1
