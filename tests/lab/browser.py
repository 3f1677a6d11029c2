"""A real browser for the tests: headless Chromium (Debian's package) driven over the DevTools protocol.

Chromium is started with --remote-debugging-pipe: it reads protocol commands from fd 3 and writes
answers and events to fd 4, each message JSON ended by a NUL byte
(https://chromedevtools.github.io/devtools-protocol/). Nothing listens on a port.

tools/bootstrap.sh installs chromium and tesseract-ocr from apt. A test that needs them skips when they
are missing, unless LYNC_REQUIRE_BROWSER=1 (set by .ci/run), where it fails: CI must run it.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser")


def require(program_names, package):
    """The path of the first program found, or skip (fail under LYNC_REQUIRE_BROWSER=1) naming the apt package."""
    for name in program_names:
        found = shutil.which(name)
        if found:
            return found
    reason = "%s is not installed (apt-get install -y %s; tools/bootstrap.sh does it)" % (program_names[0], package)
    if os.environ.get("LYNC_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + "; LYNC_REQUIRE_BROWSER=1 (CI) requires it")
    pytest.skip(reason)
    return None


class Browser:
    """One headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, width=1400, height=1000):
        self.program = require(CHROMIUM_NAMES, "chromium")
        self.profile = tempfile.mkdtemp(prefix="lync-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire():  # in the child: fd 3 = commands in, fd 4 = answers out (via copies: either may be 3 or 4)
            commands, answers = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(commands, 3)
            os.dup2(answers, 4)

        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with  # closed in close()
            [self.program, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-extensions", "--disable-background-networking", "--user-data-dir=" + self.profile,
             "--remote-debugging-pipe", "--window-size=%d,%d" % (width, height), "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, pass_fds=(3, 4), close_fds=True)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next = 0
        self.events = []
        self.session = None
        pages = [t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page"]
        target = pages[0]["targetId"] if pages else self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def _read(self):
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe (exit %s)" % self.proc.poll())
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, **params):
        """Send one command (to the page once attached) and return its result; events are kept in self.events."""
        self._next += 1
        message = {"id": self._next, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode("utf-8") + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError("%s: %s" % (method, answer["error"]))
                return answer.get("result", {})
            self.events.append(answer)

    def wait_event(self, method):
        while True:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(index)
            self.events.append(self._read())

    def open(self, path):
        """Load a local file and wait for its load event."""
        self.events.clear()
        self.call("Page.navigate", url="file://" + str(path))
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (DevTools evaluates it even where the page's CSP
        forbids scripts: the page itself runs none)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError("evaluate: %s" % result["exceptionDetails"])
        return result["result"].get("value")

    def screenshot(self, dest, clip=None, scale=1):
        """A PNG of the page (or of clip {x, y, width, height} in page coordinates) written to dest."""
        params = {"format": "png", "captureBeyondViewport": True}
        if clip:
            params["clip"] = dict(clip, scale=scale)
        data = base64.b64decode(self.call("Page.captureScreenshot", **params)["data"])
        with open(dest, "wb") as handle:
            handle.write(data)
        return dest

    def close(self):
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def ocr(png):
    """The text tesseract reads in a PNG (one block of lines, --psm 6)."""
    tesseract = require(("tesseract",), "tesseract-ocr")
    proc = subprocess.run([tesseract, str(png), "-", "--psm", "6"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
