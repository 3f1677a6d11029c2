"""The file system as the payloads reach it: Microsoft.PowerShell.Management's item and content cmdlets
(FileSystem provider), Get-FileHash, and System.IO (File, Directory, FileStream, FileMode/FileAccess/
FileShare), SHA256 — all over fsops, the lab's Windows rules: the WinRM double hop, share permissions,
disk space, MAX_PATH and extended-length (\\\\?\\) paths. A file written here gets the session's (virtual)
clock as its LastWriteTime, as NTFS stamps it; copies and moves keep the source's. -Path takes wildcards
(about_Wildcards), -LiteralPath does not. A path on another provider's drive (Cert:, HKLM:) goes to the
object another area registers in `session.providers[drive]` (methods test_path, get_item, get_child_item,
remove_item, each `(call, path)` returning the output list); without one, PowerShell's DriveNotFound
(Test-Path: $false).

Parameter declarations follow the cmdlet pages (Windows PowerShell 5.1):
Test-Path https://learn.microsoft.com/powershell/module/microsoft.powershell.management/test-path?view=powershell-5.1
Join-Path https://learn.microsoft.com/powershell/module/microsoft.powershell.management/join-path?view=powershell-5.1
Split-Path https://learn.microsoft.com/powershell/module/microsoft.powershell.management/split-path?view=powershell-5.1
Get-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-item?view=powershell-5.1
Get-ChildItem https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-childitem?view=powershell-5.1
New-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/new-item?view=powershell-5.1
Remove-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/remove-item?view=powershell-5.1
Rename-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/rename-item?view=powershell-5.1
Move-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/move-item?view=powershell-5.1
Copy-Item https://learn.microsoft.com/powershell/module/microsoft.powershell.management/copy-item?view=powershell-5.1
Get-Content https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-content?view=powershell-5.1
Set-Content https://learn.microsoft.com/powershell/module/microsoft.powershell.management/set-content?view=powershell-5.1
Add-Content https://learn.microsoft.com/powershell/module/microsoft.powershell.management/add-content?view=powershell-5.1
  New-Item -ItemType HardLink: PowerShell 5.0 and later; CreateHardLinkW's rules and Win32 codes in fsops.hard_link
  (https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createhardlinkw)
Get-FileHash https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/get-filehash?view=powershell-5.1
  (PowerShell 4.0 and later: a host whose PowerShell is older does not have it)
.NET: https://learn.microsoft.com/dotnet/api/system.io.file (ReadAllText, WriteAllText, ReadAllBytes,
WriteAllBytes, Open, OpenRead, Move, Copy, Delete, Exists), https://learn.microsoft.com/dotnet/api/system.io.directory
(Exists: false for any error, CreateDirectory), https://learn.microsoft.com/dotnet/api/system.io.filestream,
https://learn.microsoft.com/dotnet/api/system.io.filemode (CreateNew: "If the file already exists, an
IOException exception is thrown" — what makes a lock file atomic),
https://learn.microsoft.com/dotnet/api/system.io.fileaccess, https://learn.microsoft.com/dotnet/api/system.io.fileshare,
https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256.create,
https://learn.microsoft.com/dotnet/api/system.security.cryptography.hashalgorithm.computehash.
"""

import datetime
import gc
import hashlib
import json
import os
import re
import weakref

from .. import fsops, logon
from ..engine import Command, NativeCommand, Param
from ..engine.errors import NetException
from ..engine import operators as O
from ..engine import types as T
from ..engine import values as V
from ..errors import PSError

PAYLOADS = ("lync_backup_set_scan", "lync_backup_set_open", "lync_backup_set_remove", "lync_backup_set_unlock",
            "lync_backup_set_write_files", "lync_file_inventory", "lync_file_links", "lync_file_listing",
            "lync_file_listing_page",
            "lync_file_listing_write", "lync_filestore_link", "lync_filestore_copy", "lync_recovery_markers",
            "lync_recovery_marker_set")
MANAGEMENT = "Microsoft.PowerShell.Management"
UTILITY = "Microsoft.PowerShell.Utility"
PROVIDER_PREFIX = "Microsoft.PowerShell.Core\\FileSystem::"
EPOCH = datetime.datetime(1970, 1, 1)


def _mtime(real):
    return datetime.datetime.fromtimestamp(real.stat().st_mtime, datetime.timezone.utc).replace(tzinfo=None)


def stamp(engine, real):
    """NTFS sets LastWriteTime when a file is written: the session's clock."""
    seconds = (engine.clock.now() - EPOCH).total_seconds()
    os.utime(real, (seconds, seconds))


def powershell_version(record):
    """The host's PowerShell: `powershell_version` in its record, else what its Windows release ships
    (2008 R2 with WMF 3.0, which Lync Server 2013 requires there; 2012: 3.0; 2012 R2: 4.0; 2016 and later: 5.1)."""
    if record.get("powershell_version"):
        return tuple(int(x) for x in str(record["powershell_version"]).split(".")[:2])
    parts = str((record.get("os") or {}).get("version", "10.0")).split(".")
    kernel = (int(parts[0]), int(parts[1]) if len(parts) > 1 else 0)
    return {(6, 1): (3, 0), (6, 2): (3, 0), (6, 3): (4, 0)}.get(kernel, (5, 1))


# --- enums of System.IO --------------------------------------------------------------------------

class IOEnum(V.NetObject):
    """A value of a System.IO enum (FileMode, FileAccess, FileShare): its label as a string, its number."""

    def __init__(self, type_name, label, number):
        self.enum_type = type_name
        self.label = label
        self.number = number

    @property
    def TYPE_NAME(self):  # pylint: disable=invalid-name
        return self.enum_type

    @property
    def TYPE_NAMES(self):  # pylint: disable=invalid-name
        return (self.enum_type, "System.Enum", "System.ValueType")

    def ToString(self):
        return self.label

    def __int__(self):
        return self.number

    def __eq__(self, other):
        if isinstance(other, IOEnum):
            return (other.enum_type, other.number) == (self.enum_type, self.number)
        if isinstance(other, str):
            return other.lower() == self.label.lower()
        return isinstance(other, int) and not isinstance(other, bool) and other == self.number

    def __hash__(self):
        return hash((self.enum_type, self.number))


ENUMS = {
    "System.IO.FileMode": {"CreateNew": 1, "Create": 2, "Open": 3, "OpenOrCreate": 4, "Truncate": 5, "Append": 6},
    "System.IO.FileAccess": {"Read": 1, "Write": 2, "ReadWrite": 3},
    "System.IO.FileShare": {"None": 0, "Read": 1, "Write": 2, "ReadWrite": 3, "Delete": 4, "Inheritable": 16},
    # https://learn.microsoft.com/dotnet/api/system.io.fileoptions ([Flags])
    "System.IO.FileOptions": {"None": 0, "Encrypted": 16384, "DeleteOnClose": 67108864, "SequentialScan": 134217728,
                              "RandomAccess": 268435456, "Asynchronous": 1073741824, "WriteThrough": -2147483648},
}


def enum_arg(value, type_name, parameter):
    """A method argument converted to a System.IO enum as PowerShell converts it: the enum value, its label
    (any case; FileShare takes 'Read, Delete') or its number; anything else fails as the conversion does.
    $null (say, a misspelled [System.IO.FileMode]::Member) becomes the value type's default, 0, which FileMode and
    FileAccess do not define: the method throws ArgumentOutOfRangeException."""
    members = ENUMS[type_name]
    if value is None:
        value = 0
        if 0 not in members.values():
            raise T.DotNetError("System.ArgumentOutOfRangeException",
                                "Enum value was out of legal range.\r\nParameter name: %s" % parameter)
    if value is not None and hasattr(value, "number") and hasattr(value, "ToString"):
        label = V.to_string(value.ToString())
        if label in members or type_name.endswith("FileShare"):
            return label, int(value.number)
    if isinstance(value, int) and not isinstance(value, bool):
        for label, number in members.items():
            if number == value:
                return label, number
    if isinstance(value, str):
        total, labels = 0, [p.strip() for p in value.split(",")]
        for part in labels:
            found = next((n for k, n in members.items() if k.lower() == part.lower()), None)
            if found is None:
                break
            total |= found
        else:
            return ", ".join(labels), total
    raise T.DotNetError("System.Management.Automation.PSInvalidCastException",
                        'Cannot convert argument, with value: "%s", to type "%s": Unable to match the identifier name %s to a '
                        'valid enumerator name. Specify one of the following enumerator names and try again: %s'
                        % (V.to_string(value), type_name, V.to_string(value), ", ".join(members)))


# --- objects -------------------------------------------------------------------------------------

# https://learn.microsoft.com/dotnet/api/system.io.fileattributes ([Flags]). A lab folder that is a symbolic link on
# the machine running the lab stands for a Windows reparse point (a junction or a directory symbolic link).
FILE_ATTRIBUTES = T.enum_type("System.IO.FileAttributes", {
    "ReadOnly": 1, "Hidden": 2, "System": 4, "Directory": 16, "Archive": 32, "Device": 64, "Normal": 128,
    "Temporary": 256, "SparseFile": 512, "ReparsePoint": 1024, "Compressed": 2048, "Offline": 4096,
    "NotContentIndexed": 8192, "Encrypted": 16384, "IntegrityStream": 32768, "NoScrubData": 131072}, flags=True)


# The FileInfo/DirectoryInfo objects alive at once, and the most ever alive since reset_live_peak(): how many file
# entries a payload holds at a time (tests/lab/test_file_listing.py, tests/bench/listing_bench.py).
LIVE_INFOS = weakref.WeakSet()
LIVE_PEAK = [0]


def reset_live_peak():
    gc.collect()  # objects of an earlier run held only by reference cycles are not alive for the next one
    LIVE_PEAK[0] = len(LIVE_INFOS)


class FileSystemInfo(V.NetObject):
    """System.IO.FileInfo / DirectoryInfo with the members the payloads read, as the FileSystem provider
    returns them (PSPath, PSIsContainer)."""

    def __init__(self, winpath, real, session=None, listed=None):
        LIVE_INFOS.add(self)
        LIVE_PEAK[0] = max(LIVE_PEAK[0], len(LIVE_INFOS))
        self.session = session
        self._real = real  # the lab file behind it (not a .NET member: lower case)
        self.FullName = winpath.rstrip("\\") if len(winpath) > 3 else winpath
        self.Name = self.FullName.rstrip("\\").rsplit("\\", 1)[-1]
        self.PSIsContainer = real.is_dir()
        self.PSPath = PROVIDER_PREFIX + self.FullName
        self.Extension = "." + self.Name.rsplit(".", 1)[1] if "." in self.Name else ""
        self.BaseName = self.Name if self.PSIsContainer or not self.Extension else self.Name[:-len(self.Extension)]
        self.LastWriteTimeUtc = V.with_kind(_mtime(real), "Utc")
        self.LastWriteTime = V.with_kind(_mtime(real), "Local")
        planted = session.planted_attributes(real) if session is not None else 0
        self.Attributes = V.EnumValue(FILE_ATTRIBUTES, (16 if self.PSIsContainer else 32)
                                      | (1024 if real.is_symlink() else 0) | planted)
        self.Exists = True
        if not self.PSIsContainer:
            self.Length = V.Long(real.stat().st_size)
            self.DirectoryName = self.FullName.rsplit("\\", 1)[0]
        if listed is not None and not self.PSIsContainer:
            # What the directory entry said when the folder was enumerated (FindFirstFile/FindNextFile data), which
            # NTFS may leave behind the file's own record: stale_entry().
            self.Length = V.Long(listed[0])
            self.LastWriteTimeUtc = V.with_kind(listed[1], "Utc")
            self.LastWriteTime = V.with_kind(listed[1], "Local")

    def Refresh(self):  # pylint: disable=invalid-name
        """FileSystemInfo.Refresh (https://learn.microsoft.com/dotnet/api/system.io.filesysteminfo.refresh): reads
        the file's attributes again from the file itself, not from the enumeration's directory entry. A file
        removed since the enumeration: Refresh does not throw, Exists turns false and Length throws
        FileNotFoundException (https://learn.microsoft.com/dotnet/api/system.io.fileinfo.length)."""
        if not self._real.exists():
            self.Exists = False
            if not self.PSIsContainer:
                self.__dict__.pop("Length", None)
                self.__class__ = _RemovedFileInfo
            return
        self.LastWriteTimeUtc = V.with_kind(_mtime(self._real), "Utc")
        self.LastWriteTime = V.with_kind(_mtime(self._real), "Local")
        if not self.PSIsContainer:
            self.Length = V.Long(self._real.stat().st_size)

    @property
    def TYPE_NAME(self):  # pylint: disable=invalid-name
        return "System.IO.DirectoryInfo" if self.PSIsContainer else "System.IO.FileInfo"

    @property
    def TYPE_NAMES(self):  # pylint: disable=invalid-name
        return (self.TYPE_NAME, "System.IO.FileSystemInfo")

    def ToString(self):
        return self.FullName

    def EnumerateFileSystemInfos(self):  # pylint: disable=invalid-name
        """DirectoryInfo.EnumerateFileSystemInfos() (.NET Framework 4.0 and later,
        https://learn.microsoft.com/dotnet/api/system.io.directoryinfo.enumeratefilesysteminfos): the files and
        folders directly in this folder, hidden and system ones included, without "." and ".."; an enumeration whose
        entries are made as it is walked (the lab makes them as the caller iterates), in the order the file system
        returns them (NTFS: its upper-cased B-tree order, not ordinal: callers that need an order sort). A child that
        is a reparse point (a junction or a directory symbolic link; in the lab, a folder that is a symbolic link) is
        returned with FileAttributes.ReparsePoint and is not entered. On a missing folder:
        DirectoryNotFoundException."""
        if not self.PSIsContainer or not self._real.is_dir():
            raise T.DotNetError("System.IO.DirectoryNotFoundException", "Could not find a part of the path '%s'."
                                % self.FullName)
        names = sorted((entry.name for entry in os.scandir(self._real)), key=str.upper)
        if not self.FullName.startswith("\\\\?\\"):
            for name in names:
                if len(fsops.join(self.FullName, name)) > 259:
                    # A path past MAX_PATH without the \\?\ prefix (https://learn.microsoft.com/dotnet/api/system.io.pathtoolongexception).
                    raise T.DotNetError("System.IO.PathTooLongException", fsops.paths.path_too_long(
                        fsops.join(self.FullName, name)).message)
        stale = getattr(self.session, "stale_entry", lambda real: None)
        # The entries carry what the folder's directory entry says (FindNextFileW's data), as Get-ChildItem's do.
        return _Enumeration(FileSystemInfo(fsops.join(self.FullName, name), self._real / name, self.session,
                                           None if (self._real / name).is_dir() else stale(self._real / name))
                            for name in names)

    def OpenRead(self):
        """FileInfo.OpenRead: a read-only FileStream (FileShare.Read)."""
        if self.PSIsContainer or self.session is None:
            raise T.DotNetError("System.UnauthorizedAccessException", "Access to the path '%s' is denied." % self.FullName)
        return self.session.open_stream(self.FullName, ("Open", 3), ("Read", 1), ("Read", 1))


