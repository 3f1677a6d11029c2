"""What the stand-in win_package and win_share do to a lab host."""

import ntpath

from . import fsops, lyncsetup
from .errors import PSError


def _arguments(value):
    if value is None:
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def run(ctx, params, check_mode):
    """win_package: the Lync media's Setup.exe /BootstrapLocalMgmt (core components and the local store)."""
    if params.get("creates_path") and fsops.exists(ctx, params["creates_path"]):
        return {"changed": False, "rc": 0, "reboot_required": False}
    path = params.get("path") or ""
    if not fsops.exists(ctx, path):
        raise PSError("the file at the path '%s' cannot be reached" % path)
    args = [a.upper() for a in _arguments(params.get("arguments"))]
    if ntpath.basename(path).lower() != "setup.exe" or "/BOOTSTRAPLOCALMGMT" not in args:
        raise PSError("lab: win_package knows only the Lync media's Setup.exe /BootstrapLocalMgmt, not %s %s"
                      % (path, " ".join(args)))
    if params.get("state") == "absent":
        raise PSError("lab: removing Lync Server is not simulated")
    if not check_mode:
        lyncsetup.install_core(ctx.state, ctx.host)
        lyncsetup.bootstrap_local_mgmt(ctx.state, ctx.host)
        record = ctx.record
        fsops.write_bytes(ctx, "%s\\Deployment\\Bootstrapper.exe" % record["install_dir"], b"MZ lab Bootstrapper.exe")
    return {"changed": True, "rc": 0, "reboot_required": False}


def share(ctx, params, check_mode):
    """win_share: add or remove a share (the folder must exist)."""
    shares = ctx.record.setdefault("shares", {})
    name = params["name"]
    current = next((k for k in shares if k.lower() == name.lower()), None)
    if params["state"] == "absent":
        if current and not check_mode:
            del shares[current]
        return {"changed": current is not None, "actions": []}
    path = params["path"]
    if not fsops.locate(ctx, path).real.is_dir():
        raise PSError("Share's path '%s' does not exist" % path)
    wanted = {"path": path}
    if current and shares[current].get("path", "").lower() == path.lower():
        return {"changed": False, "actions": []}
    if not check_mode:
        previous = shares.pop(current, {}) if current else {}
        previous.update(wanted)
        shares[name] = previous
    return {"changed": True, "actions": ["New-SmbShare -Name %s -Path %s" % (name, path)]}
