"""The file system as the payloads reach it: Microsoft.PowerShell.Management's item cmdlets
(FileSystem provider) and System.IO.File, over fsops (the lab's Windows rules: the double hop,
share permissions, disk space, MAX_PATH).

Parameter declarations follow the cmdlet pages:
Test-Path https://learn.microsoft.com/powershell/module/microsoft.powershell.management/test-path?view=powershell-5.1
Join-Path https://learn.microsoft.com/powershell/module/microsoft.powershell.management/join-path?view=powershell-5.1
Get-ChildItem https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-childitem?view=powershell-5.1
Get-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-item?view=powershell-5.1
File.ReadAllText https://learn.microsoft.com/dotnet/api/system.io.file.readalltext
"""

import datetime

from .. import fsops
from ..engine import Command, Param
from ..engine import types as T
from ..engine import values as V
from ..errors import PSError

PAYLOADS = ("lync_backup_set_scan",)
MANAGEMENT = "Microsoft.PowerShell.Management"


def _mtime(real):
    return datetime.datetime.fromtimestamp(real.stat().st_mtime, datetime.timezone.utc).replace(tzinfo=None)


class FileSystemInfo(V.NetObject):
    """System.IO.FileInfo / DirectoryInfo with the members the payloads read."""

    def __init__(self, winpath, real):
        self.FullName = winpath.rstrip("\\") if len(winpath) > 3 else winpath
        self.Name = self.FullName.rstrip("\\").rsplit("\\", 1)[-1]
        self.PSIsContainer = real.is_dir()
        self.TYPE_NAME = "System.IO.DirectoryInfo" if self.PSIsContainer else "System.IO.FileInfo"
        self.Extension = "." + self.Name.rsplit(".", 1)[1] if "." in self.Name else ""
        self.BaseName = self.Name if self.PSIsContainer or not self.Extension else self.Name[:-len(self.Extension)]
        self.LastWriteTimeUtc = _mtime(real)
        self.LastWriteTime = self.LastWriteTimeUtc
        if not self.PSIsContainer:
            self.Length = real.stat().st_size
            self.DirectoryName = self.FullName.rsplit("\\", 1)[0]

    def ToString(self):
        return self.FullName


def _paths(call):
    literal = call.args.get("LiteralPath")
    return [V.to_string(p) for p in V.enumerate_value(literal if literal is not None else call.args.get("Path"))]


def _provider(session, path):  # added by certs helper
    """The provider of a drive-qualified path that is not the file system (e.g. Cert:, boundary/certs.py), or None."""
    drive = path.split(":", 1)[0].lower() if ":" in path else ""
    return getattr(session, "providers", {}).get(drive) if len(drive) > 1 else None