class _Enumeration(V.NetObject):
    """An IEnumerable<T> that makes its items while it is walked (what EnumerateFileSystemInfos returns): PowerShell
    unrolls it in a pipeline, foreach and @() (the engine through ps_enumerate)."""

    TYPE_NAME = "System.IO.FileSystemEnumerableIterator`1[[System.IO.FileSystemInfo]]"

    def __init__(self, items):
        self._items = items

    def ps_enumerate(self):
        return iter(self._items)


class _RemovedFileInfo(FileSystemInfo):
    """A FileInfo whose file was removed after it was made, once refreshed: Length throws as .NET's does."""

    @property
    def Length(self):  # pylint: disable=invalid-name
        raise T.DotNetError("System.IO.FileNotFoundException", "Could not find file '%s'." % self.FullName)


class Identity(V.NetObject):
    """SecurityIdentifier (a SID string) or NTAccount (DOMAIN\\name), as an access rule names its identity
    (https://learn.microsoft.com/dotnet/api/system.security.principal.securityidentifier,
    https://learn.microsoft.com/dotnet/api/system.security.principal.ntaccount)."""

    TYPE_NAME = "System.Security.Principal.IdentityReference"

    def __init__(self, value):
        self.Value = value

    def ToString(self):
        return self.Value


class FileSystemAccessRule(V.NetObject):
    """FileSystemAccessRule(IdentityReference, FileSystemRights, InheritanceFlags, PropagationFlags,
    AccessControlType), https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.filesystemaccessrule.-ctor
    (the enums kept as the text PowerShell converts from)."""

    TYPE_NAME = "System.Security.AccessControl.FileSystemAccessRule"

    def __init__(self, identity, rights, inheritance, propagation, kind):
        self.IdentityReference = identity if isinstance(identity, Identity) else Identity(V.to_string(identity))
        self.FileSystemRights = V.to_string(rights)
        self.InheritanceFlags = V.to_string(inheritance)
        self.PropagationFlags = V.to_string(propagation)
        self.AccessControlType = V.to_string(kind)


# https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.filesystemrights ([Flags]).
FILE_SYSTEM_RIGHTS = T.enum_type("System.Security.AccessControl.FileSystemRights", {
    "ReadData": 1, "CreateFiles": 2, "AppendData": 4, "ReadExtendedAttributes": 8, "WriteExtendedAttributes": 16,
    "ExecuteFile": 32, "DeleteSubdirectoriesAndFiles": 64, "ReadAttributes": 128, "WriteAttributes": 256,
    "Write": 278, "Delete": 65536, "ReadPermissions": 131072, "Read": 131209, "ReadAndExecute": 131241,
    "Modify": 197055, "ChangePermissions": 262144, "TakeOwnership": 524288, "Synchronize": 1048576,
    "FullControl": 2032127}, flags=True)
_RIGHT_ALIASES = {"listdirectory": 1, "writedata": 2, "createdirectories": 4, "traverse": 32}
# https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.propagationflags and .inheritanceflags ([Flags]):
# GetAccessRules gives them as these enums (a payload tests InheritOnly with -band).
PROPAGATION_FLAGS = T.enum_type("System.Security.AccessControl.PropagationFlags",
                                {"None": 0, "NoPropagateInherit": 1, "InheritOnly": 2}, flags=True)
INHERITANCE_FLAGS = T.enum_type("System.Security.AccessControl.InheritanceFlags",
                                {"None": 0, "ContainerInherit": 1, "ObjectInherit": 2}, flags=True)


def rights_number(text):
    """A FileSystemRights text ("Modify", "CreateFiles, AppendData") as its number. A mask with bits no member names
    (GENERIC_WRITE 0x40000000 in a hand-set ACE, https://learn.microsoft.com/windows/win32/secauthz/access-mask) is
    written as its decimal number, which is how the enum shows it."""
    total = 0
    for part in V.to_string(text).split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name.isdigit():
            total |= int(name)
            continue
        total |= next((n for k, n in FILE_SYSTEM_RIGHTS.members.items() if k.lower() == name), None) \
            or _RIGHT_ALIASES[name]
    return total


ADMINISTRATORS_SID, SYSTEM_SID, USERS_SID, CREATOR_OWNER_SID = "S-1-5-32-544", "S-1-5-18", "S-1-5-32-545", "S-1-3-0"
# The ACL a folder the lab keeps no record for has: what it inherits from C:\ProgramData on a default installation
# (SYSTEM and Administrators full control, CREATOR OWNER full control of what one creates, Users read and execute
# and "create files / create folders" in this folder and its subfolders: any local user may create a folder there
# and then owns it), owned by Administrators. This is the review's premise (reviews/detached.md finding 2, "check
# on a host with icacls C:\ProgramData"), not a Microsoft page: the lab models it so the job start's check of a
# parent it did not create acts on the worst default.
DEFAULT_INHERITED_ACL = {"owner": ADMINISTRATORS_SID, "protected": False, "inherited": True, "rules": [
    {"identity": SYSTEM_SID, "rights": "FullControl", "inheritance": "ContainerInherit, ObjectInherit",
     "propagation": "None", "type": "Allow"},
    {"identity": ADMINISTRATORS_SID, "rights": "FullControl", "inheritance": "ContainerInherit, ObjectInherit",
     "propagation": "None", "type": "Allow"},
    {"identity": CREATOR_OWNER_SID, "rights": "FullControl", "inheritance": "ContainerInherit, ObjectInherit",
     "propagation": "InheritOnly", "type": "Allow"},
    {"identity": USERS_SID, "rights": "ReadAndExecute", "inheritance": "ContainerInherit, ObjectInherit",
     "propagation": "None", "type": "Allow"},
    {"identity": USERS_SID, "rights": "CreateFiles, AppendData", "inheritance": "ContainerInherit",
     "propagation": "None", "type": "Allow"}]}


def inherited_rules(rules, is_file, owner):
    """The ACEs a new file (`is_file`) or folder inherits from its folder's `rules`, by the "ACE inheritance rules"
    (https://learn.microsoft.com/windows/win32/secauthz/ace-inheritance-rules): a file inherits the ObjectInherit
    rules as effective ACEs and nothing else; a folder inherits the ContainerInherit rules as effective ACEs that are
    inheritable again with the same flags, and the ObjectInherit-only rules as inherit-only ACEs (ObjectInherit,
    InheritOnly) for its files; a NoPropagateInherit rule reaches the child only, as an effective ACE without
    inheritance flags ("Specifies that the ACE is not propagated to child objects",
    https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.propagationflags), and InheritOnly on the
    folder's rule does not stop it reaching the child ("propagated only to child objects", same page; the flags:
    https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.inheritanceflags). CREATOR OWNER is "a
    placeholder in an inheritable ACE. When the ACE is inherited, the system replaces this SID with the SID for the
    object's creator" (https://learn.microsoft.com/windows/win32/secauthz/well-known-sids): its effective copy names
    `owner`, and where the child inherits it onwards a CREATOR OWNER copy stays, inherit-only."""
    out = []
    for rule in rules:
        inheritance = V.to_enum(rule.get("inheritance") or "None", INHERITANCE_FLAGS).number
        no_propagate = V.to_enum(rule.get("propagation") or "None", PROPAGATION_FLAGS).number & 1
        effective = bool(inheritance & (2 if is_file else 1))  # ObjectInherit reaches files, ContainerInherit folders
        onwards = 0 if is_file or no_propagate else inheritance  # the flags the child's copy keeps
        creator = rule.get("identity") == CREATOR_OWNER_SID
        if effective:
            out.append(dict(rule, identity=owner if creator else rule.get("identity"), propagation="None",
                            inheritance=V.EnumValue(INHERITANCE_FLAGS, 0 if creator else onwards).ToString()))
        if onwards and (creator or not effective):
            out.append(dict(rule, inheritance=V.EnumValue(INHERITANCE_FLAGS, onwards).ToString(), propagation="InheritOnly"))
    return out


class AccessRuleView(V.NetObject):
    """One FileSystemAccessRule of a folder's ACL as Get-Acl's GetAccessRules returns it (identity as the
    SecurityIdentifier asked for, FileSystemRights as the enum, IsInherited)."""

    TYPE_NAME = "System.Security.AccessControl.FileSystemAccessRule"

    def __init__(self, rule, inherited):
        self.IdentityReference = Identity(rule["identity"])
        self.FileSystemRights = V.EnumValue(FILE_SYSTEM_RIGHTS, rights_number(rule["rights"]))
        self.InheritanceFlags = V.to_enum(rule["inheritance"], INHERITANCE_FLAGS)
        self.PropagationFlags = V.to_enum(rule["propagation"], PROPAGATION_FLAGS)
        self.AccessControlType = rule["type"]
        self.IsInherited = bool(inherited)


class AclView(V.NetObject):
    """What Get-Acl returns for a folder (a DirectorySecurity): GetOwner(type), AreAccessRulesProtected and
    GetAccessRules(includeExplicit, includeInherited, type), over the lab's ACL record of the folder
    (https://learn.microsoft.com/powershell/module/microsoft.powershell.security/get-acl?view=powershell-5.1,
    https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.objectsecurity.getowner,
    https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.commonobjectsecurity.getaccessrules).
    Identities come back as SecurityIdentifiers, the type the payloads ask for (names are localized); the lab
    records every rule by SID except a principal given by name, which is recorded as named."""

    TYPE_NAME = "System.Security.AccessControl.DirectorySecurity"

    def __init__(self, path, record, is_file=False):
        self.Path = path
        self._record = record
        if is_file:  # Get-Acl of a file gives a FileSecurity
            self.TYPE_NAME = "System.Security.AccessControl.FileSecurity"  # pylint: disable=invalid-name
        self.AreAccessRulesProtected = bool(record.get("protected"))
        self.Owner = record.get("owner") or ADMINISTRATORS_SID

    def GetOwner(self, target):  # pylint: disable=invalid-name
        return Identity(self.Owner)

    def GetAccessRules(self, explicit, inherited, target):  # pylint: disable=invalid-name
        from_parent = bool(self._record.get("inherited"))
        if (from_parent and not V.to_bool(inherited)) or (not from_parent and not V.to_bool(explicit)):
            return []
        return [AccessRuleView(rule, from_parent) for rule in self._record.get("rules") or []]


class DirectorySecurity(V.NetObject):
    """DirectorySecurity with the members a payload uses to build a new folder's ACL: SetAccessRuleProtection
    (isProtected: no inheritance from the parent; preserveInheritance: copy the inherited rules) and AddAccessRule,
    https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.directorysecurity,
    https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.objectsecurity.setaccessruleprotection"""

    TYPE_NAME = "System.Security.AccessControl.DirectorySecurity"

    def __init__(self):
        self.AreAccessRulesProtected = False
        self._rules = []
        self.owner = None  # SetOwner's SID; None: the creator's default owner (CreateDirectory), unchanged (SetAccessControl)
        # The sections changed since the object was made or last persisted (ObjectSecurity's OwnerModified,
        # AccessRulesModified): SetAccessControl writes only those, then clears them (.NET Framework
        # FileSystemSecurity.Persist: "persistRules = GetAccessControlSectionsFromChanges()", then the flags are
        # reset), so one object given to a second folder writes nothing there.
        self.modified = set()

    def SetOwner(self, identity):  # pylint: disable=invalid-name
        """ObjectSecurity.SetOwner(IdentityReference): the owner the descriptor carries
        (https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.objectsecurity.setowner)."""
        self.owner = identity.Value
        self.modified.add("owner")

    def SetAccessRuleProtection(self, protected, preserve):
        self.AreAccessRulesProtected = bool(protected)
        self._preserve = bool(preserve)  # pylint: disable=attribute-defined-outside-init
        self.modified.add("access")

    def AddAccessRule(self, rule):
        self._rules.append(rule)
        self.modified.add("access")

    def snapshot(self, owner=None):
        return {"owner": owner, "protected": self.AreAccessRulesProtected,
                "preserve_inherited": getattr(self, "_preserve", True),
                "rules": [{"identity": r.IdentityReference.Value, "rights": r.FileSystemRights,
                           "inheritance": r.InheritanceFlags, "propagation": r.PropagationFlags,
                           "type": r.AccessControlType} for r in self._rules]}


class FileSecurity(DirectorySecurity):
    """FileSecurity built new for a file's creation (File.Create(String, Int32, FileOptions, FileSecurity), .NET
    Framework): the same members as DirectorySecurity
    (https://learn.microsoft.com/dotnet/api/system.security.accesscontrol.filesecurity)."""

    TYPE_NAME = "System.Security.AccessControl.FileSecurity"


