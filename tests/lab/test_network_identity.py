"""The collection's one network identity, and the lab rule that enforces it: the WinRM double hop
for SQL Server, the Central Management store and Active Directory (lync_lab/netid.py).

A WinRM session without delegation has no credentials for a second server: SQL Server sees the
anonymous logon (error 18456), the domain controller refuses the anonymous bind. Microsoft:
https://learn.microsoft.com/en-us/powershell/scripting/security/remoting/ps-remoting-second-hop
https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/mssqlserver-18456-database-engine-error
"""

import json
import pathlib

import pytest

from lync_lab import cmdlets, model, netid
from lync_lab.context import Context
from lync_lab.errors import PSError
from tests.lab.conftest import edit_inventory

FACTS = pathlib.Path(__file__).parent / "playbooks" / "facts.yml"
ANONYMOUS = "Login failed for user 'NT AUTHORITY\\ANONYMOUS LOGON'"

# roles/discover/tasks/main.yml at 1a7fef5 (the old text): lync_facts outside any network-credentials block.
OLD_DISCOVER_FACTS_TASK = """---
- name: Gather Lync facts (topology from Front Ends, host facts everywhere)
  lync.server.lync_facts:
    gather_subset: "{{ ['all'] if inventory_hostname in groups[discover_front_end_group] | default([]) else ['host'] }}"
"""


def _session(lab, state, host, network_user=None):
    ctx = Context(lab, state, host, False, [], "test")
    ctx.network_user = network_user
    return ctx


# --------------------------------------------------------------------------- the model rule


def test_remote_sql_without_network_credentials_is_the_anonymous_logon(make_lab):
    lab = make_lab("enterprise")
    state = lab.load()
    with netid.session(_session(lab, state, "fe01.contoso.local")):
        with pytest.raises(PSError) as err:
            model.sql_instance(state, "sqlbe01.contoso.local", "RTC")
    assert ANONYMOUS in err.value.message and "18456" in err.value.message
    # With network credentials, or on the SQL Server itself, the login is a real one.
    with netid.session(_session(lab, state, "fe01.contoso.local", "CONTOSO\\svc-lyncbackup")):
        assert "xds" in model.sql_instance(state, "sqlbe01.contoso.local", "RTC")["databases"]
    with netid.session(_session(lab, state, "sqlbe01.contoso.local")):
        assert "xds" in model.sql_instance(state, "sqlbe01.contoso.local", "RTC")["databases"]
    # Lab bookkeeping outside a payload (replication, seeding, tests) is no Windows client.
    assert "xds" in model.sql_instance(state, "sqlbe01.contoso.local", "RTC")["databases"]


def test_cms_read_from_a_front_end_needs_network_credentials_unless_the_cms_is_local(make_lab):
    lab = make_lab("enterprise")
    state = lab.load()
    with netid.session(_session(lab, state, "fe01.contoso.local")):
        with pytest.raises(PSError) as err:
            cmdlets.topology(state)
    assert ANONYMOUS in err.value.message
    # -LocalStore reads the server's own replica, not the master: no second hop.
    with netid.session(_session(lab, state, "fe01.contoso.local")):
        cmdlets.export_configuration(state, local_store=True)
    standard = make_lab("standard")
    se_state = standard.load()
    with netid.session(_session(standard, se_state, "lyncse01.contoso.local")):
        assert cmdlets.topology(se_state)["pools"]


def test_active_directory_writes_need_network_credentials(make_lab):
    lab = make_lab("enterprise")
    state = lab.load()
    with netid.session(_session(lab, state, "fe01.contoso.local")):
        with pytest.raises(PSError) as err:
            cmdlets.set_store_location(state, "fe01.contoso.local", "RTCLOCAL")
    assert "successful bind must be completed" in err.value.message
    with netid.session(_session(lab, state, "sqlbe01.contoso.local", "CONTOSO\\svc-lyncbackup")):
        cmdlets.set_store_location(state, "sqlbe01.contoso.local", "RTC")
    assert state["ad"]["scp"]["sql_fqdn"] == "sqlbe01.contoso.local"