def install(session):
    ctx = session.ctx

    def not_found(call, path):
        call.error("Cannot find path '%s' because it does not exist." % path,
                   "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", path)

    def test_path(call):
        kind = V.to_string(call.args.get("PathType") or "Any").lower()
        if kind not in ("any", "container", "leaf"):
            call.terminate('Cannot bind parameter \'PathType\'. Cannot convert value "%s" to type '
                           '"Microsoft.PowerShell.Commands.TestPathType". Error: "Unable to match the identifier '
                           'name %s to a valid enumerator name. Specify one of the following enumerator names and '
                           'try again: Any, Container, Leaf"' % (call.args["PathType"], call.args["PathType"]),
                           "System.Management.Automation.ParameterBindingException", "CannotConvertArgumentNoMessage",
                           "InvalidArgument")
        out = []
        for path in _paths(call):
            if _provider(session, path):  # added by certs helper
                out.append(_provider(session, path).test_path(path, kind))
                continue
            try:
                real = fsops.locate(ctx, path).real
            except PSError:
                out.append(False)
                continue
            out.append(real.is_dir() if kind == "container" else real.is_file() if kind == "leaf" else real.exists())
        return out

    def join_path(call):
        child = V.to_string(call.args["ChildPath"])
        return [fsops.join(V.to_string(p), child) if child else V.to_string(p)
                for p in V.enumerate_value(call.args["Path"])]

    def get_item(call):
        out = []
        for path in _paths(call):
            if _provider(session, path):  # added by certs helper
                out.extend(_provider(session, path).get_item(call, path))
                continue
            real = fsops.locate(ctx, path).real
            if not real.exists():
                not_found(call, path)
                continue
            out.append(FileSystemInfo(path, real))
        return out

    def get_child_item(call):
        out = []
        recurse = call.switch("Recurse")
        only_dirs, only_files = call.switch("Directory"), call.switch("File")
        pattern = call.args.get("Filter")
        from ..engine import operators as O
        for path in _paths(call):
            if _provider(session, path):  # added by certs helper
                out.extend(_provider(session, path).get_child_item(call, path, recurse))
                continue
            loc = fsops.locate(ctx, path)
            if not loc.real.exists():
                not_found(call, path)
                continue
            if loc.real.is_file():
                out.append(FileSystemInfo(path, loc.real))
                continue
            entries = sorted(loc.real.rglob("*") if recurse else loc.real.iterdir(), key=lambda p: str(p).lower())
            for entry in entries:
                if (only_dirs and not entry.is_dir()) or (only_files and not entry.is_file()):
                    continue
                if pattern is not None and not V.to_bool(O.comparison("like", entry.name, pattern)):
                    continue
                relative = entry.relative_to(loc.real).as_posix().replace("/", "\\")
                out.append(FileSystemInfo(fsops.join(path, relative), entry))
        return out

    session.command(Command("Test-Path", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True,
              aliases=("PSPath", "LP")),
        Param("PathType", "System.String", aliases=("Type",)), Param("IsValid", switch=True),
        Param("Filter", "System.String"), Param("Include", "System.String[]"), Param("Exclude", "System.String[]")],
        test_path, default_set="Path", module=MANAGEMENT))
    session.command(Command("Join-Path", [
        Param("Path", "System.String[]", position=0, mandatory=True, pipeline=True, by_property=True, aliases=("PSPath",)),
        Param("ChildPath", "System.String", position=1, mandatory=True, by_property=True, allow_empty=True),
        Param("Resolve", switch=True), Param("Credential", "System.Management.Automation.PSCredential")],
        join_path, module=MANAGEMENT))
    session.command(Command("Get-Item", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True,
              aliases=("PSPath", "LP")),
        Param("Force", switch=True), Param("Filter", "System.String")],
        get_item, default_set="Path", aliases=("gi",), module=MANAGEMENT))
    session.command(Command("Get-ChildItem", [
        Param("Path", "System.String[]", position=0, sets=("Items",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralItems",), by_property=True,
              aliases=("PSPath", "LP")),
        Param("Filter", "System.String", position=1), Param("Recurse", switch=True, aliases=("s",)),
        Param("Directory", switch=True, aliases=("ad", "d")), Param("File", switch=True, aliases=("af",)),
        Param("Force", switch=True), Param("Name", switch=True), Param("Depth", "System.UInt32"),
        Param("Include", "System.String[]"), Param("Exclude", "System.String[]")],
        get_child_item, default_set="Items", aliases=("dir", "gci", "ls"), module=MANAGEMENT))

    io_file = session.net_type("System.IO.File")

    @io_file.method("ReadAllText")
    def read_all_text(engine, path, encoding=None):
        return dotnet_io(lambda: fsops.read_bytes(ctx, V.to_string(path))).decode("utf-8-sig")


def dotnet_io(action):
    """Run a lab file operation as a .NET method: the lab's PSError becomes the .NET exception
    PowerShell wraps as 'Exception calling "M" with "N" argument(s): ...'."""
    try:
        return action()
    except PSError as exc:
        kind = {"FileNotFoundException": "System.IO.FileNotFoundException",
                "UnauthorizedAccessException": "System.UnauthorizedAccessException",
                "IOException": "System.IO.IOException", "ArgumentException": "System.ArgumentException"}
        raise T.DotNetError(kind.get(exc.error_id, "System.IO.IOException"), exc.message) from None