class FileStream(V.NetObject):
    """System.IO.FileStream over a lab file, buffered as .NET Framework's is (its FileStream.Write, FlushWrite and
    Dispose(Boolean)): a write that fits in the buffer (4096 bytes unless the opener gives a size) waits there until
    Flush, a seek, a read, Dispose or a write that overflows it; an overflowing write tops the buffer up, writes it,
    then writes the rest at once if it is at least the buffer's size, else buffers it. So a disk that refuses the
    bytes fails that call ("FileStream buffers reads and writes", https://learn.microsoft.com/dotnet/api/system.io.filestream;
    Flush and Dispose throw IOException, https://learn.microsoft.com/dotnet/api/system.io.filestream.flush).
    Buffered bytes a write could not write stay buffered (the next Flush or Dispose tries again); a direct write that
    fails moves nothing. Dispose closes the handle even when its flush throws. Reads come from what the file held
    when it was opened, with this stream's own writes."""

    TYPE_NAME = "System.IO.FileStream"

    def __init__(self, session, winpath, data, access, share, buffer_size=4096):
        self._session = session
        self.Name = winpath
        self._data = bytearray(data)  # the file as this stream has written it (buffered bytes excluded)
        self._pos = 0  # where the next write to the file goes; buffered bytes follow it
        self._buffer = b""
        self._buffer_size = buffer_size
        self._disk_exact = True  # False after a refused write left part of it in the file
        self._access = access
        self.share = share
        self._closed = False
        self.CanRead = bool(access & 1)
        self.CanWrite = bool(access & 2)
        self.CanSeek = True

    def _check(self):
        if self._closed:
            raise T.DotNetError("System.ObjectDisposedException", "Cannot access a closed file.")

    @property
    def Length(self):  # pylint: disable=invalid-name
        self._check()
        return V.Long(max(len(self._data), self._pos + len(self._buffer)))

    @property
    def Position(self):  # pylint: disable=invalid-name
        self._check()
        return V.Long(self._pos + len(self._buffer))

    @Position.setter
    def Position(self, value):  # pylint: disable=invalid-name
        """FileStream.Position: settable (CanSeek); past the end is allowed, a negative value throws
        (https://learn.microsoft.com/dotnet/api/system.io.filestream.position)."""
        self._check()
        value = V.to_integer(value)
        if value < 0:
            raise T.DotNetError("System.ArgumentOutOfRangeException",
                                "Non-negative number required.\r\nParameter name: value")
        self._flush_write()  # a seek writes the buffer first
        self._pos = value

    def Write(self, buffer, offset, count):
        self._check()
        if not self.CanWrite:
            raise T.DotNetError("System.NotSupportedException", "Stream does not support writing.")
        data = _bytes(buffer)
        offset, count = V.to_integer(offset), V.to_integer(count)
        if offset < 0 or count < 0 or offset + count > len(data):
            raise T.DotNetError("System.ArgumentException", "Offset and length were out of bounds for the array or count "
                                "is greater than the number of elements from index to the end of the source collection.")
        chunk = bytes(data[offset:offset + count])
        if self._buffer:
            room = self._buffer_size - len(self._buffer)
            self._buffer += chunk[:room]
            if len(chunk) <= room:
                return  # it fits, even exactly: no I/O yet
            chunk = chunk[room:]
            self._flush_write()
        if len(chunk) >= self._buffer_size:
            self._write_core(chunk)
        else:
            self._buffer = chunk

    def WriteByte(self, value):
        """FileStream.WriteByte: a full buffer is written when the next byte arrives, then the byte is buffered."""
        self._check()
        if not self.CanWrite:
            raise T.DotNetError("System.NotSupportedException", "Stream does not support writing.")
        byte = bytes([V.to_integer(value, "System.Byte") & 0xFF])
        if len(self._buffer) >= self._buffer_size:
            self._flush_write()
        self._buffer += byte

    def _flush_write(self):
        """Write the buffered bytes; on a refusal they stay buffered, as in .NET."""
        if self._buffer:
            self._write_core(self._buffer)
            self._buffer = b""

    def _write_core(self, chunk):
        """Write `chunk` to the file at the position (WriteCore), which moves only on success. A refusal is the
        IOException .NET makes from the Win32 error, whose message names no path (ERROR_DISK_FULL, 112: "There is not
        enough space on the disk.", https://learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-)."""
        start = self._pos
        appending = self._disk_exact and start == len(self._data)  # the common case: no copy of the whole file
        content = None if appending else \
            bytes(self._data[:start]).ljust(start, b"\0") + chunk + bytes(self._data[start + len(chunk):])
        try:
            if appending:
                self._session.append_file(self.Name, chunk)
            else:
                self._session.write_file(self.Name, content, dotnet=True, sent=len(chunk))
        except PSError as exc:
            self._disk_exact = False
            if "not enough space" in exc.message:
                raise T.DotNetError("System.IO.IOException", "There is not enough space on the disk.\r\n",
                                    hresult=-2147024784) from None  # 0x80070070: HRESULT_FROM_WIN32(112)
            raise dotnet_error(exc) from None
        if appending:
            self._data += chunk
        else:
            self._data = bytearray(content)
        self._pos = start + len(chunk)
        self._disk_exact = True

    def read_rest(self):
        """What ComputeHash(stream) and CopyTo read: from the position to the end."""
        self._check()
        if not self.CanRead:
            raise T.DotNetError("System.NotSupportedException", "Stream does not support reading.")
        self._flush_write()
        rest = bytes(self._data[self._pos:])
        self._pos = len(self._data)
        return rest

    def Read(self, buffer, offset, count):
        self._check()
        if not self.CanRead:
            raise T.DotNetError("System.NotSupportedException", "Stream does not support reading.")
        self._flush_write()
        offset, count = V.to_integer(offset), V.to_integer(count)
        chunk = self._data[self._pos:self._pos + count]
        for i, byte in enumerate(chunk):
            buffer[offset + i] = byte
        self._pos += len(chunk)
        return len(chunk)

    def Flush(self, flush_to_disk=False):
        """Flush() and Flush(Boolean flushToDisk) (.NET 4.0+): the buffered bytes go to the file."""
        del flush_to_disk
        self._check()
        self._flush_write()

    def Close(self):
        self.Dispose()

    def Dispose(self):
        """Dispose flushes the buffer, then closes the handle even when the flush throws, and the flush's
        IOException reaches the caller (.NET Framework's FileStream.Dispose(Boolean): the flush in a try, the handle
        closed in its finally)."""
        if not self._closed:
            try:
                self._flush_write()
            finally:
                self._closed = True
                self._buffer = b""
                self._session.release(self)


class HashAlgorithm(V.NetObject):
    """SHA256.Create() on .NET Framework (SHA256Managed): ComputeHash(Stream | byte[] [, offset, count])."""

    def __init__(self, name="sha256", type_name="System.Security.Cryptography.SHA256Managed"):
        self._type = type_name
        self._name = name
        self._disposed = False
        self.Hash = None
        self._running = None
        self.HashSize = hashlib.new(name).digest_size * 8

    @property
    def TYPE_NAME(self):  # pylint: disable=invalid-name
        return self._type

    @property
    def TYPE_NAMES(self):  # pylint: disable=invalid-name
        return (self._type, "System.Security.Cryptography.SHA256", "System.Security.Cryptography.HashAlgorithm")

    def ComputeHash(self, data, offset=None, count=None):
        if self._disposed:
            raise T.DotNetError("System.ObjectDisposedException", "Cannot access a disposed object.")
        if data is None:
            raise T.DotNetError("System.ArgumentNullException", "Value cannot be null.\r\nParameter name: buffer")
        if isinstance(data, FileStream):
            raw = data.read_rest()
        else:
            raw = _bytes(data)
            if offset is not None:
                raw = raw[V.to_integer(offset):V.to_integer(offset) + V.to_integer(count)]
        self.Hash = list(hashlib.new(self._name, raw).digest())
        return list(self.Hash)

    def TransformBlock(self, data, offset, count, output=None, output_offset=0):  # pylint: disable=invalid-name
        """HashAlgorithm.TransformBlock: adds data[offset:offset+count] to the hash being computed and returns count
        (https://learn.microsoft.com/dotnet/api/system.security.cryptography.hashalgorithm.transformblock; the
        output buffer, when given, gets a copy of the input: the payloads pass $null)."""
        del output, output_offset
        if self._disposed:
            raise T.DotNetError("System.ObjectDisposedException", "Cannot access a disposed object.")
        raw = _bytes(data)
        offset, count = V.to_integer(offset), V.to_integer(count)
        if self._running is None:
            self._running = hashlib.new(self._name)
        self._running.update(raw[offset:offset + count])
        return count

    def TransformFinalBlock(self, data, offset, count):  # pylint: disable=invalid-name
        """HashAlgorithm.TransformFinalBlock: the last block; Hash then holds the digest and the object starts over
        (https://learn.microsoft.com/dotnet/api/system.security.cryptography.hashalgorithm.transformfinalblock)."""
        self.TransformBlock(data, offset, count)
        self.Hash = list(self._running.digest())
        self._running = None
        return list(_bytes(data))[V.to_integer(offset):V.to_integer(offset) + V.to_integer(count)]

    def Dispose(self):
        self._disposed = True

    def Clear(self):
        self._disposed = True


class StreamReader(V.NetObject):
    """System.IO.StreamReader(Stream, Encoding, Boolean detectEncodingFromByteOrderMarks) over a lab FileStream:
    ReadLine returns the next line without its end ("\n", "\r" or "\r\n") or $null at the end of the stream
    (https://learn.microsoft.com/dotnet/api/system.io.streamreader.readline), reading from the stream's position when
    the reader was made; the encoding decodes each line (UTF8Encoding(false, true): invalid bytes throw).
    Dispose closes the stream."""

    TYPE_NAME = "System.IO.StreamReader"

    def __init__(self, stream, encoding=None, detect=True):
        if not isinstance(stream, FileStream):
            raise T.DotNetError("System.NotSupportedException", "the lab's StreamReader reads a FileStream")
        self._stream = stream
        self._encoding = encoding if isinstance(encoding, T.Encoding) else T.Encoding(False)
        self._detect = V.to_bool(detect)
        self._data = None
        self._at = 0

    def ReadLine(self):  # pylint: disable=invalid-name
        if self._data is None:
            self._data = self._stream.read_rest()
            if self._detect and self._data.startswith(b"\xef\xbb\xbf"):
                self._at = 3
        if self._at >= len(self._data):
            return None
        data, start = self._data, self._at
        end = start
        while end < len(data) and data[end] not in (10, 13):
            end += 1
        self._at = end + 1
        if end < len(data) and data[end] == 13 and end + 1 < len(data) and data[end + 1] == 10:
            self._at += 1
        return self._encoding.decode(bytes(data[start:end]))

    def Dispose(self):
        self._stream.Dispose()

    def Close(self):
        self.Dispose()


class FileHash(V.NetObject):
    """What Get-FileHash returns (Microsoft.PowerShell.Commands.FileHashInfo): Algorithm, Hash, Path."""

    TYPE_NAME = "Microsoft.Powershell.Utility.FileHash"

    def __init__(self, algorithm, digest, path):
        self.Algorithm = algorithm
        self.Hash = digest
        self.Path = path


