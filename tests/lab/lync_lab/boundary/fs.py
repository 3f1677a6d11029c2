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
import hashlib
import json

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
        self._real = real  # the lab file behind it (not a .NET member: lower case)
        self.FullName = winpath.rstrip("\\") if len(winpath) > 3 else winpath
        self.Name = self.FullName.rstrip("\\").rsplit("\\", 1)[-1]
        self.PSIsContainer = real.is_dir()
        self.TYPE_NAME = "System.IO.DirectoryInfo" if self.PSIsContainer else "System.IO.FileInfo"
        self.Extension = "." + self.Name.rsplit(".", 1)[1] if "." in self.Name else ""
        self.BaseName = self.Name if self.PSIsContainer or not self.Extension else self.Name[:-len(self.Extension)]
        self.LastWriteTimeUtc = V.with_kind(_mtime(real), "Utc")
        self.LastWriteTime = V.with_kind(_mtime(real), "Local")
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

    # added by setup helper: Get-Content (FileSystem provider), as lync_sql_install and
    # lync_sql_setup_probe read Summary.txt and ConfigurationFile.ini.
    # https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-content?view=powershell-5.1
    # "For files, the content is read one line at a time and returns a collection of objects, each
    # representing a line of content"; -Raw "ignores newline characters and returns the entire contents
    # of a file in one string". A folder fails as the FileSystem provider fails.
    def get_content(call):
        out = []
        for path in _paths(call):
            try:
                loc = fsops.locate(ctx, path)
            except PSError as exc:
                call.error(exc.message, "System.UnauthorizedAccessException", "GetContentReaderUnauthorizedAccessError",
                           "PermissionDenied", path)
                continue
            if loc.real.is_dir():
                call.error("Unable to get content because it is a directory: '%s'. Please use 'Get-ChildItem' "
                           "instead." % path, "System.UnauthorizedAccessException",
                           "GetContentReaderUnauthorizedAccessError", "PermissionDenied", path)
                continue
            if not loc.real.is_file():
                not_found(call, path)
                continue
            text = fsops.read_bytes(ctx, path).decode("utf-8-sig")
            if call.switch("Raw"):
                if text:
                    out.append(text)
                continue
            lines = text.replace("\r\n", "\n").split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            total = call.args.get("TotalCount")
            if total is not None and V.to_integer(total) >= 0:
                lines = lines[:V.to_integer(total)]
            tail = call.args.get("Tail")
            if tail is not None:
                lines = lines[len(lines) - min(V.to_integer(tail), len(lines)):] if V.to_integer(tail) >= 0 else lines
            out.extend(lines)
        return out

    session.command(Command("Get-Content", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True,
              aliases=("PSPath",)),
        Param("ReadCount", "System.Int64"), Param("TotalCount", "System.Int64", aliases=("First", "Head")),
        Param("Tail", "System.Int32", aliases=("Last",)), Param("Filter", "System.String"),
        Param("Include", "System.String[]"), Param("Exclude", "System.String[]"), Param("Force", switch=True),
        Param("Credential", "System.Management.Automation.PSCredential"), Param("Delimiter", "System.String"),
        Param("Wait", switch=True), Param("Raw", switch=True), Param("Encoding", "System.String"),
        Param("Stream", "System.String")],
        get_content, default_set="Path", aliases=("gc", "cat", "type"), module=MANAGEMENT))

    # added by setup helper: wildcards in Get-ChildItem -Path (lync_sql_install looks for
    # 'C:\Program Files\Microsoft SQL Server\*\Setup Bootstrap\Log\Summary.txt'). -Path "accepts
    # wildcards"; -LiteralPath takes the path as typed (Get-ChildItem page above). A wildcard that
    # matches nothing gives nothing. about_Wildcards: * ? [a-z] [abc], case-insensitive.
    child_item = session.engine.commands.get("Get-ChildItem")
    listing = child_item.function

    def get_child_item_wildcards(call):
        if call.args.get("LiteralPath") is not None or call.args.get("Path") is None:
            return listing(call)
        expanded = []
        for path in _paths(call):
            expanded.extend(expand_wildcards(ctx, path) if WILDCARD_CHARS.intersection(path) else [path])
        if not expanded:
            return []
        call.args["Path"] = expanded
        return listing(call)

    child_item.function = get_child_item_wildcards
    # added by lyncdata helper ---------------------------------------------------------------
    # New-Item, Copy-Item, Remove-Item, Split-Path; [System.IO.File]::OpenRead / WriteAllText and
    # [System.Security.Cryptography.SHA256] (what the export/import payloads stage and hash with).
    # New-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/new-item?view=powershell-5.1
    # Copy-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/copy-item?view=powershell-5.1
    # Remove-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/remove-item?view=powershell-5.1
    # Split-Path https://learn.microsoft.com/powershell/module/microsoft.powershell.management/split-path?view=powershell-5.1
    # File.OpenRead https://learn.microsoft.com/dotnet/api/system.io.file.openread
    # File.WriteAllText https://learn.microsoft.com/dotnet/api/system.io.file.writealltext
    # SHA256.Create / HashAlgorithm.ComputeHash https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256
    install_item_commands(session)
    # added by sql helper ----------------------------------------------------------------------
    # What lync_sql_backup needs beyond the above; each is skipped when another area installed it.
    # New-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/new-item?view=powershell-5.1
    # File.OpenRead https://learn.microsoft.com/dotnet/api/system.io.file.openread
    # SHA256.Create / HashAlgorithm.ComputeHash https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256
    _sql_helper_fs(session, io_file)


