#!/usr/bin/env bash
# Run the ansible-test sanity tests that work offline here (docs/testing.md lists them and
# why the others are skipped). ansible-test needs a real .../ansible_collections/lync/server
# directory (it refuses a symlink), so the tracked tree is copied there first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/.cache/sanity/ansible_collections/lync/server"
# Every 2.19 sanity test except pslint: it needs pwsh, which does not exist for this machine
# (docs/testing.md). shellcheck comes from Debian's apt (tools/bootstrap.sh installs it when it can).
skip=(pslint)

# ansible-test downloads get-pip.py for each venv; give it the offline shim instead.
pip_version=$(python -c "import re, pathlib, ansible_test
text = (pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py').read_text()
print(re.search(r\"pip='([^']+)'\", text).group(1))")
mkdir -p ~/.ansible/test/cache
cp "$root/tools/get_pip_shim.py" ~/.ansible/test/cache/"get_pip_${pip_version//./_}.py"

rm -rf "$work"
mkdir -p "$work"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - ) | tar -xf - -C "$work"
cd "$work"
git init -q . && git add -A >/dev/null  # ansible-test lists files through git when it can
ansible-test sanity --venv --python 3.11 "${skip[@]/#/--skip-test=}" --color no "$@" > "$root/.cache/sanity.log" 2>&1 || { grep -E "^(ERROR|FATAL|WARNING: (Skipping|Reviewing))|^[a-z-]+$" "$root/.cache/sanity.log" | grep -v "Location .* is ignored"; exit 1; }
grep -E "^(Running sanity test|WARNING: Skipping)" "$root/.cache/sanity.log"