# --------------------------------------------------------------------------- through Ansible


def _failed_topology_probe(run, host):
    record = run.result("Gather facts", host)
    assert record["status"] == "failed", run.output
    return record["result"]["msg"]


def test_facts_on_an_enterprise_front_end_without_network_credentials_fail_like_sql_server(make_lab, run_playbook):
    lab = make_lab("enterprise")
    run = run_playbook(lab, FACTS, extra_vars={"target": "fe01.contoso.local", "use_become": False})
    assert run.rc != 0
    message = _failed_topology_probe(run, "fe01.contoso.local")
    assert "lync_topology_probe" in message and ANONYMOUS in message
    # The error names the fix.
    assert "lync_network_user" in message and "logon_type=new_credentials" in message


def test_the_old_discover_task_fails_on_an_enterprise_front_end(make_lab, run_playbook, tmp_path):
    """The old text of roles/discover (1a7fef5) gathers facts outside any credentials block."""
    lab = make_lab("enterprise")
    (tmp_path / "old_discover.yml").write_text(OLD_DISCOVER_FACTS_TASK)
    playbook = tmp_path / "old.yml"
    playbook.write_text("""---
- name: The old discover role's facts task
  hosts: fe01.contoso.local
  gather_facts: false
  vars:
    discover_front_end_group: lync_front_ends
  tasks:
    - name: Old task
      ansible.builtin.include_tasks: %s
""" % (tmp_path / "old_discover.yml"))
    run = run_playbook(lab, playbook)
    assert run.rc != 0
    failed = [r for r in run.records if r["status"] == "failed"]
    assert failed and ANONYMOUS in failed[0]["result"]["msg"], run.output


def test_discover_on_an_enterprise_front_end_passes_with_the_network_identity(make_lab, run_playbook):
    lab = make_lab("enterprise")
    run = run_playbook(lab, "lync.server.discover")
    assert run.rc == 0, run.output
    facts = run.result("Gather Lync facts (topology from Front Ends, host facts everywhere) with network "
                       "credentials", "fe01.contoso.local")["result"]["ansible_facts"]
    assert facts["lync_deployment"]["cms"]["sql_fqdn"] == "sqlbe01.contoso.local"
    assert not [w for r in run.records for w in r["result"].get("warnings", []) if "deprecated" in w]


def test_discover_without_become_fails_on_enterprise_and_works_on_standard(make_lab, run_playbook):
    """Standard Edition hid the defect: its Central Management store is on the server itself."""
    enterprise = make_lab("enterprise")
    run = run_playbook(enterprise, "lync.server.discover", "-e", "lync_network_become=false")
    assert run.rc != 0
    # ansible-core 2.16 prints the message JSON-escaped (a doubled backslash), 2.19 as text.
    assert ANONYMOUS in run.output.replace("\\\\", "\\")
    standard = make_lab("standard")
    run = run_playbook(standard, "lync.server.discover", "-e", "lync_network_become=false")
    assert run.rc == 0, run.output


def test_a_connection_that_delegates_needs_no_become(make_lab, run_playbook):
    """CredSSP (or Kerberos delegation) gives the session its own credentials on the next server."""
    lab = make_lab("enterprise")
    run = run_playbook(lab, "lync.server.discover", "-e", json.dumps(
        {"lync_network_become": False, "ansible_winrm_transport": ["credssp"]}))
    assert run.rc == 0, run.output


def test_only_the_old_variable_names_still_work_and_warn(make_lab, run_playbook):
    lab = make_lab("enterprise")

    def old_names(inventory):
        values = inventory["all"]["vars"]
        values["lync_share_user"] = values.pop("lync_network_user")
        values["lync_share_password"] = values.pop("lync_network_password")
    edit_inventory(lab, old_names)
    run = run_playbook(lab, "lync.server.discover")
    assert run.rc == 0, run.output
    warnings = {w for r in run.records for w in r["result"].get("warnings", [])}
    assert any("lync_share_user, lync_share_password: deprecated" in w and "lync_network_user" in w
               for w in warnings), warnings
    assert "lab-share-password" not in run.output