def _parent(winpath):
    """The folder a path lies in ('' for a drive root or a share root)."""
    text = winpath.rstrip("\\")
    head, sep, dummy = text.rpartition("\\")
    if not sep or head in ("", "\\") or (head.startswith("\\\\") and head.count("\\") < 4):
        return ""
    return head + "\\" if len(head) == 2 and head[1] == ":" else head


def require_parent(ctx, winpath):
    """.NET and the FileSystem provider do not create missing folders for a file: "Could not find a
    part of the path" (System.IO.DirectoryNotFoundException)."""
    parent = _parent(winpath)
    if parent and not fsops.locate(ctx, parent).real.is_dir():
        raise PSError("Could not find a part of the path '%s'." % winpath, "WriteError", "DirectoryNotFoundException")


class FileStream(V.NetObject):
    """System.IO.FileStream from File.OpenRead: the file's bytes, Length, Dispose/Close."""

    TYPE_NAME = "System.IO.FileStream"
    TYPE_NAMES = ("System.IO.FileStream", "System.IO.Stream")

    def __init__(self, data):
        self.data = data
        self.Length = V.Long(len(data))
        self.closed = False

    def Dispose(self):
        self.closed = True

    def Close(self):
        self.closed = True


class SHA256(V.NetObject):
    """System.Security.Cryptography.SHA256 (SHA256.Create()): ComputeHash(byte[] | Stream) -> byte[]."""

    TYPE_NAME = "System.Security.Cryptography.SHA256CryptoServiceProvider"
    TYPE_NAMES = (TYPE_NAME, "System.Security.Cryptography.SHA256", "System.Security.Cryptography.HashAlgorithm")

    def __init__(self):
        self.disposed = False

    def ComputeHash(self, data):
        if self.disposed:
            raise T.DotNetError("System.ObjectDisposedException", "Cannot access a disposed object.")
        if isinstance(data, FileStream):
            if data.closed:
                raise T.DotNetError("System.ObjectDisposedException", "Cannot access a closed file.")
            raw = data.data
        elif isinstance(data, (list, tuple)):
            raw = bytes(V.to_integer(b, "System.Byte") for b in data)
        else:
            raise T.DotNetError("System.ArgumentNullException", "Value cannot be null.\r\nParameter name: buffer")
        return list(hashlib.sha256(raw).digest())

    def Dispose(self):
        self.disposed = True