def _bytes(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes(V.to_integer(b, "System.Byte") for b in V.enumerate_value(value))


# --- encodings of the content cmdlets and File.*AllText -------------------------------------------

def _decode(data):
    """Text as Windows PowerShell 5.1 and .NET read it: the BOM decides; without one, UTF-8 for .NET's
    ReadAllText (default_ansi False) — Get-Content reads the ANSI code page (cp1252 on the lab's en-US hosts)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le", "replace")
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", "replace")
    return None


def _encoding_bytes(text, encoding):
    """Set-Content -Encoding (FileSystemCmdletProviderEncoding); default 'Default', the ANSI code page."""
    name = V.to_string(encoding or "Default").lower()
    table = {"unicode": ("utf-16-le", b"\xff\xfe"), "bigendianunicode": ("utf-16-be", b"\xfe\xff"),
             "utf8": ("utf-8", b"\xef\xbb\xbf"), "utf7": ("utf-7", b""), "utf32": ("utf-32-le", b"\xff\xfe\x00\x00"),
             "bigendianutf32": ("utf-32-be", b"\x00\x00\xfe\xff"), "ascii": ("ascii", b""),
             "default": ("cp1252", b""), "oem": ("cp437", b""), "string": ("utf-16-le", b"\xff\xfe"),
             "unknown": ("utf-16-le", b"\xff\xfe")}
    codec, bom = table.get(name, ("cp1252", b""))
    return bom + text.encode(codec, "replace" if codec != "ascii" else "replace")


ENCODING_NAMES = "Unknown, String, Unicode, Byte, BigEndianUnicode, UTF8, UTF7, UTF32, Ascii, Default, Oem, BigEndianUTF32"


# --- paths ------------------------------------------------------------------------------------------

def _strip_provider(path):
    text = V.to_string(path)
    return text[len(PROVIDER_PREFIX):] if text.lower().startswith(PROVIDER_PREFIX.lower()) else text


def _paths(call):
    literal = call.args.get("LiteralPath")
    return [_strip_provider(p) for p in V.enumerate_value(literal if literal is not None else call.args.get("Path"))]


WILDCARDS = "*?["
PROVIDER_DRIVE = re.compile(r"^(?P<drive>[A-Za-z][A-Za-z0-9_]+):")


def provider_drive(path):
    """'Cert' for 'Cert:\\LocalMachine\\My', 'HKLM' for 'HKLM:\\SOFTWARE': a drive of another provider (one letter
    is a FileSystem drive)."""
    found = PROVIDER_DRIVE.match(str(path))
    return found.group("drive") if found else None


def parent_of(path):
    """Split-Path -Parent: the container of a path ('' for a drive root or a share root)."""
    text = str(path)
    prefix = ""
    for marker in ("\\\\?\\UNC\\", "\\\\?\\"):
        if text.upper().startswith(marker.upper()):
            prefix, text = text[:len(marker)], text[len(marker):]
            break
    if prefix.upper().endswith("UNC\\") or (not prefix and text.startswith("\\\\")):
        lead = "" if prefix else "\\\\"
        parts = text.lstrip("\\").rstrip("\\").split("\\")
        return prefix + lead + "\\".join(parts[:-1]) if len(parts) > 2 else ""
    stripped = text.rstrip("\\")
    if len(stripped) == 2 and stripped[1] == ":":
        return ""
    head = stripped.rsplit("\\", 1)[0] if "\\" in stripped else ""
    if len(head) == 2 and head[1] == ":":
        head += "\\"
    return prefix + head if head else ""


def leaf_of(path):
    text = str(path).rstrip("\\")
    return text.rsplit("\\", 1)[-1] if "\\" in text else text


def install(session):
    ctx = session.ctx
    engine = session.engine
    if not hasattr(session, "providers"):
        session.providers = {}  # other providers' drives: {'cert': provider}, see other_provider
    handles = []  # open FileStreams of this session: (real path, stream)

    # -- helpers bound to the session -------------------------------------------------------------

    def locate(path, write=False):
        return fsops.locate(ctx, path, write=write)

    def in_use(path, wanted_share):
        """A stream of this session holds the file and does not share what is wanted (FileShare)."""
        real = locate(path).real
        for held, stream in handles:
            if held == real and (stream.share & wanted_share) != wanted_share:
                return True
        return False

    def delete_refused(path):
        """Deleting, moving or renaming the file needs every handle on it (this session's, or another process's:
        held_elsewhere) to share delete (FILE_SHARE_DELETE: "Enables subsequent open operations on a file or device to
        request delete access. Otherwise, other processes cannot open the file or device if they request delete
        access", CreateFileW, https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew)."""
        return in_use(path, 4) or any(not share & 4 for dummy, share in held_elsewhere(path))

    def held_elsewhere(path):
        """(access, share) of each handle another process of the host holds on the file (a timed-out item still
        running: robocopy, SQL Server's BACKUP; another run's lync_job_start holding jobs.lock): the lab state's
        `lab.open_for_write` lists them, each either "<fqdn>|<local path>" (a writer that shares read and write,
        FileAccess Write, FileShare ReadWrite) or {"file": "<fqdn>|<local path>", "access": FileAccess, "share":
        FileShare} (names or numbers: Read 1, Write 2, ReadWrite 3; FileShare None 0, Delete 4)."""
        found = []
        real = None
        for entry in ctx.state.get("lab", {}).get("open_for_write") or []:
            if isinstance(entry, dict):
                target, access, share = entry["file"], _share_bits(entry["access"]), _share_bits(entry["share"])
            else:
                target, access, share = entry, 2, 3
            real = real if real is not None else locate(path).real
            if fsops.lab_file(ctx, target) == real:
                found.append((access, share))
        return found

    def sharing_violation(path, access, share):
        """An open of an existing file with FileAccess `access` and FileShare `share` (numbers) that an open handle
        (this session's, or another process's: held_elsewhere) refuses. Windows checks both ways: the new open's
        access must be allowed by every existing handle's share mode, and every existing handle's access by the new
        open's share mode - "You cannot request a sharing mode that conflicts with the access mode that is specified
        in an existing request that has an open handle" and FILE_SHARE_READ / FILE_SHARE_WRITE "Enables subsequent
        open operations on a file ... to request read / write access. Otherwise, other processes cannot open the
        file" (CreateFileW, dwShareMode, https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew;
        the table of "Creating and Opening Files", https://learn.microsoft.com/windows/win32/fileio/creating-and-opening-files).
        .NET reports the refusal as an IOException whose HResult is HRESULT_FROM_WIN32(ERROR_SHARING_VIOLATION),
        0x80070020 (__Error.WinIOError; "Handling I/O errors in .NET": the Win32 code is HResult's low 16 bits,
        https://learn.microsoft.com/dotnet/standard/io/handling-io-errors)."""
        real = locate(path).real
        held = [(stream._access, stream.share) for where, stream in handles  # pylint: disable=protected-access
                if where == real] + held_elsewhere(path)
        if any(access & ~held_share & 3 or held_access & ~share & 3 for held_access, held_share in held):
            return T.DotNetError("System.IO.IOException", "The process cannot access the file '%s' because it is "
                                 "being used by another process." % path, hresult=0x80070020)
        return None

    def open_error(path):
        """Lab state `lab.open_errors`: {"<fqdn>|<local path>": {"code": Win32 error, "message": its text}} - the
        volume fails every open of that file with that error (ERROR_FILE_CORRUPT 1392 "The file or directory is
        corrupted and unreadable.", ERROR_DISK_FULL 112 ...): .NET's WinIOError gives a code it does not map to a
        subclass as a plain IOException with the system's message and HResult 0x8007<code>. The codes WinIOError does
        map become its exception: ERROR_ACCESS_DENIED (5) an UnauthorizedAccessException "Access to the path '<path>'
        is denied." (HResult 0x80070005), as a ReadOnly or Hidden file, a denying ACL or a file pending deletion
        give (referencesource mscorlib/system/io/__error.cs, WinIOError)."""
        errors = ctx.state.get("lab", {}).get("open_errors") or {}
        real = locate(path).real
        for target, error in errors.items():
            if fsops.lab_file(ctx, target) == real:
                code = int(error["code"]) & 0xFFFF
                if code == 5:
                    return T.DotNetError("System.UnauthorizedAccessException",
                                         "Access to the path '%s' is denied." % path, hresult=0x80070005)
                if code in (2, 3, 32, 206):
                    raise ValueError("lab.open_errors: Win32 error %d has its own model in the lab (a missing file or "
                                     "folder, a holder in lab.open_for_write, a long path); plant that instead" % code)
                return T.DotNetError("System.IO.IOException", error["message"], hresult=0x80070000 | code)
        return None

    def attribute_entries(real):
        """The keys of lab state `lab.attributes` that name the lab file `real`."""
        return [target for target in ctx.state.get("lab", {}).get("attributes") or {} if fsops.lab_file(ctx, target) == real]

    def planted_attributes(real):
        """Lab state `lab.attributes`: {"<fqdn>|<local path>": "ReadOnly, Hidden, System"} - the file attributes a test
        gives a file (FileAttributes, https://learn.microsoft.com/dotnet/api/system.io.fileattributes), as bits. They
        stay with the path, not the file (a move does not carry them), and go when the lab deletes the file."""
        planted = ctx.state.get("lab", {}).get("attributes") or {}
        bits = 0
        for target in attribute_entries(real):
            bits |= V.to_enum(planted[target], FILE_ATTRIBUTES).number & 7
        return bits

    def remove_file(winpath, real):
        """fsops.remove of a file, and the attributes planted on it go with it."""
        fsops.remove(ctx, winpath)
        planted = ctx.state.get("lab", {}).get("attributes") or {}
        for target in attribute_entries(real):
            del planted[target]

    def stale_entry(real):
        """(bytes, last write UTC) a folder's enumeration reports for a file whose directory entry NTFS has not
        brought up to date: FindNextFileW's page ("file attribute information on NTFS file systems may not be
        current", https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-findnextfilew); CreateHardLinkW's
        remarks (the entry is updated only for the link through which a change was made,
        https://learn.microsoft.com/windows/win32/api/winbase/nf-winbase-createhardlinkw). The lab state's
        `lab.stale_entries` maps "<fqdn>|<local path>" to {"bytes", "mtime" (POSIX seconds)}; None otherwise."""
        for key, listed in (ctx.state.get("lab", {}).get("stale_entries") or {}).items():
            if fsops.lab_file(ctx, key) == real:
                when = datetime.datetime.fromtimestamp(listed["mtime"], datetime.timezone.utc).replace(tzinfo=None)
                return int(listed["bytes"]), when
        return None

    def busy(path):
        return PSError("The process cannot access the file '%s' because it is being used by another process." % path,
                       "WriteError", "IOException")

    def write_file(path, data, dotnet=False, sent=None, security=None):
        del dotnet
        created = not locate(path).real.exists()
        fsops.write_bytes(ctx, path, data, sent=sent)
        stamp(engine, locate(path).real)
        if created:
            own_new_file(path, security)

    def own_new_file(path, security):
        """A file this session creates gets the owner and ACL Windows gives it: with a FileSecurity (File.Create's
        fileSecurity) that descriptor, its owner named or else the token's default owner; without one, the ACL it
        inherits and the token's default owner (default_owner: the user under the "Object creator" option, KB 318825).
        The lab records an ACL for the file only where it differs from the inherited one owned by Administrators;
        a record left by an earlier file of that name is dropped."""
        key = V.to_string(path).rstrip("\\").lower()
        acls = ctx.record.get("acls") or {}
        acls.pop(key, None)
        if security is not None:
            owner = allowed_owner(security.owner) if security.owner else default_owner()
            ctx.record.setdefault("acls", {})[key] = security.snapshot(owner=owner)
        elif default_owner() != ADMINISTRATORS_SID:
            ctx.record.setdefault("acls", {})[key] = acl_record(V.to_string(path), True, default_owner())
        elif "acls" in ctx.record and not acls:
            del ctx.record["acls"]

    def open_stream(path, mode, access, share, security=None, buffer_size=4096):
        mode_label, mode_number = mode
        access_number = access[1]
        loc = locate(path, write=bool(access_number & 2) or mode_label != "Open")
        real = loc.real
        if real.is_dir():
            raise PSError("Access to the path '%s' is denied." % path, "PermissionDenied", "UnauthorizedAccessException")
        if not real.parent.is_dir():
            raise PSError("Could not find a part of the path '%s'." % path, "ObjectNotFound", "DirectoryNotFoundException")
        exists = real.exists()
        if mode_number == 1 and exists:  # CreateNew: ERROR_FILE_EXISTS (80), HResult 0x80070050
            # (https://learn.microsoft.com/dotnet/api/system.io.filemode: "an IOException exception is thrown if the file
            # already exists"; https://learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-)
            raise T.DotNetError("System.IO.IOException", "The file '%s' already exists." % path, hresult=-2147024816)
        if mode_number in (3, 5) and not exists:  # Open, Truncate
            raise PSError("Could not find file '%s'." % path, "ObjectNotFound", "FileNotFoundException")
        if mode_number == 6 and access_number & 1:  # Append with read access
            raise PSError("Combining FileMode: Append with FileAccess: %s is invalid.\r\nParameter name: access"
                          % access[0], "InvalidArgument", "ArgumentException")
        refused = (open_error(path) or sharing_violation(path, access_number, share[1])) if exists else None
        if refused is not None:
            raise refused  # a .NET exception, which PowerShell wraps for the caller to catch
        data = b"" if mode_number in (1, 2, 5) or not exists else \
            fsops.read_bytes(ctx, path, counted=bool(access_number & 1))
        if mode_number in (1, 2, 4, 5, 6) and (not exists or mode_number in (2, 5)):
            write_file(path, b"", security=security)  # a security descriptor applies to a file created, not one opened
        stream = FileStream(session, path, data, access_number, share[1], V.to_integer(buffer_size))
        if mode_number == 6:
            stream._pos = len(data)  # pylint: disable=protected-access
        handles.append((locate(path).real, stream))
        return stream

    def release(stream):
        for i, (dummy, held) in enumerate(handles):
            if held is stream:
                del handles[i]
                break

    def append_file(path, data):
        fsops.append_bytes(ctx, path, data)
        stamp(engine, locate(path).real)

    session.write_file = write_file
    session.append_file = append_file
    session.stale_entry = stale_entry
    session.planted_attributes = planted_attributes
    session.open_stream = open_stream
    session.release = release

    def item(path):
        return FileSystemInfo(path, locate(path).real, session)

    def expand(path):
        """-Path takes wildcards (about_Wildcards): the existing items whose path matches, in name order."""
        if not any(c in path for c in WILDCARDS) or path.startswith("\\\\?\\"):
            return [path]
        parts = path.split("\\")
        head = 4 if path.startswith("\\\\") else 1  # \\server\share\ or D:\
        found = ["\\".join(parts[:head])]
        for part in parts[head:]:
            if not part:
                continue
            following = []
            for base in found:
                if not any(c in part for c in WILDCARDS):
                    following.append(fsops.join(base, part))
                    continue
                try:
                    folder = locate(base).real
                except PSError:
                    continue
                if folder.is_dir():
                    following += [fsops.join(base, e.name) for e in sorted(folder.iterdir(), key=lambda e: e.name.lower())
                                  if V.to_bool(O.comparison("like", e.name, part))]
            found = following
        return [f for f in found if _exists(f)]

    def _exists(path):
        try:
            return locate(path).real.exists()
        except PSError:
            return False

    def resolved(call):
        """The paths a command works on: -LiteralPath as given, -Path with its wildcards expanded."""
        if call.args.get("LiteralPath") is not None:
            return _paths(call)
        return [p for path in _paths(call) for p in expand(path)]

    def other_provider(call, path, verb):
        """A path on another provider's drive (Cert:, HKLM:, Env:): the provider registered for it in
        session.providers (an object with the verb's method, e.g. get_item(call, path)), else PowerShell's
        DriveNotFound. Returns (handled, output)."""
        drive = provider_drive(path)
        if drive is None:
            return False, None
        provider = getattr(session, "providers", {}).get(drive.lower())
        if provider is None or not hasattr(provider, verb):
            if verb == "test_path":
                return True, [False]
            call.error("Cannot find drive. A drive with the name '%s' does not exist." % drive,
                       "System.Management.Automation.DriveNotFoundException", "DriveNotFound", "ObjectNotFound", drive)
            return True, []
        return True, getattr(provider, verb)(call, path) or []

    def not_found(call, path):
        call.error("Cannot find path '%s' because it does not exist." % path,
                   "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", path)

    def lab_error(call, err, path, error_id):
        """A lab rule's refusal (fsops) as the cmdlet's non-terminating error."""
        kind = fsops.exception_type(err)
        category = {"System.UnauthorizedAccessException": "PermissionDenied"}.get(kind, err.category or "WriteError")
        call.error(err.message, kind, error_id, category, path)

    # -- Test-Path, Join-Path, Split-Path -------------------------------------------------------

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
            handled, answer = other_provider(call, path, "test_path")
            if handled:
                out.extend(answer)
                continue
            if call.args.get("LiteralPath") is None and any(c in path for c in WILDCARDS) and not call.switch("IsValid"):
                out.append(any(locate(p).real.is_dir() if kind == "container" else locate(p).real.is_file()
                               if kind == "leaf" else True for p in expand(path)))
                continue
            if call.switch("IsValid"):
                out.append(not any(c in path[2:] for c in '<>|"?*') or path.startswith("\\\\?\\"))
                continue
            try:
                real = locate(path).real
            except PSError:
                out.append(False)
                continue
            out.append(real.is_dir() if kind == "container" else real.is_file() if kind == "leaf" else real.exists())
        return out

    def join_path(call):
        child = V.to_string(call.args["ChildPath"])
        out = []
        for path in V.enumerate_value(call.args["Path"]):
            joined = fsops.join(V.to_string(path), child) if child else V.to_string(path)
            if call.switch("Resolve"):
                try:
                    exists = locate(joined).real.exists()
                except PSError:
                    exists = False
                if not exists:
                    not_found(call, joined)
                    continue
            out.append(joined)
        return out

    def split_path(call):
        out = []
        for path in _paths(call):
            if call.switch("Leaf"):
                out.append(leaf_of(path))
            elif call.switch("Qualifier"):
                if len(path) > 1 and path[1] == ":":
                    out.append(path[:2])
                else:
                    call.error("Cannot parse path because path '%s' does not have a qualifier specified." % path,
                               "System.Management.Automation.ParameterBindingException", "ParsePathFormatError",
                               "InvalidArgument", path)
            elif call.switch("NoQualifier"):
                out.append(path[2:] if len(path) > 1 and path[1] == ":" else path)
            elif call.switch("IsAbsolute"):
                out.append(path.startswith("\\") or (len(path) > 2 and path[1] == ":" and path[2] in "\\/"))
            else:
                out.append(parent_of(path))
        return out

    # -- Get-Item, Get-ChildItem ------------------------------------------------------------------

    def get_item(call):
        out = []
        for path in _paths(call):
            handled, answer = other_provider(call, path, "get_item")
            if handled:
                out.extend(answer)
                continue
            matches = expand(path) if call.args.get("LiteralPath") is None else [path]
            if not matches:
                continue  # a wildcard that matches nothing is no error
            for one in matches:
                out.extend(get_one_item(call, one))
        return out

    def get_one_item(call, path):
        try:
            real = locate(path).real
        except PSError as err:
            lab_error(call, err, path, "ItemExistsUnauthorizedAccessError")
            return []
        if not real.exists():
            not_found(call, path)
            return []
        return [FileSystemInfo(path, real, session)]

    def get_child_item(call):
        out = []
        recurse = call.switch("Recurse") or call.args.get("Depth") is not None
        depth = V.to_integer(call.args["Depth"]) if call.args.get("Depth") is not None else None
        only_dirs, only_files = call.switch("Directory"), call.switch("File")
        pattern = call.args.get("Filter")
        includes = [V.to_string(i) for i in V.enumerate_value(call.args.get("Include"))] if call.args.get("Include") else []
        excludes = [V.to_string(i) for i in V.enumerate_value(call.args.get("Exclude"))] if call.args.get("Exclude") else []
        listed = []
        for given in _paths(call) or ["."]:
            handled, answer = other_provider(call, given, "get_child_item")
            if handled:
                out.extend(answer)
                continue
            if call.args.get("LiteralPath") is None and any(c in given for c in WILDCARDS):
                last_wild = any(c in given.rstrip("\\").rsplit("\\", 1)[-1] for c in WILDCARDS)
                for match in expand(given):
                    real_match = locate(match).real
                    if last_wild and (real_match.is_file() or not recurse):
                        if not ((only_dirs and not real_match.is_dir()) or (only_files and not real_match.is_file())):
                            out.append(FileSystemInfo(match, real_match, session))
                        continue
                    listed.append(match)
                continue
            listed.append(given)
        for path in listed:
            try:
                loc = locate(path)
            except PSError as err:
                lab_error(call, err, path, "DirUnauthorizedAccessError" if "denied" in err.message else "DirIOError")
                continue
            if not loc.real.exists():
                not_found(call, path)
                continue
            if loc.real.is_file():
                out.append(FileSystemInfo(path, loc.real, session))
                continue
            entries = sorted(loc.real.rglob("*") if recurse else loc.real.iterdir(), key=lambda p: str(p).lower())
            for entry in entries:
                relative = entry.relative_to(loc.real).as_posix().replace("/", "\\")
                if depth is not None and relative.count("\\") > depth:
                    continue
                full = fsops.join(path, relative)
                if not loc.extended and len(full) > 259:
                    # PowerShell 5.1 enumerates through .NET, which refuses a path past MAX_PATH (DirIOError).
                    call.error(fsops.paths.path_too_long(full).message, "System.IO.PathTooLongException", "DirIOError",
                               "ReadError", full)
                    continue
                if (only_dirs and not entry.is_dir()) or (only_files and not entry.is_file()):
                    continue
                if pattern is not None and not V.to_bool(O.comparison("like", entry.name, pattern)):
                    continue
                if includes and not any(V.to_bool(O.comparison("like", entry.name, i)) for i in includes):
                    continue
                if any(V.to_bool(O.comparison("like", entry.name, e)) for e in excludes):
                    continue
                out.append(V.to_string(entry.name if not recurse else relative) if call.switch("Name")
                           else FileSystemInfo(full, entry, session, stale_entry(entry)))
        removed_after_listing()
        return out

    def removed_after_listing():
        """Another process removes files right after an enumeration listed them (while the payload sorts what it
        got): the lab state's `lab.removed_after_listing` lists "<fqdn>|<local path>"; each is removed once."""
        names = ctx.state.get("lab", {}).get("removed_after_listing") or []
        for key in list(names):
            real = fsops.lab_file(ctx, key)
            if real.is_file():
                real.unlink()
                names.remove(key)

    # -- New-Item, Remove-Item, Rename-Item, Move-Item, Copy-Item ---------------------------------

    def item_type(value):
        text = V.to_string(value or "File").lower()
        for kind in ("directory", "file", "symboliclink", "junction", "hardlink"):
            if kind.startswith(text):
                return kind
        return None

    def new_hard_link(call, path):
        """New-Item -ItemType HardLink -Path <new> -Value <existing> (Windows PowerShell 5.0 and later: the 5.1
        New-Item page lists HardLink among the FileSystem item types; the link types came with 5.0, and
        earlier versions know only file and directory). PowerShell resolves -Value as a path with wildcards, so a target
        name with [ ] is not found (MicrosoftDocs/PowerShell-Docs#5552); then CreateHardLinkW
        (fsops.hard_link) with its Win32 error's message when it fails. Without -Force an existing name is
        refused."""
        target = V.to_string(call.args.get("Value") or "")
        if any(c in target for c in WILDCARDS) and not target.startswith("\\\\?\\"):
            matches = expand(target)
            if len(matches) != 1:
                call.error("Cannot find path '%s' because it does not exist." % target,
                           "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", target)
                return []
            target = matches[0]
        try:
            if locate(path, write=True).real.exists():
                call.error("The file '%s' already exists." % path, "System.IO.IOException", "NewItemIOError",
                           "WriteError", path)
                return []
            if not locate(target).real.exists():
                call.error("Cannot find path '%s' because it does not exist." % target,
                           "System.Management.Automation.ItemNotFoundException", "PathNotFound", "ObjectNotFound", target)
                return []
            if not call.should_process("Destination: %s" % path, "Create Hard Link"):
                return []
            fsops.hard_link(ctx, path, target)
        except PSError as err:
            if err.code is None and err.error_id in ("UnauthorizedAccessException", "DirectoryNotFoundException"):
                lab_error(call, err, path, "NewItemIOError")
                return []
            # The provider makes a Win32Exception of CreateHardLinkW's GetLastWin32Error and throws it; for
            # ERROR_INVALID_FUNCTION (1) it writes an InvalidOperationException around it (PowerShell's
            # FileSystemProvider.NewItem, PowerShell/PowerShell; its text for 5.1 not verified).
            win32 = NetException(err.message, "System.ComponentModel.Win32Exception")
            win32.NativeErrorCode = err.code or 0
            if err.code == 1:
                call.error("", net_exception=NetException("Hard links are not supported for the specified path.",
                                                          "System.InvalidOperationException", win32),
                           error_id="NewItemInvalidOperation", category="InvalidOperation", target=path)
            else:
                call.error(err.message, error_id="NewItemIOError", category="WriteError", target=path,
                           net_exception=win32)
            return []
        return [item(path)]

    def new_item(call):
        kind = item_type(call.args.get("ItemType"))
        # The session's own PowerShell (as $PSVersionTable says: session.py), not the release's default: a host older
        # than 5.1 runs no payload at all (ansible-core refuses it; docs/preflight.md).
        if kind == "hardlink" and powershell_version({"powershell_version": ctx.record.get("powershell_version") or "5.1"}) < (5, 0):
            call.terminate("The type is not a known type for the file system. Only \"file\" and \"directory\" can be "
                           "specified.", "System.Management.Automation.PSArgumentException", "Argument",
                           "InvalidArgument")
        if kind == "hardlink":
            if call.args.get("Path") is None:
                call.terminate("Cannot process command because of one or more missing mandatory parameters: Path.",
                               "System.Management.Automation.ParameterBindingException", "MissingMandatoryParameter",
                               "InvalidArgument")
            name = call.args.get("Name")
            return [o for parent in _paths(call)
                    for o in new_hard_link(call, fsops.join(parent, V.to_string(name)) if name is not None else parent)]
        if kind not in ("directory", "file"):
            call.terminate("The type is not a known type for the file system. Only \"file\",\"directory\",\"symboliclink\","
                           "\"junction\",\"hardlink\" can be specified." if kind is None else
                           "lab: New-Item -ItemType %s is not modelled" % kind,
                           "System.Management.Automation.PSArgumentException", "Argument", "InvalidArgument")
        name = call.args.get("Name")
        if name is None and call.args.get("Path") is None:
            call.terminate("Cannot process command because of one or more missing mandatory parameters: Path.",
                           "System.Management.Automation.ParameterBindingException", "MissingMandatoryParameter",
                           "InvalidArgument")
        parents = _paths(call) if call.args.get("Path") is not None else [engine.env_get("TEMP") or "C:\\"]
        force = call.switch("Force")
        out = []
        for parent in parents:
            path = fsops.join(parent, V.to_string(name)) if name is not None else parent
            action = "Create Directory" if kind == "directory" else "Create File"
            try:
                loc = locate(path, write=True)
                if kind == "directory":
                    if loc.real.exists():
                        if loc.real.is_dir() and force:
                            out.append(item(path))
                            continue
                        if force:  # a file by that name: CreateSubdirectory's IOException, dropped (see below)
                            continue
                        call.error("An item with the specified name %s already exists." % path, "System.IO.IOException",
                                   "DirectoryExist", "ResourceExists", path)
                        continue
                    if not call.should_process("Destination: %s" % path, action):
                        continue
                    fsops.make_dirs(ctx, path)
                    out.append(item(path))
                    continue
                if loc.real.is_dir() or (loc.real.exists() and not force):
                    call.error("The file '%s' already exists." % path, "System.IO.IOException", "NewItemIOError",
                               "WriteError", path)
                    continue
                if not loc.real.parent.is_dir() and not force:
                    call.error("Could not find a part of the path '%s'." % path, "System.IO.DirectoryNotFoundException",
                               "NewItemIOError", "WriteError", path)
                    continue
                if not call.should_process("Destination: %s" % path, action):
                    continue
                value = call.args.get("Value")
                text = "" if value is None else V.to_string(value)
                write_file(path, _encoding_bytes(text, "Default"))
                out.append(item(path))
            except PSError as err:
                if kind == "directory" and force and fsops.io_exception(err):
                    # Windows PowerShell 5.1's FileSystemProvider.CreateDirectory (PowerShell/PowerShell, the 5.1 code
                    # base at commit 60b3b304f2, src/System.Management.Automation/namespaces/FileSystemProvider.cs,
                    # CreateDirectory: "catch (IOException ioException) { // Ignore the error if force was specified
                    # if (!Force) WriteError(...) }"; CreateIntermediateDirectories makes each missing parent through
                    # the same CreateDirectory): under -Force every IOException (PathTooLongException,
                    # DirectoryNotFoundException, "The network name cannot be found", a full disk, a file by that
                    # name) is dropped: no output, no error. UnauthorizedAccessException and ArgumentException are
                    # still written. PowerShell issue #5290, "New-Item -Type Directory -Force doesn't error when it
                    # should" ("the behavior forever"). A script must test the folder afterwards (Test-Path).
                    continue
                lab_error(call, err, path, "NewItemIOError")
        return out

    def remove_item(call):
        recurse = call.switch("Recurse")
        pattern = call.args.get("Filter")
        for path in resolved(call):
            handled, dummy = other_provider(call, path, "remove_item")
            if handled:
                continue
            try:
                loc = locate(path, write=True)
                if not loc.real.exists():
                    not_found(call, path)
                    continue
                if pattern is not None and not V.to_bool(O.comparison("like", loc.real.name, pattern)):
                    continue
                directory = loc.real.is_dir()
                if directory and any(loc.real.iterdir()) and not recurse:
                    # Without -Recurse PowerShell asks (ShouldContinue); win_powershell's host cannot prompt.
                    call.error("The item at %s has children and the Recurse parameter was not specified. If you continue, "
                               "all children will be removed with the item. Are you sure you want to continue?" % path,
                               "System.Management.Automation.Host.HostException", "RemoveItemUnauthorizedAccessError",
                               "NotSpecified", path)
                    continue
                if not call.should_process(path, "Remove Directory" if directory else "Remove File"):
                    continue
                held = [s for real, s in handles if real == loc.real or loc.real in real.parents]
                if held or (not directory and delete_refused(path)):
                    raise busy(path)
                if not directory and planted_attributes(loc.real) and not call.switch("Force"):
                    # The FileSystem provider's RemoveFileSystemItem: without -Force, a Hidden, System or ReadOnly item
                    # is refused (FileSystemProviderStrings CannotRemoveItem / PermissionError); with -Force it strips
                    # those attributes and deletes (PowerShell's FileSystemProvider.cs).
                    call.error("Cannot remove item %s: You do not have sufficient access rights to perform this "
                               "operation." % path, "System.IO.IOException", "RemoveFileSystemItemUnAuthorizedAccess",
                               "PermissionDenied", path)
                    continue
                if directory:
                    fsops.remove(ctx, path)
                else:
                    remove_file(path, loc.real)
                forget_acls(loc.winpath if hasattr(loc, "winpath") else path)
            except PSError as err:
                lab_error(call, err, path, "RemoveFileSystemItemIOError")

    def forget_acls(winpath):
        """A removed folder's ACL goes with it (the lab's `acls` record of CreateDirectory(path, DirectorySecurity))."""
        gone = V.to_string(winpath).rstrip("\\").lower()
        acls = ctx.record.get("acls") or {}
        for key in [k for k in acls if k == gone or k.startswith(gone + "\\")]:
            del acls[key]
        if "acls" in ctx.record and not acls:
            del ctx.record["acls"]

    def rename_item(call):
        path = _strip_provider(call.args.get("LiteralPath") or call.args.get("Path"))
        new_name = V.to_string(call.args["NewName"])
        try:
            loc = locate(path, write=True)
            if not loc.real.exists():
                call.error("Cannot rename because item at '%s' does not exist." % path,
                           "System.Management.Automation.PSInvalidOperationException", "InvalidOperation",
                           "InvalidOperation", path)
                return None
            target = fsops.join(parent_of(path), new_name) if "\\" not in new_name else new_name
            if not call.should_process("Item: %s Destination: %s" % (path, target), "Rename Item"):
                return None
            if [s for real, s in handles if real == loc.real or loc.real in real.parents] or delete_refused(path):
                raise busy(path)
            renamed = fsops.rename(ctx, path, new_name)
        except PSError as err:
            lab_error(call, err, path, "RenameItemIOError")
            return None
        return [item(renamed)] if call.switch("PassThru") else None

    def destination_for(source, destination):
        """Where an item goes: into `destination` when that is an existing folder, else `destination` itself."""
        try:
            loc = locate(destination)
        except PSError:
            return destination
        return fsops.join(destination, leaf_of(source)) if loc.real.is_dir() else destination

    def move_item(call):
        destination = _strip_provider(call.args.get("Destination") or ".")
        out = []
        for path in resolved(call):
            try:
                loc = locate(path, write=True)
                if not loc.real.exists():
                    not_found(call, path)
                    continue
                target = destination_for(path, destination)
                action = "Move Directory" if loc.real.is_dir() else "Move File"
                if not call.should_process("Item: %s Destination: %s" % (path, target), action):
                    continue
                if [s for real, s in handles if real == loc.real or loc.real in real.parents]:
                    raise busy(path)
                dest = locate(target, write=True)
                if dest.real.exists():
                    if not call.switch("Force") or dest.real.is_dir():
                        call.error("Cannot create a file when that file already exists.", "System.IO.IOException",
                                   "MoveFileInfoItemIOError", "WriteError", path)
                        continue
                    fsops.remove(ctx, target)
                fsops.move(ctx, path, target)
                if call.switch("PassThru"):
                    out.append(item(target))
            except PSError as err:
                lab_error(call, err, path, "MoveFileInfoItemIOError")
        return out

    def copy_one(source, target):
        data = fsops.read_bytes(ctx, source)
        write_file(target, data)
        os.utime(locate(target).real, (locate(source).real.stat().st_atime, locate(source).real.stat().st_mtime))

    def copy_item(call):
        destination = _strip_provider(call.args.get("Destination") or ".")
        out = []
        for path in resolved(call):
            try:
                loc = locate(path)
                if not loc.real.exists():
                    not_found(call, path)
                    continue
                target = destination_for(path, destination)
                if not call.should_process("Item: %s Destination: %s" % (path, target),
                                           "Copy Directory" if loc.real.is_dir() else "Copy File"):
                    continue
                if loc.real.is_file():
                    dest = locate(target, write=True)
                    if not dest.real.parent.is_dir():
                        call.error("Could not find a part of the path '%s'." % target,
                                   "System.IO.DirectoryNotFoundException", "CopyDirectoryInfoItemIOError", "WriteError", path)
                        continue
                    if dest.real.is_dir():
                        call.error("Cannot overwrite the item %s with itself." % target, "System.IO.IOException",
                                   "CopyError", "WriteError", path)
                        continue
                    copy_one(path, target)
                else:
                    fsops.make_dirs(ctx, target)
                    if call.switch("Recurse"):
                        for rel, dummy, dummy2 in fsops.listing(ctx, path):
                            relative = rel.replace("/", "\\")
                            fsops.make_dirs(ctx, parent_of(fsops.join(target, relative)))
                            copy_one(fsops.join(path, relative), fsops.join(target, relative))
                if call.switch("PassThru"):
                    out.append(item(target))
            except PSError as err:
                lab_error(call, err, path, "CopyDirectoryInfoItemIOError")
        return out

    # -- Get-Content, Set-Content, Add-Content ----------------------------------------------------

    def get_content(call):
        out = []
        encoding = V.to_string(call.args.get("Encoding") or "").lower()
        for path in resolved(call):
            try:
                loc = locate(path)
                if not loc.real.exists():
                    not_found(call, path)
                    continue
                if loc.real.is_dir():
                    call.error("Unable to get content because it is a directory: '%s'. Please use 'Get-ChildItem' instead."
                               % path, "System.UnauthorizedAccessException", "GetContentReaderUnauthorizedAccessError",
                               "PermissionDenied", path)
                    continue
                data = fsops.read_bytes(ctx, path)
            except PSError as err:
                lab_error(call, err, path, "GetContentReaderIOError")
                continue
            if encoding == "byte":
                out.extend(list(data))
                continue
            text = _decode(data)
            if text is None:
                codec = {"utf8": "utf-8", "unicode": "utf-16-le", "ascii": "ascii", "utf32": "utf-32-le",
                         "bigendianunicode": "utf-16-be", "oem": "cp437"}.get(encoding, "cp1252")
                text = data.decode(codec, "replace")
            if call.switch("Raw"):
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
                lines = lines[-V.to_integer(tail):] if V.to_integer(tail) else []
            out.extend(lines)
        return out

    def set_content(call, append=False):
        values = V.enumerate_value(call.args.get("Value"))
        encoding = call.args.get("Encoding")
        if encoding is not None and V.to_string(encoding).lower() not in [e.lower() for e in ENCODING_NAMES.split(", ")]:
            call.terminate('Cannot bind parameter \'Encoding\'. Cannot convert value "%s" to type '
                           '"Microsoft.PowerShell.Commands.FileSystemCmdletProviderEncoding". Error: "Unable to match the '
                           'identifier name %s to a valid enumerator name. Specify one of the following enumerator names and '
                           'try again: %s"' % (encoding, encoding, ENCODING_NAMES),
                           "System.Management.Automation.ParameterBindingException", "CannotConvertArgumentNoMessage",
                           "InvalidArgument")
        newline = "" if call.switch("NoNewline") else "\r\n"
        for path in _paths(call):
            try:
                loc = locate(path, write=True)
                if not loc.real.parent.is_dir():
                    call.error("Could not find a part of the path '%s'." % path, "System.IO.DirectoryNotFoundException",
                               "GetContentWriterDirectoryNotFoundError", "ObjectNotFound", path)
                    continue
                if not call.should_process("Path: %s" % path, "Add Content" if append else "Set Content"):
                    continue
                if V.to_string(encoding or "").lower() == "byte":
                    data = _bytes(values)
                else:
                    data = _encoding_bytes("".join(V.to_string(v) + newline for v in values), encoding)
                if append and loc.real.is_file():
                    old = fsops.read_bytes(ctx, path)
                    data = old + (data[3:] if data.startswith(b"\xef\xbb\xbf") and old else data)
                write_file(path, data)
            except PSError as err:
                lab_error(call, err, path, "GetContentWriterIOError")
        return list(values) if call.switch("PassThru") else None

    # -- Get-FileHash (PowerShell 4.0+) ------------------------------------------------------------

    algorithms = {"SHA1": "sha1", "SHA256": "sha256", "SHA384": "sha384", "SHA512": "sha512", "MD5": "md5"}

    def get_file_hash(call):
        algorithm = V.to_string(call.args.get("Algorithm") or "SHA256").upper()
        valid = ("SHA1", "SHA256", "SHA384", "SHA512", "MACTRIPLEDES", "MD5", "RIPEMD160")
        if algorithm not in valid:
            call.terminate('Cannot validate argument on parameter \'Algorithm\'. The argument "%s" does not belong to the '
                           'set "SHA1,SHA256,SHA384,SHA512,MACTripleDES,MD5,RIPEMD160" specified by the ValidateSet '
                           'attribute. Supply an argument that is in the set and then try the command again.'
                           % call.args["Algorithm"], "System.Management.Automation.ParameterBindingValidationException",
                           "ParameterArgumentValidationError", "InvalidData")
        if algorithm not in algorithms:
            call.terminate("lab: Get-FileHash -Algorithm %s is not modelled" % algorithm)
        label = next(v for v in valid if v == algorithm)
        label = {"MACTRIPLEDES": "MACTripleDES"}.get(label, label)
        stream = call.args.get("InputStream")
        if stream is not None:
            return [FileHash(label, hashlib.new(algorithms[algorithm], stream.read_rest()).hexdigest().upper(), None)]
        out = []
        for path in resolved(call):
            try:
                loc = locate(path)
                if not loc.real.is_file():
                    not_found(call, path)
                    continue
                data = fsops.read_bytes(ctx, path)
            except PSError as err:
                lab_error(call, err, path, "FileReadError")
                continue
            out.append(FileHash(label, hashlib.new(algorithms[algorithm], data).hexdigest().upper(), path))
        return out

    # -- declarations --------------------------------------------------------------------------------

    literal = ("PSPath", "LP")
    session.command(Command("Test-Path", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True, aliases=literal),
        Param("PathType", "System.String", aliases=("Type",)), Param("IsValid", switch=True),
        Param("Filter", "System.String"), Param("Include", "System.String[]"), Param("Exclude", "System.String[]"),
        Param("Credential", "System.Management.Automation.PSCredential", by_property=True),
        Param("OlderThan", "System.DateTime"), Param("NewerThan", "System.DateTime")],
        test_path, default_set="Path", module=MANAGEMENT))
    session.command(Command("Join-Path", [
        Param("Path", "System.String[]", position=0, mandatory=True, pipeline=True, by_property=True, aliases=("PSPath",)),
        Param("ChildPath", "System.String", position=1, mandatory=True, by_property=True, allow_empty=True),
        Param("Resolve", switch=True), Param("Credential", "System.Management.Automation.PSCredential", by_property=True)],
        join_path, module=MANAGEMENT))
    session.command(Command("Split-Path", [
        Param("Path", "System.String[]", position=0, mandatory=True, pipeline=True, by_property=True,
              sets=("ParentSet", "LeafSet", "QualifierSet", "NoQualifierSet", "IsAbsoluteSet")),
        Param("LiteralPath", "System.String[]", mandatory=True, by_property=True, aliases=("PSPath",),
              sets=("LiteralPathSet",)),
        Param("Parent", switch=True, sets=("ParentSet",)), Param("Leaf", switch=True, sets=("LeafSet",)),
        Param("Qualifier", switch=True, sets=("QualifierSet",)), Param("NoQualifier", switch=True, sets=("NoQualifierSet",)),
        Param("IsAbsolute", switch=True, sets=("IsAbsoluteSet",)), Param("Resolve", switch=True),
        Param("Credential", "System.Management.Automation.PSCredential", by_property=True)],
        split_path, default_set="ParentSet", module=MANAGEMENT))
    session.command(Command("Get-Item", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True, aliases=literal),
        Param("Force", switch=True), Param("Filter", "System.String"), Param("Include", "System.String[]"),
        Param("Exclude", "System.String[]"), Param("Stream", "System.String[]"),
        Param("Credential", "System.Management.Automation.PSCredential", by_property=True)],
        get_item, default_set="Path", aliases=("gi",), module=MANAGEMENT))
    session.command(Command("Get-ChildItem", [
        Param("Path", "System.String[]", position=0, sets=("Items",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralItems",), by_property=True, aliases=literal),
        Param("Filter", "System.String", position=1), Param("Recurse", switch=True, aliases=("s",)),
        Param("Directory", switch=True, aliases=("ad", "d")), Param("File", switch=True, aliases=("af",)),
        Param("Hidden", switch=True, aliases=("ah", "h")), Param("ReadOnly", switch=True, aliases=("ar",)),
        Param("System", switch=True, aliases=("as",)), Param("Attributes", "System.String"),
        Param("Force", switch=True), Param("Name", switch=True), Param("Depth", "System.UInt32"),
        Param("Include", "System.String[]"), Param("Exclude", "System.String[]")],
        get_child_item, default_set="Items", aliases=("dir", "gci", "ls"), module=MANAGEMENT))
    session.command(Command("New-Item", [
        # -Path is mandatory in pathSet and optional in nameSet: declared once, the pathSet check is new_item's.
        Param("Path", "System.String[]", position=0, sets=("pathSet", "nameSet"), by_property=True),
        Param("Name", "System.String", mandatory=True, sets=("nameSet",), by_property=True, allow_empty=True),
        Param("ItemType", "System.String", by_property=True, aliases=("Type",)),
        Param("Value", "System.Object", pipeline=True, by_property=True, aliases=("Target",)),
        Param("Force", switch=True), Param("Credential", "System.Management.Automation.PSCredential", by_property=True)],
        new_item, should_process=True, default_set="pathSet", aliases=("ni",), module=MANAGEMENT))
    session.command(Command("Remove-Item", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True, aliases=literal),
        Param("Filter", "System.String"), Param("Include", "System.String[]"), Param("Exclude", "System.String[]"),
        Param("Recurse", switch=True), Param("Force", switch=True), Param("Stream", "System.String[]"),
        Param("Credential", "System.Management.Automation.PSCredential", by_property=True)],
        remove_item, should_process=True, default_set="Path", aliases=("ri", "rm", "rmdir", "del", "erase", "rd"),
        module=MANAGEMENT))
    session.command(Command("Rename-Item", [
        Param("Path", "System.String", position=0, mandatory=True, sets=("ByPath",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String", mandatory=True, sets=("ByLiteralPath",), by_property=True, aliases=literal),
        Param("NewName", "System.String", position=1, mandatory=True, by_property=True),
        Param("Force", switch=True), Param("PassThru", switch=True),
        Param("Credential", "System.Management.Automation.PSCredential", by_property=True)],
        rename_item, should_process=True, default_set="ByPath", aliases=("rni", "ren"), module=MANAGEMENT))
    for name, function, aliases, extra in (
            ("Move-Item", move_item, ("mi", "move", "mv"), []),
            ("Copy-Item", copy_item, ("copy", "cp", "cpi"),
             [Param("Container", switch=True), Param("Recurse", switch=True), Param("ToSession"), Param("FromSession")])):
        session.command(Command(name, [
            Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True, by_property=True),
            Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True, aliases=literal),
            Param("Destination", "System.String", position=1, by_property=True),
            Param("Force", switch=True), Param("Filter", "System.String"), Param("Include", "System.String[]"),
            Param("Exclude", "System.String[]"), Param("PassThru", switch=True),
            Param("Credential", "System.Management.Automation.PSCredential", by_property=True)] + extra,
            function, should_process=True, default_set="Path", aliases=aliases, module=MANAGEMENT))
    session.command(Command("Get-Content", [
        Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), by_property=True),
        Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True, aliases=literal),
        Param("ReadCount", "System.Int64", by_property=True),
        Param("TotalCount", "System.Int64", by_property=True, aliases=("First", "Head")),
        Param("Tail", "System.Int32", aliases=("Last",)), Param("Raw", switch=True), Param("Encoding", "System.String"),
        Param("Delimiter", "System.String"), Param("Wait", switch=True), Param("Stream", "System.String"),
        Param("Force", switch=True), Param("Filter", "System.String"), Param("Include", "System.String[]"),
        Param("Exclude", "System.String[]"), Param("Credential", "System.Management.Automation.PSCredential", by_property=True)],
        get_content, default_set="Path", aliases=("gc", "cat", "type"), module=MANAGEMENT))
    for name, append, aliases in (("Set-Content", False, ("sc",)), ("Add-Content", True, ("ac",))):
        session.command(Command(name, [
            Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), by_property=True),
            Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True, aliases=literal),
            Param("Value", "System.Object[]", position=1, mandatory=True, pipeline=True, by_property=True, allow_empty=True),
            Param("PassThru", switch=True), Param("Encoding", "System.String"), Param("NoNewline", switch=True),
            Param("Force", switch=True), Param("Stream", "System.String"), Param("Filter", "System.String"),
            Param("Include", "System.String[]"), Param("Exclude", "System.String[]"),
            Param("Credential", "System.Management.Automation.PSCredential", by_property=True)],
            (lambda call, a=append: set_content(call, a)), should_process=True, default_set="Path", aliases=aliases,
            module=MANAGEMENT))

    if powershell_version(ctx.record) >= (4, 0):
        session.command(Command("Get-FileHash", [
            Param("Path", "System.String[]", position=0, mandatory=True, sets=("Path",), pipeline=True, by_property=True),
            Param("LiteralPath", "System.String[]", mandatory=True, sets=("LiteralPath",), by_property=True,
                  aliases=("PSPath",)),
            Param("InputStream", "System.IO.Stream", mandatory=True, sets=("Stream",)),
            Param("Algorithm", "System.String", position=1)],
            get_file_hash, default_set="Path", module=UTILITY))

    session.command(NativeCommand("robocopy.exe", robocopy_exe(ctx), aliases=("robocopy",)))

    # -- .NET types ----------------------------------------------------------------------------------

    for type_name, members in ENUMS.items():
        enum = session.net_type(type_name)
        for label, number in members.items():
            enum.prop(label)(lambda eng, t=type_name, l=label, n=number: IOEnum(t, l, n))

    # The static method behind FileInfo's LinkType CodeProperty (types.ps1xml of Windows PowerShell 5.0+): called
    # directly, its errors reach the script (a property read swallows them: _link_type_property).
    links = session.net_type("Microsoft.PowerShell.Commands.InternalSymbolicLinkLinkCodeMethods")
    links.method("GetLinkType")(lambda eng, instance: _link_type(instance))
    io_file = session.net_type("System.IO.File")

    def parent_exists(path):
        if not locate(path).real.parent.is_dir():
            raise PSError("Could not find a part of the path '%s'." % path, "ObjectNotFound", "DirectoryNotFoundException")

    def read(path):
        path = V.to_string(path)
        if locate(path).real.is_dir():
            raise PSError("Access to the path '%s' is denied." % path, "PermissionDenied", "UnauthorizedAccessException")
        if in_use(path, 1):
            raise busy(path)
        return fsops.read_bytes(ctx, path)

    def write(path, data):
        path = V.to_string(path)
        loc = locate(path, write=True)
        if loc.real.is_dir():
            raise PSError("Access to the path '%s' is denied." % path, "PermissionDenied", "UnauthorizedAccessException")
        parent_exists(path)
        if loc.real.exists() and in_use(path, 2):
            raise busy(path)
        write_file(path, data)

    @io_file.method("ReadAllText")
    def read_all_text(eng, path, encoding=None):
        del eng, encoding
        data = dotnet_io(lambda: read(path))
        text = _decode(data)
        return data.decode("utf-8", "replace") if text is None else text

    @io_file.method("ReadAllBytes")
    def read_all_bytes(eng, path):
        return list(dotnet_io(lambda: read(path)))

    @io_file.method("ReadAllLines")
    def read_all_lines(eng, path, encoding=None):
        text = read_all_text(eng, path, encoding)
        lines = text.replace("\r\n", "\n").split("\n")
        return lines[:-1] if lines and lines[-1] == "" else lines

    @io_file.method("WriteAllText")
    def write_all_text(eng, path, contents, encoding=None):
        """Without an encoding: UTF-8 without a BOM (File.WriteAllText(String, String))."""
        text = V.to_string(contents)
        if encoding is None:
            data = text.encode("utf-8")
        else:
            data = bytes(encoding.GetPreamble()) + bytes(encoding.GetBytes(text))
        dotnet_io(lambda: write(path, data))

    @io_file.method("WriteAllBytes")
    def write_all_bytes(eng, path, data):
        if data is None:
            raise T.DotNetError("System.ArgumentNullException", "Value cannot be null.\r\nParameter name: bytes")
        dotnet_io(lambda: write(path, _bytes(data)))

    @io_file.method("Exists")
    def file_exists(eng, path):
        try:
            return path is not None and locate(V.to_string(path)).real.is_file()
        except PSError:
            return False

    @io_file.method("Open")
    def file_open(eng, path, mode, access=None, share=None):
        mode = enum_arg(mode, "System.IO.FileMode", "mode")
        # File.Open(path, mode): ReadWrite unless Append (Write); with no FileShare given, FileShare.None.
        access = enum_arg(access, "System.IO.FileAccess", "access") if access is not None else (
            ("Write", 2) if mode[1] == 6 else ("ReadWrite", 3))
        share = enum_arg(share, "System.IO.FileShare", "share") if share is not None else ("None", 0)
        return dotnet_io(lambda: open_stream(V.to_string(path), mode, access, share))

    @io_file.method("OpenRead")
    def file_open_read(eng, path):
        return dotnet_io(lambda: open_stream(V.to_string(path), ("Open", 3), ("Read", 1), ("Read", 1)))

    @io_file.method("OpenWrite")
    def file_open_write(eng, path):
        return dotnet_io(lambda: open_stream(V.to_string(path), ("OpenOrCreate", 4), ("Write", 2), ("None", 0)))

    @io_file.method("Create")
    def file_create(eng, path, buffer_size=4096, options=None, security=None):
        """File.Create(path[, bufferSize[, options[, fileSecurity]]]): FileMode.Create, read and write, FileShare
        None; the last overload (.NET Framework) creates the file with `fileSecurity`'s owner and ACL, and leaves an
        existing file's as they are (CreateFileW: the security attributes apply to a file it creates,
        https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-createfilew;
        https://learn.microsoft.com/dotnet/api/system.io.file.create)."""
        if V.to_integer(buffer_size) <= 0:
            raise T.DotNetError("System.ArgumentOutOfRangeException",
                                "Positive number required.\r\nParameter name: bufferSize")
        if options is not None:
            enum_arg(options, "System.IO.FileOptions", "options")
        if security is not None and not isinstance(security, FileSecurity):
            raise T.DotNetError("System.Management.Automation.PSInvalidCastException",
                                'Cannot convert argument "fileSecurity", with value: "%s", for "Create" to type '
                                '"System.Security.AccessControl.FileSecurity".' % V.to_string(security))
        return dotnet_io(lambda: open_stream(V.to_string(path), ("Create", 2), ("ReadWrite", 3), ("None", 0),
                                             security=security, buffer_size=buffer_size))

    def file_move_action(source, destination):
        source, destination = V.to_string(source), V.to_string(destination)
        if not locate(source).real.is_file():
            raise PSError("Could not find file '%s'." % source, "ObjectNotFound", "FileNotFoundException")
        if delete_refused(source):
            raise busy(source)
        fsops.move(ctx, source, destination)

    @io_file.method("Move")
    def file_move(eng, source, destination):
        """File.Move: IOException when the destination exists (no overwrite on .NET Framework)."""
        dotnet_io(lambda: file_move_action(source, destination))

    @io_file.method("Copy")
    def file_copy(eng, source, destination, overwrite=False):
        def action():
            src, dest = V.to_string(source), V.to_string(destination)
            if locate(dest).real.exists() and not V.to_bool(overwrite):
                raise PSError("The file '%s' already exists." % dest, "ResourceExists", "IOException")
            parent_exists(dest)
            copy_one(src, dest)
        dotnet_io(action)

    @io_file.method("Delete")
    def file_delete(eng, path):
        """File.Delete: no exception when the file does not exist."""
        def action():
            target = V.to_string(path)
            loc = locate(target, write=True)
            if loc.real.is_dir():
                raise PSError("Access to the path '%s' is denied." % target, "PermissionDenied", "UnauthorizedAccessException")
            parent_exists(target)
            if loc.real.exists():
                if delete_refused(target):
                    raise busy(target)
                if planted_attributes(loc.real) & 1:
                    # DeleteFileW: "If the file is a read-only file, the function fails" - ERROR_ACCESS_DENIED, which
                    # .NET makes UnauthorizedAccessException (https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-deletefilew).
                    raise PSError("Access to the path '%s' is denied." % target, "PermissionDenied",
                                  "UnauthorizedAccessException")
                remove_file(target, loc.real)
        dotnet_io(action)

    io_directory = session.net_type("System.IO.Directory")

    @io_directory.method("Exists")
    def directory_exists(eng, path):
        """Directory.Exists: false for a missing folder and for any error (a path it cannot read, a refused prefix)."""
        try:
            return path is not None and locate(V.to_string(path)).real.is_dir()
        except PSError:
            return False

    @io_directory.method("CreateDirectory")
    def create_directory(eng, path, security=None):
        """Directory.CreateDirectory(path) and, .NET Framework, (path, DirectorySecurity): the folders are made, and
        with a DirectorySecurity the new folder gets that ACL when it is created; a folder that already exists is
        returned with the ACL it has, the DirectorySecurity is not applied to it ("Creates all the directories in the
        specified path, unless they already exist, applying the specified Windows security":
        https://learn.microsoft.com/dotnet/api/system.io.directory.createdirectory; "If the directory already exists,
        the existing directory is returned": https://learn.microsoft.com/dotnet/api/system.io.filesystemaclextensions.createdirectory).
        The lab keeps the ACL it was given, with the owner (default_owner), in the host record's `acls` (by
        lower-case path), which Get-Acl reads (acl_record) and tests read or plant."""
        winpath = V.to_string(path)

        def folder_exists():
            return locate(winpath).real.is_dir()
        existed = dotnet_io(folder_exists)  # a share that is gone: IOException, as .NET throws
        made = [] if existed else missing_folders(winpath)
        owner = None
        if isinstance(security, DirectorySecurity) and not existed:
            # Refused before anything is made: CreateDirectoryW fails and creates no folder.
            owner = allowed_owner(security.owner) if security.owner else default_owner()
        dotnet_io(lambda: fsops.make_dirs(ctx, winpath))
        if owner is not None:
            ctx.record.setdefault("acls", {})[winpath.rstrip("\\").lower()] = security.snapshot(owner=owner)
            made = made[1:]
        for folder in reversed(made):  # parents first: each inherits from the one above
            # Local folders only: a folder made over SMB is owned as the file server decides (not modelled).
            if not folder.startswith("\\\\") and default_owner() != ADMINISTRATORS_SID:
                # A folder made without a security descriptor is owned by the token's default owner: the user under
                # "Object creator" (KB 318825), as own_new_file gives files (review s11, finding 1).
                ctx.record.setdefault("acls", {})[folder.lower()] = acl_record(folder, False, default_owner())
        return item(winpath)

    def missing_folders(winpath):
        """The folders of `winpath` that do not exist yet, the deepest first (CreateDirectory makes each of them)."""
        found, probe = [], winpath.rstrip("\\")
        while probe and "\\" in probe.strip("\\"):
            try:
                if locate(probe).real.is_dir():
                    break
            except PSError:
                break
            found.append(probe)
            probe = probe.rpartition("\\")[0]
        return found

    @io_directory.method("SetAccessControl")
    def set_access_control(eng, path, security):
        """Directory.SetAccessControl(path, DirectorySecurity), .NET Framework: the folder's DACL becomes the one
        given (protection included); its owner is unchanged (the DirectorySecurity built new sets no owner)
        (https://learn.microsoft.com/dotnet/api/system.io.directory.setaccesscontrol). Writing a DACL needs WRITE_DAC:
        the folder's owner or an administrator; the lab's sessions that call it are administrators."""
        winpath = V.to_string(path)
        if not locate(winpath).real.is_dir():
            raise T.DotNetError("System.IO.DirectoryNotFoundException", "Could not find a part of the path '%s'." % winpath)
        current = acl_record(winpath)
        owner = allowed_owner(security.owner, persist=True) if "owner" in security.modified else (current.get("owner") or ADMINISTRATORS_SID)
        if "access" in security.modified:
            ctx.record.setdefault("acls", {})[winpath.rstrip("\\").lower()] = security.snapshot(owner=owner)
        elif "owner" in security.modified:
            ctx.record.setdefault("acls", {})[winpath.rstrip("\\").lower()] = dict(current, owner=owner)
        security.modified.clear()

    def default_owner():
        """The owner Windows gives a new object: the token's default owner, which for a member of the built-in
        Administrators group is that group ("objects created by members of the administrators group are normally
        owned by the administrators group": https://learn.microsoft.com/windows/win32/ad/how-security-descriptors-are-set-on-new-directory-objects;
        TOKEN_OWNER, https://learn.microsoft.com/windows-hardware/drivers/ddi/ntifs/ns-ntifs-_token_owner), else the user.
        Host state `admin_default_owner: object_creator` is the security option "System objects: Default owner for
        objects created by members of the Administrators group" set to "Object creator"
        (https://support.microsoft.com/kb/318825): an administrator's new objects are then owned by the user."""
        if logon.is_local_admin(ctx.state, ctx.record, ctx.session_user) \
                and ctx.record.get("admin_default_owner") != "object_creator":
            return ADMINISTRATORS_SID
        return logon.account_sid(ctx.state, ctx.session_user)

    def allowed_owner(sid, persist=False):
        """An owner a security descriptor may name: the caller's own SID, or a group of its token that may own
        objects - for an administrator, BUILTIN\\Administrators (TOKEN_OWNER: "If it is a group SID, the Owner must
        match a group SID in the token, where the attributes on the group must include SE_GROUP_OWNER",
        https://learn.microsoft.com/windows-hardware/drivers/ddi/ntifs/ns-ntifs-_token_owner). Any other owner needs
        SeRestorePrivilege; the lab refuses it as Windows refuses a token without it (ERROR_INVALID_OWNER, 1307).
        `persist`: SetAccessControl (NativeObjectSecurity.Persist) throws InvalidOperationException; CreateDirectory
        and File.Create with a security descriptor get the Win32 error, which .NET Framework turns into an
        IOException ("Handling I/O errors in .NET", https://learn.microsoft.com/dotnet/standard/io/handling-io-errors;
        review s9main 7)."""
        user = logon.account_sid(ctx.state, ctx.session_user)
        if sid == user or (sid == ADMINISTRATORS_SID and logon.is_local_admin(ctx.state, ctx.record, ctx.session_user)):
            return sid
        if persist:
            raise T.DotNetError("System.InvalidOperationException",
                                "The security identifier is not allowed to be the owner of this object.")
        raise T.DotNetError("System.IO.IOException", "This security ID may not be assigned as the owner of this object.",
                            hresult=-2147023589)  # 0x8007051B: HRESULT_FROM_WIN32(1307)

    def acl_record(winpath, is_file=False, owner=ADMINISTRATORS_SID):
        """The lab's ACL of a folder or file (`is_file`): its own record (`acls`, by lower-case path: made by
        CreateDirectory with a DirectorySecurity or SetAccessControl, or planted by a test), else what it inherits,
        computed level by level down from the nearest folder above with a record (inherited_rules), `owner` being the
        object's owner (CREATOR OWNER's rules name it), else DEFAULT_INHERITED_ACL (C:\\ProgramData's) for a folder,
        and for a file what a file inherits from a folder with that ACL."""
        acls = ctx.record.get("acls") or {}
        key = winpath.rstrip("\\").lower()
        if key in acls:
            return acls[key]
        levels = [key]  # the levels without a record, deepest first
        parent = key.rpartition("\\")[0]
        while parent and parent not in acls and "\\" in parent:
            levels.append(parent)
            parent = parent.rpartition("\\")[0]
        if parent in acls:
            rules = acls[parent].get("rules") or []
        elif is_file:
            rules, levels = DEFAULT_INHERITED_ACL["rules"], [key]
        else:
            return DEFAULT_INHERITED_ACL if owner == ADMINISTRATORS_SID else dict(DEFAULT_INHERITED_ACL, owner=owner)
        for dummy in levels[1:]:  # the folders between, each owned by Administrators
            rules = inherited_rules(rules, False, ADMINISTRATORS_SID)
        rules = inherited_rules(rules, is_file, owner)
        return {"owner": owner, "protected": False, "inherited": True, "rules": rules}

    def get_acl(call):
        """Get-Acl -Path/-LiteralPath of a folder or file: its security descriptor (AclView)."""
        out = []
        for path in _paths(call):
            try:
                real = locate(path).real
            except PSError as err:
                lab_error(call, err, path, "GetAcl_PathNotFound_Exception")
                continue
            if not real.exists():
                call.error("Cannot find path '%s' because it does not exist." % path, "System.Management.Automation."
                           "ItemNotFoundException", "GetAcl_PathNotFound_Exception", "ObjectNotFound", path)
                continue
            out.append(AclView(path, acl_record(path, real.is_file()), real.is_file()))
        return out

    session.command(Command("Get-Acl", [
        Param("Path", "System.String[]", position=0, sets=("ByPath",), pipeline=True, by_property=True),
        Param("LiteralPath", "System.String[]", sets=("ByLiteralPath",), by_property=True, aliases=("PSPath", "LP")),
        Param("InputObject", "System.Management.Automation.PSObject", mandatory=True, sets=("ByInputObject",),
              by_property=True),
        Param("Audit", switch=True), Param("AllCentralAccessPolicies", switch=True),
        Param("Filter", "System.String"), Param("Include", "System.String[]"), Param("Exclude", "System.String[]")],
        get_acl, default_set="ByPath", module="Microsoft.PowerShell.Security"))

    session.factory("System.Security.AccessControl.DirectorySecurity", lambda eng: DirectorySecurity())
    session.factory("System.Security.AccessControl.FileSecurity", lambda eng: FileSecurity())
    session.factory("System.Security.AccessControl.FileSystemAccessRule",
                    lambda eng, identity, rights, inheritance, propagation, kind: FileSystemAccessRule(
                        identity, rights, inheritance, propagation, kind))
    session.factory("System.Security.Principal.SecurityIdentifier", lambda eng, sid: Identity(V.to_string(sid)))
    session.factory("System.Security.Principal.NTAccount", lambda eng, name: Identity(V.to_string(name)))

    session.factory("System.IO.DirectoryInfo", lambda eng, path: FileSystemInfo(
        V.to_string(path), locate(V.to_string(path)).real, session) if locate(V.to_string(path)).real.is_dir() else
        _missing_directory(V.to_string(path)))
    session.factory("System.IO.StreamReader", lambda eng, stream, encoding=None, detect=True: StreamReader(
        stream, encoding, detect))

    def managed_sha256():
        """SHA256Managed (what SHA256.Create() returns on .NET Framework): on a host whose "System cryptography: Use
        FIPS compliant algorithms for encryption, hashing, and signing" policy is on, its constructor throws
        InvalidOperationException (https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256managed.-ctor),
        and so does SHA256.Create() on .NET Framework 4.6.1 and earlier
        (https://learn.microsoft.com/dotnet/api/system.security.cryptography.sha256.create; 4.6.2 and later give
        SHA256Cng there): the lab's `lab.fips_hosts` are such hosts with .NET Framework 4.6.1 or earlier (Windows Server
        2012 R2 ships 4.5.1). SHA256CryptoServiceProvider is the FIPS-validated class on every version."""
        if ctx.host in (ctx.state.get("lab", {}).get("fips_hosts") or []):
            raise T.DotNetError("System.InvalidOperationException", "This implementation is not part of the Windows "
                                "Platform FIPS validated cryptographic algorithms.")
        return HashAlgorithm()

    sha256 = session.net_type("System.Security.Cryptography.SHA256")
    sha256.method("Create")(lambda eng, name=None: managed_sha256())
    session.factory("System.Security.Cryptography.SHA256Managed", lambda eng: managed_sha256())
    session.factory("System.Security.Cryptography.SHA256CryptoServiceProvider",
                    lambda eng: HashAlgorithm(type_name="System.Security.Cryptography.SHA256CryptoServiceProvider"))


