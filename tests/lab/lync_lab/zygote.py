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
A zygote ends with the ansible-playbook (or ansible) process that started it. Requests whose
environment differs in what Python reads at start (PYTHON*, LANG, LC_*, TZ) get their own zygote.

Known differences from a new process, none of which the lab's modules meet: every run of one zygote
shares its hash seed (set iteration order repeats between runs); a file left open at exit is not
flushed by interpreter shutdown; a child killed by a signal reports 255, not 128 + N; the forks' CPU
is not counted in the run's own CPU figures (the bench turns the zygote off).
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
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import traceback
import types

OWNER_POLL_SECONDS = 1.0
HANDSHAKE_TIMEOUT_SECONDS = 30
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
    """A folder only this user can use (a socket there receives module input, lab passwords included)."""
    base = tempfile.gettempdir()
    if len(base) > 60:  # a socket path must stay under 108 bytes
        base = "/tmp"
    path = os.path.join(base, "lync-lab-zygote-%d" % os.getuid())
    os.makedirs(path, mode=0o700, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise ZygoteError("lab zygote: %s is not a folder of this user's alone" % path)
    return path


def _startup_key(interpreter, env):
    """What a Python reads once when it starts (its paths, encodings, locale, time zone, flags):
    requests that differ in any of it get their own zygote."""
    read_at_start = {name: value for name, value in env.items()
                     if name.startswith(("PYTHON", "LC_")) or name in ("LANG", "LANGUAGE", "TZ")}
    return hashlib.sha256(json.dumps([interpreter, sorted(read_at_start.items())]).encode("utf-8")).hexdigest()[:12]


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
    base = os.path.join(_folder(), "%d-%s" % (owner, _startup_key(interpreter, env)))
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
        ready = b""
        if select.select([proc.stdout], [], [], START_TIMEOUT_SECONDS)[0]:
            ready = proc.stdout.readline()
        proc.stdout.close()
        if ready != b"ready\n":
            proc.kill()
            proc.wait()
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
        child = None
        try:
            conn.connect(path)
            socket.send_fds(conn, [struct.pack("!I", len(header))], [stdin.fileno(), stdout.fileno(), stderr.fileno()])
            conn.sendall(header)
            answer = conn.makefile("rb")
            child = int(answer.readline() or 0) or None
            status = answer.readline().strip()
        except (KeyboardInterrupt, SystemExit):
            # Ctrl-C, or the worker told to stop: ansible's worker ends its process group, where a module
            # process would be; a forked module is not in it, so it is ended here.
            if child:
                os.kill(child, signal.SIGTERM)
            raise
        finally:
            conn.close()
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    if not status.lstrip(b"-").isdigit():
        return 255, out, err + b"\nlab zygote: the module process ended without an exit status\n"
    return int(status), out, err


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
        conn.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        first, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
        if len(first) < 4 or len(fds) != 3:  # server()'s probe, or a caller gone before it asked
            os._exit(0)
        size = struct.unpack("!I", first)[0]
        header = b""
        while len(header) < size:
            chunk = conn.recv(size - len(header))
            if not chunk:  # the caller went away mid-request
                os._exit(0)
            header += chunk
        conn.settimeout(None)
        conn.sendall(b"%d\n" % os.getpid())
        request = json.loads(header)
        record = request["env"].get("LYNC_LAB_ZYGOTE_RECORD")  # tests: proof a run was forked
        if record:
            with open(record, "a", encoding="utf-8") as handle:
                handle.write("%d\n" % os.getpid())
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
            status &= 0xFF  # what a process's parent sees
            conn.sendall(b"%d\n" % status)
            conn.close()
        finally:
            os._exit(status)


def _run_main(script):
    """Run script as `python` runs a script read from stdin; its exit status."""
    main = types.ModuleType("__main__")
    main.__dict__.update({"__file__": "<stdin>", "__cached__": None, "__spec__": None, "__package__": None,
                          "__loader__": importlib.machinery.BuiltinImporter, "__builtins__": builtins})
    sys.modules["__main__"] = main
    try:
        code = compile(script, "<stdin>", "exec", dont_inherit=True)
    except SyntaxError as error:  # python prints only the error, no traceback
        sys.excepthook(type(error), error.with_traceback(None), None)
        return 1
    status = 0
    try:
        exec(code, main.__dict__)  # pylint: disable=exec-used
    except SystemExit as stop:
        status = _exit_status(stop.code)
    except BaseException as error:  # pylint: disable=broad-except
        tb = error.__traceback__.tb_next  # without this function's frame, as python shows it
        sys.excepthook(type(error), error.with_traceback(tb), tb)
        # An uncaught Ctrl-C ends python by SIGINT, which the shell reports as 128 + 2.
        status = 130 if isinstance(error, KeyboardInterrupt) else 1
    threading._shutdown()  # pylint: disable=protected-access  # python waits for non-daemon threads
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