def install_item_commands(session):
    ctx = session.ctx

    def missing(call, path):
        call.error("Cannot find path '%s' because it does not exist." % path,
                   "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", path)

    def new_item(call):
        kind = V.to_string(call.args.get("ItemType") or "File").lower()
        name = call.args.get("Name")
        out = []
        for path in _paths(call):
            target = fsops.join(path, V.to_string(name)) if name else path
            loc = fsops.locate(ctx, target)
            if kind in ("directory", "container"):
                if loc.real.exists() and not call.switch("Force"):
                    call.error("An item with the specified name %s already exists." % target, "System.IO.IOException",
                               "DirectoryExist", "ResourceExists", target)
                    continue
                if not call.should_process("Destination: %s" % target, "Create Directory"):
                    continue
                fsops.make_dirs(ctx, target)
            elif kind == "file":
                if loc.real.exists() and not call.switch("Force"):
                    call.error("The file '%s' already exists." % target, "System.IO.IOException", "NewItemIOError",
                               "WriteError", target)
                    continue
                if not call.should_process("Destination: %s" % target, "Create File"):
                    continue
                if call.switch("Force") and _parent(target):
                    fsops.make_dirs(ctx, _parent(target))
                require_parent(ctx, target)
                value = call.args.get("Value")
                fsops.write_bytes(ctx, target, V.to_string(value).encode("utf-8") if value is not None else b"")
            else:
                call.terminate("The type '%s' is not supported by the FileSystem provider." % call.args["ItemType"],
                               "System.ArgumentException", "Argument", "InvalidArgument")
            out.append(FileSystemInfo(target, fsops.locate(ctx, target).real))
        return out

    def copy_item(call):
        destination = V.to_string(call.args.get("Destination")) if call.args.get("Destination") is not None else None
        for path in _paths(call):
            src = fsops.locate(ctx, path)
            if not src.real.exists():
                missing(call, path)
                continue
            target = destination or path
            dst = fsops.locate(ctx, target, write=True)
            if dst.real.is_dir():
                target = fsops.join(target, path.rstrip("\\").rsplit("\\", 1)[-1])
            if not call.should_process("Item: %s Destination: %s" % (path, target), "Copy File" if src.real.is_file()
                                       else "Copy Directory"):
                continue
            if src.real.is_file():
                require_parent(ctx, target)
                fsops.write_bytes(ctx, target, fsops.read_bytes(ctx, path))
                continue
            # A folder: without -Recurse only the folder itself is created, not its content.
            require_parent(ctx, target)
            fsops.make_dirs(ctx, target)
            if call.switch("Recurse"):
                for relative, dummy_size, dummy_hash in fsops.listing(ctx, path) or []:
                    rel = relative.replace("/", "\\")
                    fsops.write_bytes(ctx, fsops.join(target, rel), fsops.read_bytes(ctx, fsops.join(path, rel)))
                for sub in sorted(src.real.rglob("*")):
                    if sub.is_dir():
                        fsops.make_dirs(ctx, fsops.join(target, sub.relative_to(src.real).as_posix().replace("/", "\\")))

    def remove_item(call):
        for path in _paths(call):
            if _provider(session, path):  # another provider's drive (Cert:, boundary/certs.py)
                _provider(session, path).remove_item(call, path)
                continue
            loc = fsops.locate(ctx, path, write=True)
            if not loc.real.exists():
                missing(call, path)
                continue
            if loc.real.is_dir() and any(loc.real.iterdir()) and not call.switch("Recurse"):
                # The provider asks for confirmation before removing a folder with children; a
                # non-interactive host (win_powershell) cannot prompt.
                call.terminate("Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not "
                               "available.", "System.Management.Automation.Host.HostException", "HostException", "InvalidOperation", path)
            if not call.should_process(path, "Remove Directory" if loc.real.is_dir() else "Remove File"):
                continue
            fsops.remove(ctx, path)

    def split_path(call):
        out = []
        for path in V.enumerate_value(call.args.get("Path") if call.args.get("Path") is not None
                                      else call.args.get("LiteralPath")):
            text = V.to_string(path).replace("/", "\\")
            if call.switch("Leaf"):
                out.append(text.rstrip("\\").rsplit("\\", 1)[-1])
            elif call.switch("Qualifier"):
                out.append(text[:2] if len(text) > 1 and text[1] == ":" else text)
            elif call.switch("NoQualifier"):
                out.append(text[2:] if len(text) > 1 and text[1] == ":" else text)
            elif call.switch("IsAbsolute"):
                out.append(text.startswith("\\") or (len(text) > 2 and text[1:3] == ":\\"))
            else:
                parent = _parent(text)
                out.append(parent)
        return out

    session.command(Command("New-Item", [
        # -Path is mandatory in pathSet and optional in nameSet (the current folder): one declaration here.
        Param("Path", "System.String[]", position=0, sets=("pathSet", "nameSet"), by_property=True),
        Param("Name", "System.String", mandatory=True, sets=("nameSet",), by_property=True),
        Param("ItemType", "System.String", by_property=True, aliases=("Type",)),
        Param("Value", "System.Object", pipeline=True, by_property=True, aliases=("Target",)),
        Param("Force", switch=True), Param("Credential", "System.Management.Automation.PSCredential")],
        new_item, should_process=True, default_set="pathSet", module=MANAGEMENT))
    session.command(Command("Copy-Item", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True,
              aliases=("PSPath", "LP")),
        Param("Destination", "System.String", position=1, by_property=True),
        Param("Container", switch=True), Param("Force", switch=True), Param("Filter", "System.String"),
        Param("Include", "System.String[]"), Param("Exclude", "System.String[]"), Param("Recurse", switch=True),
        Param("PassThru", switch=True), Param("Credential", "System.Management.Automation.PSCredential")],
        copy_item, should_process=True, default_set="Path", aliases=("copy", "cp", "cpi"), module=MANAGEMENT))
    session.command(Command("Remove-Item", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True,
              aliases=("PSPath", "LP")),
        Param("Filter", "System.String"), Param("Include", "System.String[]"), Param("Exclude", "System.String[]"),
        Param("Recurse", switch=True), Param("Force", switch=True),
        Param("Credential", "System.Management.Automation.PSCredential")],
        remove_item, should_process=True, default_set="Path", aliases=("del", "erase", "rd", "ri", "rm", "rmdir"),
        module=MANAGEMENT))
    session.command(Command("Split-Path", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("ParentSet", "LeafSet", "QualifierSet",
              "NoQualifierSet", "IsAbsoluteSet"), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPathSet",), by_property=True,
              aliases=("PSPath", "LP")),
        Param("Parent", switch=True, sets=("ParentSet", "LiteralPathSet")),
        Param("Leaf", switch=True, mandatory=True, sets=("LeafSet",)),
        Param("Qualifier", switch=True, mandatory=True, sets=("QualifierSet",)),
        Param("NoQualifier", switch=True, mandatory=True, sets=("NoQualifierSet",)),
        Param("IsAbsolute", switch=True, mandatory=True, sets=("IsAbsoluteSet",)),
        Param("Resolve", switch=True), Param("Credential", "System.Management.Automation.PSCredential")],
        split_path, default_set="ParentSet", module=MANAGEMENT))

    io_file = session.engine.types.get("system.io.file") or session.net_type("System.IO.File")

    @io_file.method("OpenRead")
    def open_read(engine, path):
        return FileStream(dotnet_io(lambda: fsops.read_bytes(ctx, V.to_string(path))))

    @io_file.method("WriteAllText")
    def write_all_text(engine, path, text, encoding=None):
        winpath = V.to_string(path)
        data = V.to_string(text).encode("utf-8")
        if encoding is not None:
            data = bytes(encoding.GetPreamble()) + data
        dotnet_io(lambda: (require_parent(ctx, winpath), fsops.write_bytes(ctx, winpath, data)))

    sha = session.net_type("System.Security.Cryptography.SHA256")
    sha.method("Create")(lambda engine, name=None: SHA256())


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


