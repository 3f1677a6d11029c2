# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for lync.server.lync_share_space (documentation: plugins/modules/lync_share_space.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail

from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs
from ansible_collections.lync.server.plugins.plugin_utils.action import LyncAction

ARGUMENT_SPEC = {
    "root": {"type": "str", "required": True},
}


def split_unc(root):
    """(server, share, rest) of \\\\server\\share[\\rest]; BackupSetError for a path that is not UNC."""
    text = bs.check_root(root)
    if not text.startswith("\\\\") or text.startswith("\\\\?\\"):
        raise bs.BackupSetError("root %r is not a UNC path (\\\\server\\share[\\folder])" % root)
    parts = text[2:].split("\\")
    return parts[0], parts[1], "\\".join(p for p in parts[2:] if p)


def volume_of(path, volumes):
    """The volume holding local folder `path`: the one whose Name (a drive root "D:\\" or a mount point's folder,
    ending in a backslash) is the longest prefix of it, case-insensitive; None when none is."""
    folder = path.rstrip("\\").lower() + "\\"
    best = None
    for volume in volumes:
        name = str(volume.get("Name") or "")
        if name and folder.startswith(name.lower() if name.endswith("\\") else name.lower() + "\\"):
            if best is None or len(name) > len(best["Name"]):
                best = volume
    return best


class ActionModule(LyncAction):
    """Free space on the volume that holds a share, read on the server that holds it."""

    ARGUMENT_SPEC = ARGUMENT_SPEC

    def execute(self, params):
        try:
            root = bs.check_root(params["root"])
            server, share, rest = split_unc(root) if root.startswith("\\\\") else (self.host, "", root)
        except bs.BackupSetError as exc:
            raise AnsibleActionFail("lync_share_space: %s" % exc) from None
        value = self.payload("lync_share_space", {"ShareName": share}, required_keys=("Shares", "Volumes")).value
        if share:
            shares = [s for s in value["Shares"] or [] if str(s.get("Name")).lower() == share.lower()]
            if not shares or not shares[0].get("Path"):
                raise AnsibleActionFail("lync_share_space: %s (%s) has no share named %s; run it on the server that "
                                        "holds %s" % (self.host, value.get("Computer"), share, root))
            path = shares[0]["Path"].rstrip("\\") + ("\\" + rest if rest else "")
        else:
            path = rest
        volume = volume_of(path, value["Volumes"] or [])
        if volume is None:
            raise AnsibleActionFail("lync_share_space: no volume of %s holds %s (the folder of share %s)"
                                    % (self.host, path, share))
        return {"changed": False, "server": server, "share": share, "path": path, "volume": volume["Name"],
                "free_bytes": int(volume.get("FreeSpace") or 0), "size_bytes": int(volume.get("Capacity") or 0)}
