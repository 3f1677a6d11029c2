"""Two SQL Server instances of one server under different service accounts (issue 9).

The backup records each instance's service account; preparation used to install every instance
under the host's single lync_sql_service_account, so an instance that ran under an account of
its own came back without that account's grants, SPNs and share rights, silently. Now each
instance's account is pinned (lync_pins.sql_instances: {name, service_account}), compared with
the backup set and the target (field sql_service_accounts), and the instance is installed under
it with that account's vaulted password (lync_sql_service_passwords).
"""

import json

from lync_lab import compare, disaster
from tests.lab.conftest import edit_inventory, host_vars
from tests.lab.test_recovery import BACKUP_SERVER, recover

MON = "sqlmon01.contoso.local"
PCHAT_ACCOUNT = "CONTOSO\\svc-sqlpchat"
PCHAT_PASSWORD = "lab-Sql-Service-Password-3"


def pchat_under_its_own_account(lab):
    """Before the backup: the Persistent Chat instance runs under an account of its own."""
    with lab.locked() as state:
        state["hosts"][MON]["sql"]["PCHAT"]["service_account"] = PCHAT_ACCOUNT


def _pin_accounts(inventory):
    mon = host_vars(inventory, MON)
    mon["lync_pins"]["sql_instances"] = ["RTC", {"name": "PCHAT", "service_account": PCHAT_ACCOUNT}]
    mon["lync_sql_service_passwords"] = {PCHAT_ACCOUNT: PCHAT_PASSWORD}


def _prepare(lab, run_playbook, *args):
    disaster.wipe(lab, MON)
    return run_playbook(lab, "lync.server.prepare_clean_server", "-e", "lync_prepare_hosts=%s" % MON, *args)


def test_each_instance_comes_back_under_its_own_account(backed_up_lab, run_playbook):
    lab = backed_up_lab("enterprise", before_backup=pchat_under_its_own_account)
    edit_inventory(lab, _pin_accounts)
    run = _prepare(lab, run_playbook)
    assert run.rc == 0, run.output[-6000:]
    sql = lab.load()["hosts"][MON]["sql"]
    assert sql["RTC"]["service_account"] == "CONTOSO\\svc-sqlmon"      # the host-wide (deprecated) default
    assert sql["PCHAT"]["service_account"] == PCHAT_ACCOUNT            # pinned per instance
    for secret in (PCHAT_PASSWORD, "lab-Sql-Service-Password-2"):
        assert secret not in run.output and secret not in json.dumps(run.records), secret


def test_an_unpinned_account_that_differs_from_the_backup_is_refused_before_any_change(backed_up_lab, run_playbook):
    """The old behaviour: PCHAT would have come back under the host-wide svc-sqlmon, silently."""
    lab = backed_up_lab("enterprise", before_backup=pchat_under_its_own_account)
    run = _prepare(lab, run_playbook)
    assert run.rc != 0
    assert "sql_service_accounts[PCHAT] (refuse)" in run.output, run.output[-4000:]
    assert "the inventory and the backup set disagree" in run.output
    assert lab.load()["hosts"][MON].get("sql", {}) == {}


def test_a_wrong_password_for_the_instance_account_fails_in_setup(backed_up_lab, run_playbook):
    """One vaulted password per account: the host-wide password is not the PCHAT account's (lab rule)."""
    lab = backed_up_lab("enterprise", before_backup=pchat_under_its_own_account)

    def wrong(inventory):
        _pin_accounts(inventory)
        host_vars(inventory, MON)["lync_sql_service_passwords"] = {PCHAT_ACCOUNT: "not-the-password"}
    edit_inventory(lab, wrong)
    run = _prepare(lab, run_playbook)
    assert run.rc != 0
    assert "The credentials you provided for the SQL Server Database Engine service are invalid" in run.output
    assert "PCHAT" not in lab.load()["hosts"][MON].get("sql", {})


def test_recovered_with_both_accounts_the_lab_equals_the_lab_at_backup_time(backed_up_lab, run_playbook):
    """Prepared and recovered, the server equals what was backed up, each instance under its account;
    the recovery preflight's final pins check agrees on sql_service_accounts."""
    lab = backed_up_lab("enterprise", before_backup=pchat_under_its_own_account)
    edit_inventory(lab, _pin_accounts)
    before_state, before_files = lab.load(), compare.files_view(lab, [BACKUP_SERVER])
    prepared = _prepare(lab, run_playbook)
    assert prepared.rc == 0, prepared.output[-6000:]
    run = recover(run_playbook, lab, [MON])
    assert run.rc == 0, run.output[-6000:]
    found = compare.compare(before_state, before_files, lab, [BACKUP_SERVER])
    assert not found, "the recovered lab differs:\n" + "\n".join(found)