# added by setup helper: FileInfo.VersionInfo, the ScriptProperty Windows PowerShell's types.ps1xml
# gives System.IO.FileInfo ([System.Diagnostics.FileVersionInfo]::GetVersionInfo($this.FullName),
# https://learn.microsoft.com/dotnet/api/system.diagnostics.fileversioninfo). A file without a version
# resource has $null ProductVersion/FileVersion. Lab executables are small JSON files; the version
# resource of one is its "version" (and "product") field (sqlsetup.media_bytes writes them).
class FileVersionInfo(V.NetObject):
    TYPE_NAME = "System.Diagnostics.FileVersionInfo"

    def __init__(self, file_name, version=None, product=None):
        self.FileName = file_name
        self.ProductVersion = version
        self.FileVersion = version
        self.ProductName = product
        self.FileDescription = product


def _version_info(item):
    if item.PSIsContainer:
        return None
    version = product = None
    try:
        data = json.loads(item._real.read_bytes().decode("utf-8"))  # pylint: disable=protected-access
        if isinstance(data, dict) and data.get("version"):
            version, product = str(data["version"]), data.get("product")
    except (OSError, ValueError):
        pass
    return FileVersionInfo(item.FullName, version, product)


FileSystemInfo.VersionInfo = property(_version_info)


# added by setup helper: wildcard paths (about_Wildcards,
# https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_wildcards?view=powershell-5.1).
WILDCARD_CHARS = set("*?[")


