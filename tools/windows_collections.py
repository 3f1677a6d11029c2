"""Provide ansible.windows, community.windows and microsoft.ad without Galaxy.

Galaxy is unreachable from our build machines, but the PyPI `ansible` wheel bundles
these collections. We download that one wheel (no dependencies) and extract only the
three collection folders, then link the checkout in as `lync.server` so Ansible,
ansible-lint and molecule resolve the collection by its FQCN.

Usage: python tools/windows_collections.py <collections dir>
"""

import pathlib
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PINS = ROOT / "requirements" / "windows-collections.txt"


def read_pins():
    """Return {name: version} from the pins file (comments ignored)."""
    pins = {}
    for line in PINS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip()] = version.strip()
    return pins


def extract(dest, pins):
    """Download the pinned ansible wheel and extract the three collections into dest."""
    wanted = [name.replace(".", "/") for name in pins if name != "ansible"]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--disable-pip-version-check", "ansible==" + pins["ansible"], "-d", tmp],
            check=True,
        )
        wheel = next(pathlib.Path(tmp).glob("ansible-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            members = [m for m in archive.namelist()
                       if any(m.startswith("ansible_collections/%s/" % w) for w in wanted)]
            archive.extractall(dest, members)


def check_versions(dest, pins):
    """Fail loudly when the wheel did not carry the collection versions we pinned."""
    import json
    for name, version in pins.items():
        if name == "ansible":
            continue
        manifest = dest / "ansible_collections" / name.replace(".", "/") / "MANIFEST.json"
        found = json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]["version"]
        if found != version:
            raise SystemExit("%s: wanted %s, the ansible wheel has %s" % (name, version, found))


def main():
    dest = pathlib.Path(sys.argv[1]).resolve()
    pins = read_pins()
    stamp = dest / ".pins"
    if not stamp.exists() or stamp.read_text(encoding="utf-8") != PINS.read_text(encoding="utf-8"):
        for name in pins:
            if name != "ansible":
                target = dest / "ansible_collections" / name.replace(".", "/")
                if target.exists():
                    subprocess.run(["rm", "-rf", str(target)], check=True)
        extract(dest, pins)
        check_versions(dest, pins)
        stamp.write_text(PINS.read_text(encoding="utf-8"), encoding="utf-8")
    link = dest / "ansible_collections" / "lync" / "server"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink() or link.resolve() != ROOT:
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(ROOT, target_is_directory=True)


if __name__ == "__main__":
    main()
