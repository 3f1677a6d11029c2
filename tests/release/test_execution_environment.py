"""The execution environment for AWX (docs/awx.md), checked without a container engine.

ansible-builder renders the build context of execution-environment/execution-environment.yml;
inside a real build it then installs the collections and reads each one's
meta/execution-environment.yml ("introspect"), which we run here on the installed tarball.
"""

import pathlib
import subprocess
import sys

import yaml
from bindep.depends import Depends
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = pathlib.Path(__file__).resolve().parents[2]
EE = ROOT / "execution-environment" / "execution-environment.yml"
PIP = ROOT / "meta" / "ee-requirements.txt"
BINDEP = ROOT / "meta" / "ee-bindep.txt"
BUILDER = str(pathlib.Path(sys.executable).parent / "ansible-builder")


def lines(path):
    """Non-comment, non-empty lines, as ansible-builder reads requirement files."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def galaxy():
    return yaml.safe_load((ROOT / "galaxy.yml").read_text(encoding="utf-8"))


def test_builder_renders_the_build_context(tmp_path):
    context = tmp_path / "context"
    proc = subprocess.run([BUILDER, "create", "-f", str(EE), "-c", str(context), "--output-filename", "Containerfile"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    base = yaml.safe_load(EE.read_text(encoding="utf-8"))["images"]["base_image"]["name"]
    assert 'ARG EE_BASE_IMAGE="%s"' % base in containerfile
    assert "introspect.py introspect --user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile
    assert lines(context / "_build" / "requirements.txt") == lines(PIP)
    assert lines(context / "_build" / "bindep.txt") == lines(BINDEP)


def test_image_collections_are_lync_server_and_its_dependencies():
    wanted = {c["name"]: c["version"] for c in
              yaml.safe_load((EE.parent / "requirements.yml").read_text(encoding="utf-8"))["collections"]}
    meta = galaxy()
    assert SpecifierSet(wanted.pop("lync.server")).contains(meta["version"])
    assert wanted == meta["dependencies"]


def test_installed_collection_declares_its_packages_to_builder(built_collection):
    proc = subprocess.run([BUILDER, "introspect", "--sanitize", str(built_collection.path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = yaml.safe_load(proc.stdout)
    ours = {kind: [entry.split("  # from collection ")[0] for entry in found[kind]
                   if entry.endswith("# from collection lync.server")] for kind in ("python", "system")}
    assert ours == {"python": lines(PIP), "system": lines(BINDEP)}


def test_python_packages_connect_with_kerberos_and_credssp():
    wanted = {r.name: r for r in map(Requirement, lines(PIP))}
    assert {"pywinrm", "pypsrp"} <= set(wanted)
    pins = {r.name: r for r in map(Requirement, (line for line in lines(ROOT / "requirements" / "dev.txt") if not line.startswith("-"))) if r.name in wanted}
    for name in ("pywinrm", "pypsrp"):
        assert {"kerberos", "credssp"} <= wanted[name].extras
        # What the tests run with is a version users may install.
        assert wanted[name].specifier.contains(next(iter(pins[name].specifier)).version)


def test_compilers_and_headers_stay_in_the_builder_stage():
    deps = Depends(BINDEP.read_text(encoding="utf-8"))
    for platform, runtime, build in (("rpm", {"krb5-libs", "krb5-workstation"}, {"krb5-devel", "gcc", "python3-devel"}),
                                     ("dpkg", {"libkrb5-3", "krb5-user"}, {"libkrb5-dev", "gcc", "python3-dev"})):
        at_run = {rule[0] for rule in deps.active_rules(["platform:" + platform])}
        at_build = {rule[0] for rule in deps.active_rules(["platform:" + platform, "compile"])}
        assert at_run == runtime and at_build == runtime | build