def expand_wildcards(ctx, path):
    """The existing paths a -Path with wildcards resolves to, segment by segment, in name order."""
    from ..engine import operators as O
    parts = path.split("\\")
    first = next(i for i, part in enumerate(parts) if WILDCARD_CHARS.intersection(part))
    base = "\\".join(parts[:first]) or parts[0]
    try:
        found = [(base, fsops.locate(ctx, base if len(base) > 2 else base + "\\").real)]
    except PSError:
        return []
    for part in parts[first:]:
        if not part:
            continue
        nxt = []
        for winpath, real in found:
            if not real.is_dir():
                continue
            if WILDCARD_CHARS.intersection(part):
                for entry in sorted(real.iterdir(), key=lambda p: p.name.lower()):
                    if V.to_bool(O.comparison("like", entry.name, part)):
                        nxt.append((fsops.join(winpath, entry.name), entry))
            elif (real / part).exists() or any(e.name.lower() == part.lower() for e in real.iterdir()):
                entry = next((e for e in real.iterdir() if e.name.lower() == part.lower()), real / part)
                nxt.append((fsops.join(winpath, entry.name), entry))
        found = nxt
    return [winpath for winpath, _real in found]
# added by sql helper ----------------------------------------------------------------------------

class _SqlHelperStream(V.NetObject):
    """System.IO.FileStream from File.OpenRead: the file's bytes; Length; Dispose/Close."""

    TYPE_NAME = "System.IO.FileStream"
    TYPE_NAMES = ("System.IO.FileStream", "System.IO.Stream")

    def __init__(self, data):
        self.data = data
        self.Length = V.Long(len(data))

    def Dispose(self):
        return None

    def Close(self):
        return None


class _SqlHelperSha256(V.NetObject):
    """SHA256.Create(): ComputeHash(byte[] or Stream) -> byte[] (a list of ints here); Dispose."""

    TYPE_NAME = "System.Security.Cryptography.SHA256Managed"
    TYPE_NAMES = ("System.Security.Cryptography.SHA256Managed", "System.Security.Cryptography.SHA256",
                  "System.Security.Cryptography.HashAlgorithm")

    def ComputeHash(self, data):
        import hashlib
        raw = data.data if isinstance(data, _SqlHelperStream) or hasattr(data, "data") else bytes(
            V.to_integer(b, "System.Byte") for b in V.enumerate_value(data))
        return list(hashlib.sha256(raw).digest())

    def Dispose(self):
        return None


def _sql_helper_fs(session, io_file):
    ctx = session.ctx
    if session.engine.commands.get("New-Item") is None:
        def new_item(call):
            kind = V.to_string(call.args.get("ItemType") or "File").lower()
            out = []
            for path in [V.to_string(p) for p in V.enumerate_value(call.args["Path"])]:
                if kind != "directory":
                    call.terminate("lab: New-Item -ItemType %s is not modelled" % kind)
                loc = fsops.locate(ctx, path)
                if loc.real.exists() and not call.switch("Force"):
                    call.error("An item with the specified name %s already exists." % path,
                               "System.IO.IOException", "DirectoryExist", "ResourceExists", path)
                    continue
                if call.should_process(path, "Create Directory"):
                    loc = fsops.make_dirs(ctx, path)
                    out.append(FileSystemInfo(path, loc.real))
            return out

        session.command(Command("New-Item", [
            Param("Path", "System.String[]", position=0, mandatory=True, sets=("pathSet",), by_property=True),
            Param("Name", "System.String", mandatory=True, sets=("nameSet",), by_property=True),
            Param("ItemType", "System.String", by_property=True, aliases=("Type",)),
            Param("Value", "System.Object", pipeline=True, by_property=True, aliases=("Target",)),
            Param("Force", switch=True), Param("Credential", "System.Management.Automation.PSCredential")],
            new_item, should_process=True, default_set="pathSet", aliases=("ni",), module=MANAGEMENT))
    if "openread" not in io_file.methods:
        @io_file.method("OpenRead")
        def open_read(engine, path):
            return _SqlHelperStream(dotnet_io(lambda: fsops.read_bytes(ctx, V.to_string(path))))
    if "system.security.cryptography.sha256" not in session.engine.types:
        sha = session.net_type("System.Security.Cryptography.SHA256")
        sha.method("Create")(lambda engine: _SqlHelperSha256())
