# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab stand-in for ansible.windows.win_package (same options; the lab knows the Lync media's Setup.exe)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: win_package
short_description: Lab stand-in for ansible.windows.win_package
description:
  - Runs the one installer the lab knows, the Lync Server media's Setup.exe with /BootstrapLocalMgmt
    (core components, Management Shell, Bootstrapper.exe and the RTCLOCAL store), with the real module's
    options and idempotency through creates_path.
author: lync.server maintainers (@lync-server)
options:
  arguments: {type: raw, description: Arguments for the installer.}
  chdir: {type: path, description: Unused in the lab.}
  checksum: {type: str, description: Unused in the lab.}
  checksum_algorithm: {type: str, default: sha1, choices: [md5, sha1, sha256, sha384, sha512], description: Unused in the lab.}
  client_cert: {type: str, description: Unused in the lab.}
  client_cert_password: {type: str, description: Unused in the lab.}
  creates_path: {type: path, description: The package is installed when this path exists.}
  creates_service: {type: str, description: Unused in the lab.}
  creates_version: {type: str, description: Unused in the lab.}
  expected_return_code: {type: list, elements: int, default: [0, 3010], description: Success codes.}
  follow_redirects: {type: str, default: safe, choices: [all, none, safe], description: Unused in the lab.}
  force_basic_auth: {type: bool, default: false, description: Unused in the lab.}
  headers: {type: dict, description: Unused in the lab.}
  http_agent: {type: str, default: ansible-httpget, description: Unused in the lab.}
  log_path: {type: path, description: Unused in the lab.}
  maximum_redirection: {type: int, default: 50, description: Unused in the lab.}
  path: {type: str, description: The installer.}
  product_id: {type: str, description: Unused in the lab.}
  provider: {type: str, default: auto, choices: [auto, msi, msix, msp, registry], description: Unused in the lab.}
  proxy_password: {type: str, description: Unused in the lab.}
  proxy_url: {type: str, description: Unused in the lab.}
  proxy_use_default_credential: {type: bool, default: false, description: Unused in the lab.}
  proxy_username: {type: str, description: Unused in the lab.}
  state: {type: str, default: present, choices: [absent, present], description: Install or remove.}
  url_method: {type: str, description: Unused in the lab.}
  url_password: {type: str, description: Unused in the lab.}
  url_timeout: {type: int, default: 30, description: Unused in the lab.}
  url_username: {type: str, description: Unused in the lab.}
  use_default_credential: {type: bool, default: false, description: Unused in the lab.}
  use_proxy: {type: bool, default: true, description: Unused in the lab.}
  validate_certs: {type: bool, default: true, description: Unused in the lab.}
  wait_for_children: {type: bool, default: false, description: Unused in the lab.}
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

SPEC = {
    "arguments": {"type": "raw"}, "chdir": {"type": "path"}, "checksum": {"type": "str"},
    "checksum_algorithm": {"type": "str", "default": "sha1",
                           "choices": ["md5", "sha1", "sha256", "sha384", "sha512"]}, "client_cert": {"type": "str"},
    "client_cert_password": {"type": "str", "no_log": True}, "creates_path": {"type": "path"},
    "creates_service": {"type": "str"}, "creates_version": {"type": "str"},
    "expected_return_code": {"type": "list", "elements": "int", "default": [0, 3010]},
    "follow_redirects": {"type": "str", "default": "safe", "choices": ["all", "none", "safe"]}, "force_basic_auth": {"type": "bool", "default": False},
    "headers": {"type": "dict"}, "http_agent": {"type": "str", "default": "ansible-httpget"}, "log_path": {"type": "path"},
    "maximum_redirection": {"type": "int", "default": 50}, "path": {"type": "str"}, "product_id": {"type": "str"},
    "provider": {"type": "str", "default": "auto", "choices": ["auto", "msi", "msix", "msp", "registry"]}, "proxy_password": {"type": "str", "no_log": True},
    "proxy_url": {"type": "str"}, "proxy_use_default_credential": {"type": "bool", "default": False},
    "proxy_username": {"type": "str"}, "state": {"type": "str", "default": "present", "choices": ["absent", "present"]},
    "url_method": {"type": "str"}, "url_password": {"type": "str", "no_log": True},
    "url_timeout": {"type": "int", "default": 30}, "url_username": {"type": "str"},
    "use_default_credential": {"type": "bool", "default": False}, "use_proxy": {"type": "bool", "default": True},
    "validate_certs": {"type": "bool", "default": True}, "wait_for_children": {"type": "bool", "default": False},
}


def main():
    module = AnsibleModule(argument_spec=SPEC, supports_check_mode=True)
    # lync_lab is on PYTHONPATH: the lab connection puts it there.
    from lync_lab import packages  # pylint: disable=import-error
    from lync_lab.errors import PSError  # pylint: disable=import-error
    from lync_lab.labrun import run_on_host  # pylint: disable=import-error
    try:
        result = run_on_host(os.environ, json.loads(os.environ.get("LYNC_LAB_FAULTS") or "[]"), "win_package",
                             lambda ctx: packages.run(ctx, module.params, module.check_mode))
    except PSError as err:
        module.fail_json(msg=err.message, rc=1)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
