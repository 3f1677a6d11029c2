"""The lab's state file: load, lock, change, save atomically."""

import contextlib
import fcntl
import json
import os
import pathlib
import tempfile
import time

from . import calls


class Lab:
    """One lab: a state.json and, beside it, the hosts' file systems under fs/."""

    def __init__(self, state_path):
        self.state_path = pathlib.Path(state_path).resolve()
        self.dir = self.state_path.parent
        self.fs_root = self.dir / "fs"

    def load(self):
        """A snapshot of the state (not locked; for reading)."""
        with open(self.state_path, encoding="utf-8") as handle:
            return json.load(handle)

    @staticmethod
    def dumps(state):
        """The state file's text. No indent: json's C encoder only runs without one, and every module
        run of the lab writes the state (a pretty-printed file cost ~50 ms a run)."""
        return json.dumps(state, sort_keys=True, separators=(",", ":"))

    def save(self, state, unchanged_text=None):
        """Write the state atomically (temp file + rename), so a reader never sees half of it;
        skip the write when the text is `unchanged_text` (what was read)."""
        text = self.dumps(state)
        if text == unchanged_text:
            return
        fd, tmp = tempfile.mkstemp(dir=str(self.dir), prefix=".state-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, self.state_path)

    @contextlib.contextmanager
    def locked(self):
        """Hold the lab lock while the state is read, changed and written back."""
        began = time.time()
        with open(str(self.state_path) + ".lock", "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                with open(self.state_path, encoding="utf-8") as handle:
                    text = handle.read()
                state = json.loads(text)
                calls.lab_time(time.time() - began)  # the bench's remote time leaves the lab's own out
                yield state
                began = time.time()
                self.save(state, unchanged_text=text)
                calls.lab_time(time.time() - began)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def host_root(self, fqdn):
        """The folder that holds a host's drives (fs/<fqdn>/<drive letter>/...)."""
        return self.fs_root / fqdn.lower()
