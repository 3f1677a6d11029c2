"""The lab's SQL Server installation media and what its setup.exe does.

A lab setup.exe is a small JSON file naming the release it installs (version, edition);
the configuration file is a real ConfigurationFile.ini. Setup follows the rules real
setup enforces where lync.server relies on them: the license must be accepted, a restart
Windows waits for stops it (rule RebootRequiredCheck), an instance name in use stops it,
a domain service account needs its password, and command-line settings override the file.
"""

import json
import re

from . import fsops, winhost
from .errors import PSError

INI_RE = re.compile(r'^\s*([A-Za-z0-9_]+)\s*=\s*"?(.*?)"?\s*$')
RELEASES = {"10": "SQL Server 2008 R2", "11": "SQL Server 2012", "12": "SQL Server 2014", "13": "SQL Server 2016",
            "14": "SQL Server 2017", "15": "SQL Server 2019", "16": "SQL Server 2022"}


def media_bytes(version, edition="Enterprise Edition", reboot=False):
    """setup.exe of a lab SQL Server medium."""
    return json.dumps({"lab_sql_setup": 1, "version": version, "edition": edition, "reboot": reboot}).encode("utf-8")


def read_media(ctx, media_path):
    """The lab setup.exe under media_path as a dict, or None when it cannot be read."""
    try:
        data = fsops.read_bytes(ctx, fsops.join(media_path, "setup.exe"))
        return json.loads(data.decode("utf-8"))
    except (PSError, ValueError):
        return None


def read_ini(ctx, path):
    """{KEY: value} of a ConfigurationFile.ini ([OPTIONS] section), or None when it cannot be read."""
    try:
        text = fsops.read_bytes(ctx, path).decode("utf-8-sig")
    except PSError:
        return None
    settings = {}
    for line in text.splitlines():
        match = INI_RE.match(line)
        if match and not line.lstrip().startswith(";"):
            settings[match.group(1).upper()] = match.group(2)
    return settings


def instance_id(version, name):
    return "MSSQL%s.%s" % (version.split(".")[0], name.upper())


def check_service_credentials(state, account, password):
    """True when setup would accept `account` with `password` for the Database Engine service.

    Setup's /SQLSVCACCOUNT takes "the startup account for the SQL Server service" and
    /SQLSVCPASSWORD "the password for SQLSVCACCOUNT"
    (https://learn.microsoft.com/en-us/sql/database-engine/install-windows/install-sql-server-from-the-command-prompt);
    a domain account is checked with the domain, so a password of another account fails (here: the
    lab domain's accounts, state["ad"]["accounts"]). Virtual and built-in accounts need none.
    """
    upper = str(account or "").upper()
    if upper.startswith(("NT SERVICE\\", "NT AUTHORITY\\")) or upper in ("LOCALSYSTEM", "NETWORK SERVICE", "LOCAL SERVICE"):
        return True
    ad = state.get("ad", {})
    if "\\" in upper:
        domain_part = upper.split("\\", maxsplit=1)[0]
    else:
        domain_part = upper.rsplit("@", maxsplit=1)[-1].split(".", maxsplit=1)[0]
    if domain_part not in (str(ad.get("netbios", "")).upper(), str(ad.get("domain", "")).split(".", maxsplit=1)[0].upper()):
        return bool(password)  # a local account: the lab does not model local account passwords
    name = str(account).rsplit("\\", maxsplit=1)[-1].split("@", maxsplit=1)[0].lower()
    known = ad.get("accounts", {}).get(name)
    return bool(password) and known is not None and known.get("password_sha256") == winhost.password_hash(password)


def split_command_line(text):
    """The arguments a C/C++ program such as setup.exe gets from its command line `text`.

    Microsoft's rules (https://learn.microsoft.com/cpp/c-language/parsing-c-command-line-arguments):
    arguments are separated by spaces or tabs; a double-quoted string is one argument; 2n
    backslashes before a double quote give n backslashes and the quote delimits; 2n+1 backslashes
    before a double quote give n backslashes and a literal quote; other backslashes are literal.
    (Start-Process joins its -ArgumentList with spaces before Windows starts the program.)
    """
    args, current, in_quotes, have, i = [], [], False, False, 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            run = len(text[i:]) - len(text[i:].lstrip("\\"))
            if i + run < len(text) and text[i + run] == '"':
                current.append("\\" * (run // 2))
                if run % 2:
                    current.append('"')
                    i += run + 1
                else:
                    i += run
                have = True
                continue
            current.append("\\" * run)
            i += run
            have = True
            continue
        if char == '"':
            if in_quotes and text[i + 1:i + 2] == '"':  # "" inside quotes: a literal quote (post-2008 CRT)
                current.append('"')
                i += 2
                continue
            in_quotes = not in_quotes
            have = True
        elif char in " \t" and not in_quotes:
            if have:
                args.append("".join(current))
            current, have = [], False
        else:
            current.append(char)
            have = True
        i += 1
    if have:
        args.append("".join(current))
    return args


def command_line_settings(arguments):
    """{KEY: value} and switches of setup.exe's arguments (`arguments` as Start-Process gets them): the
    list is joined with spaces, then split by the C runtime rules; /KEY=value or /SWITCH.
    An argument setup cannot read (a quote swallowed by a trailing backslash) fails like setup."""
    settings = {}
    for arg in split_command_line(" ".join(arguments)):
        if not arg.startswith("/"):
            raise PSError("The following error occurred: The command line parameter '%s' is not valid." % arg)
        key, sep, value = arg[1:].partition("=")
        settings[key.upper()] = value if sep else True
    return settings
