# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything lync.server assumes about Bootstrapper.exe, in one place.

No Microsoft reference page lists Bootstrapper.exe's switches (docs: the project's
reference notes on Bootstrapper). Microsoft topics only show it run with no switch (Deployment
Wizard step 2: "Setup or Remove Lync Server Components"), with /BootstrapLocalMgmt
/MinCache (the local configuration store, step 1, in the UCMA topic) and as
"Bootstrapper /Setup" (after a forced CMS move). /SourceDirectory appears only in
community scripts. This module keeps the documented facts and the unknowns apart, so a
change after checking them on a real server is a change here and nowhere else.
"""

from __future__ import annotations

import re

# Documented: where Bootstrapper.exe lives, under the Lync install folder.
RELATIVE_PATH = "Deployment\\Bootstrapper.exe"
DEFAULT_INSTALL_DIRS = {
    "Lync Server 2013": "C:\\Program Files\\Microsoft Lync Server 2013",
    "Skype for Business Server 2015": "C:\\Program Files\\Skype for Business Server 2015",
    "Skype for Business Server 2019": "C:\\Program Files\\Skype for Business Server 2019",
}

# Documented invocations (Microsoft topics show these command lines).
STEP_ARGUMENTS = {
    "local_store": ["/BootstrapLocalMgmt"],  # step 1 (UCMA topic; Setup.exe /BootstrapLocalMgmt on watcher nodes)
    "components": [],                        # step 2: no switch
    # UNVERIFIED (community scripts only): installs the RTC SQL Express instance that holds the CMS on a
    # first Standard Edition server, as the wizard's "Prepare first Standard Edition server" does.
    "sql_express": ["/BootstrapSqlExpress"],
}

# Documented: Setup.exe on the media with /BootstrapLocalMgmt installs the core files (with the
# Management Shell and Bootstrapper.exe) and the RTCLOCAL database (watcher node topic).
SETUP_RELATIVE_PATH = "Setup\\amd64\\Setup.exe"
SETUP_CORE_ARGUMENTS = ["/BootstrapLocalMgmt"]

# UNKNOWNS, kept here and named as such:
UNVERIFIED = {
    # Seen only in community scripts (AWS Quick Start, SfB lab scripts), never in a Microsoft topic.
    # lync.server passes it only when the inventory names the installation media.
    "/SourceDirectory:": "community only; points Bootstrapper at <media>\\Setup\\amd64",
    # Seen only in community scripts; lync.server uses it for a Standard Edition server hosting the CMS.
    "/BootstrapSqlExpress": "community only; the wizard's 'Prepare first Standard Edition server'",
    # Shown by Microsoft with /BootstrapLocalMgmt, meaning undocumented; not used.
    "/MinCache": "documented usage, undocumented meaning; not used",
    # Exit codes are not documented anywhere found; lync.server treats anything but 0 as failure.
    "exit codes": "0 is taken as success, anything else as failure",
    # Microsoft says a reboot and a second run may be needed after /BootstrapLocalMgmt and after step 2;
    # lync.server reads Windows' reboot-pending flags after each run instead of guessing.
    "reboot": "detected from Windows' RebootPending / RebootRequired keys",
}

SOURCE_RE = re.compile(r"\A([A-Za-z]:\\|\\\\[^\\/]+\\[^\\/]+)[^*?\"<>|]*\Z")


def path(install_dir):
    """Bootstrapper.exe under a Lync install folder."""
    return "%s\\%s" % (install_dir.rstrip("\\"), RELATIVE_PATH)


def install_dir_for(product, override=None):
    """The install folder: the inventory's choice, else the product's default."""
    if override:
        return override.rstrip("\\")
    return DEFAULT_INSTALL_DIRS.get(product, DEFAULT_INSTALL_DIRS["Lync Server 2013"])


def setup_path(media):
    """Setup.exe on the installation media (the folder that holds Setup\\amd64)."""
    return "%s\\%s" % (media.rstrip("\\"), SETUP_RELATIVE_PATH)


def media_amd64(media):
    """The media's Setup\\amd64 folder (what /SourceDirectory names)."""
    return "%s\\Setup\\amd64" % media.rstrip("\\") if media else None


def arguments(step, media_amd64=None):
    """Bootstrapper.exe's arguments for a Deployment Wizard step (see UNVERIFIED for /SourceDirectory)."""
    if step not in STEP_ARGUMENTS:
        raise ValueError("Bootstrapper.exe is not used for step %r" % step)
    args = list(STEP_ARGUMENTS[step])
    if media_amd64:
        if not SOURCE_RE.match(media_amd64):
            raise ValueError("media path %r is not a local or UNC folder" % media_amd64)
        args.append("/SourceDirectory:%s" % media_amd64.rstrip("\\"))
    return args