def _missing_directory(winpath):
    """new DirectoryInfo(path) does not check the folder (https://learn.microsoft.com/dotnet/api/system.io.directoryinfo.-ctor);
    the lab refuses one it cannot stand for, which no payload makes (they test the folder first)."""
    raise T.DotNetError("System.NotSupportedException", "the lab makes a DirectoryInfo for an existing folder only: %s"
                        % winpath)


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


def _share_bits(value):
    """A FileAccess or FileShare given by name (Read, Write, ReadWrite, Delete, None, or a comma-separated mix) or
    number: its read, write and delete bits (FileShare.Delete is 4)."""
    if isinstance(value, int):
        return value & 7
    names = {"none": 0, "read": 1, "write": 2, "readwrite": 3, "delete": 4}
    return sum(names[part] for part in str(value).replace(" ", "").lower().split(","))


def dotnet_io(action):
    """Run a lab file operation as a .NET method: the lab's PSError becomes the .NET exception
    PowerShell wraps as 'Exception calling "M" with "N" argument(s): ...'."""
    try:
        return action()
    except PSError as exc:
        raise dotnet_error(exc) from None


def dotnet_error(exc):
    """The .NET exception a .NET method throws for the lab's PSError `exc`."""
    kind = {"FileNotFoundException": "System.IO.FileNotFoundException",
            "DirectoryNotFoundException": "System.IO.DirectoryNotFoundException",
            "UnauthorizedAccessException": "System.UnauthorizedAccessException",
            "IOException": "System.IO.IOException", "ArgumentException": "System.ArgumentException"}
    name = kind.get(exc.error_id, "System.IO.IOException")
    if "too long" in exc.message:
        name = "System.IO.PathTooLongException"
    return T.DotNetError(name, exc.message)


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


