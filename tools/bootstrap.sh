#!/usr/bin/env bash
# Create or reuse the local toolchain: .venv (pinned PyPI packages) and
# .cache/collections (Windows collections from the PyPI ansible wheel, plus a link
# that makes this checkout visible as lync.server). Cheap when already up to date.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
req="$root/requirements/dev.txt"
py=$(command -v python3.11 || command -v python3)
# dev.txt includes test.txt (-r), so a change to either reinstalls.
want=$(cat "$req" "$root/requirements/test.txt" | sha256sum | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements.sha" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing pinned toolchain into .venv" >&2
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$venv/.requirements.sha"
fi
# ansible-test runs the shellcheck program in its sanity tests; Debian's apt has it.
if ! command -v shellcheck >/dev/null; then
  echo "bootstrap: installing shellcheck from apt" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y -q shellcheck >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q shellcheck >/dev/null 2>&1; } \
    || echo "bootstrap: could not install shellcheck; ansible-test sanity will fail its shellcheck test" >&2
fi
# The history page's browser test (tests/lab/test_report_html.py) renders it in headless Chromium and reads
# the screenshot with tesseract; Debian's apt has both. CI (.ci/run) fails that test when they are missing.
if ! command -v chromium >/dev/null || ! command -v tesseract >/dev/null; then
  echo "bootstrap: installing chromium and tesseract-ocr from apt" >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y -q chromium tesseract-ocr >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q chromium tesseract-ocr >/dev/null 2>&1; } \
    || echo "bootstrap: could not install chromium and tesseract-ocr; the browser test of report.html will skip" >&2
fi
mkdir -p "$root/.cache/collections"
"$venv/bin/python" "$root/tools/windows_collections.py" "$root/.cache/collections"
