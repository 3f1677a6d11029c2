# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter lync.server.topology_report: lync_facts results as a plain-text report."""

from __future__ import annotations

DOCUMENTATION = r"""
name: topology_report
short_description: Render lync_facts results as a plain-text topology report
version_added: 0.1.0
description:
  - Takes C(lync_deployment) facts and a dict of C(lync_host) facts keyed by host name and returns
    the report's lines, which give the product and build, Central Management store and replication, sites and
    pools, SQL stores with how each database is protected, file stores, and each host's cleanliness.
positional: hosts
options:
  _input:
    description: The C(lync_deployment) facts of one Front End, or V(null).
    type: dict
    required: true
  hosts:
    description: C(lync_host) facts keyed by host name.
    type: dict
    required: true
author: lync.server maintainers (@lync-server)
"""

EXAMPLES = r"""
- name: Print the topology
  ansible.builtin.debug:
    msg: "{{ ansible_facts.lync_deployment | lync.server.topology_report({inventory_hostname: ansible_facts.lync_host}) }}"
"""

RETURN = r"""
_value:
  description: The report, one string per line.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.lync.server.plugins.plugin_utils.report import topology_lines


def topology_report(deployment, hosts):
    """The report lines for a deployment and its hosts."""
    if not isinstance(hosts, dict):
        raise AnsibleFilterError("topology_report: hosts must be a dict of lync_host facts keyed by host name")
    return topology_lines(deployment, hosts)


class FilterModule:
    """lync.server filters."""

    def filters(self):
        return {"topology_report": topology_report}