def _link_type(item):
    """FileInfo.LinkType, the CodeProperty Windows PowerShell 5.0+'s types.ps1xml adds to System.IO.FileInfo and
    DirectoryInfo (about_FileSystem_Provider, 5.1: on NTFS "HardLink", "SymbolicLink", "Junction",
    https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_filesystem_provider?view=powershell-5.1):
    a reparse point gives its kind; a file whose link count is above 1 (GetFileInformationByHandle's
    BY_HANDLE_FILE_INFORMATION.nNumberOfLinks,
    https://learn.microsoft.com/windows/win32/api/fileapi/ns-fileapi-by_handle_file_information) is "HardLink";
    otherwise $null. The lab's hard links are the host's own (os.link), so the count is the lab file's st_nlink
    (fsops.hard_link). A file removed since the item was made: FileNotFoundException, as the provider's open of it
    fails."""
    real = item._real  # pylint: disable=protected-access
    if real.is_symlink():
        return "SymbolicLink"
    if not real.exists():
        raise T.DotNetError("System.IO.FileNotFoundException", "Could not find file '%s'." % item.FullName)
    # Lab state `lab.link_state_unreadable`: path tails (case-insensitive) whose link state cannot be read (the file
    # held open without read sharing, read denied): the provider's open of the file fails.
    ctx = getattr(getattr(item, "session", None), "ctx", None)
    tails = (ctx.state.get("lab", {}).get("link_state_unreadable") or []) if ctx is not None else []
    if any(item.FullName.lower().endswith(str(tail).lower()) for tail in tails):
        raise T.DotNetError("System.UnauthorizedAccessException", "Access to the path '%s' is denied." % item.FullName)
    if real.is_file() and real.stat().st_nlink > 1:
        return "HardLink"
    return None


def _link_type_property(item):
    """Reading the LinkType property: an exception in a property getter gives $null outside strict mode (PowerShell's
    binder wraps the get in a try, Binders.cs WrapGetMemberInTry; review hardfix2, finding 1) - so a file whose link
    state cannot be read reads as no link. [Microsoft.PowerShell.Commands.InternalSymbolicLinkLinkCodeMethods]::
    GetLinkType (the method behind the CodeProperty, install below) throws instead."""
    try:
        return _link_type(item)
    except T.DotNetError:
        return None


FileSystemInfo.LinkType = property(_link_type_property)


def robocopy_exe(ctx):
    """robocopy.exe as a native program (`robocopy <source> <destination> [<file>[ ...]] [<options>]`,
    https://learn.microsoft.com/windows-server/administration/windows-commands/robocopy): what it copies, its
    output and its exit code are lync_lab/robocopy.py's (the same model the lab's win_robocopy stand-in uses). It
    runs as the session's identity, so in a detached job (lync_lab/taskrun.py) as the task's principal. File-name
    filters after the destination are not modelled: the lab refuses them (exit code 16), as it does a call without
    a source and a destination (robocopy's "ERROR : Invalid Parameter")."""
    from .. import robocopy  # pylint: disable=import-outside-toplevel

    def run(_engine, argv):
        if len(argv) < 2 or argv[0].startswith("/") or argv[1].startswith("/"):
            return ["ERROR : Invalid Parameter #1 : \"%s\"" % " ".join(argv)], 16
        options = argv[2:]
        if options and not options[0].startswith("/"):
            return ["lab: robocopy file-name filters (%s) are not modelled" % options[0]], 16
        rc, output, error = robocopy.run(ctx, argv[0], argv[1], robocopy.parse_flags(" ".join(options), False, False))
        lines = list(output)
        if error and error not in lines:
            lines.append(error)
        return lines, rc
    return run
