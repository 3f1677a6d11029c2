"""Each host runs its items at its own pace (issue 12, "every host at once"; docs/backup.md, "Embedding the role").

The playbook lync.server.backup runs the items in a play of their own under the free strategy: a Front End goes on
to its certificates while the SQL servers are still backing up. The role included in one play (`roles:`, the entry
point `main`) still backs up the whole deployment, with the hosts meeting at each item kind's task under the linear
strategy: there no certificate export starts before every SQL backup has ended. Both runs delay every SQL backup
call by the lab's `slow` fault, so that the two orders cannot be confused. The SQL backups run in the session
(`backup_detached: false`): the calls they are timed by are then the lync_sql_backup payload's own (a detached
job's work runs in the host's task process, polled by lync_job_status; tests/lab/test_detached.py).
"""

import json

from lync_lab import calls

from test_backup import BACKUP, only_set

SLOW_SQL = [{"kind": "slow", "payload": "lync_sql_backup", "seconds": 30}]

EMBEDDED = """---
- name: A play of the user's that embeds the backup role
  hosts: all
  gather_facts: false
  roles:
    - role: lync.server.backup
"""


def sql_and_certs(path):
    """(end of every lync_sql_backup call, start of every lync_cert_export call) of a run."""
    recorded = calls.load(path)
    return ([c["end"] for c in recorded if c["name"] == "lync_sql_backup"],
            [c["start"] for c in recorded if c["name"] == "lync_cert_export"])


def test_the_playbook_runs_each_host_at_its_own_pace(make_lab, run_playbook, tmp_path):
    lab = make_lab("enterprise")
    record = tmp_path / "calls.jsonl"
    run = run_playbook(lab, BACKUP, "-e", json.dumps({"lab_faults": SLOW_SQL, "backup_detached": False}), env={"LYNC_LAB_CALLS": str(record)})
    assert run.rc == 0, run.output
    assert only_set(lab)[1]["status"] == "complete"
    sql_ends, cert_starts = sql_and_certs(record)
    assert len(sql_ends) == 3 and cert_starts
    assert min(cert_starts) < min(sql_ends), "a Front End waited for the SQL servers before its certificates"


def test_the_role_in_one_play_still_backs_up_everything_with_hosts_meeting_per_kind(make_lab, run_playbook, tmp_path):
    lab = make_lab("enterprise")
    playbook = tmp_path / "embedded.yml"
    playbook.write_text(EMBEDDED)
    record = tmp_path / "calls.jsonl"
    run = run_playbook(lab, playbook, "-e", json.dumps({"lab_faults": SLOW_SQL, "backup_detached": False}), env={"LYNC_LAB_CALLS": str(record)})
    assert run.rc == 0, run.output
    manifest = only_set(lab)[1]
    assert manifest["status"] == "complete" and {i["kind"] for i in manifest["items"]} >= {"sql", "filestore", "certificates"}
    sql_ends, cert_starts = sql_and_certs(record)
    assert len(sql_ends) == 3 and cert_starts
    assert min(cert_starts) > max(sql_ends), "under the linear strategy the certificates task waits for every SQL host"
    assert not (lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / ".lync-backup.lock").exists()


def test_an_open_that_fails_after_taking_the_lock_releases_it(make_lab, run_playbook):
    """The open takes the root's lock, then cannot create the set's folder: the playbook's first play releases the
    lock by the set id it chose (the items and the close, in the plays after it, never run)."""
    lab = make_lab("standard")
    fault = [{"kind": "fail", "payload": "lync_backup_set_open", "command": "New-Item",
              "message": "Access to the path is denied."}]
    run = run_playbook(lab, BACKUP, "-e", json.dumps({"lab_faults": fault}))
    assert run.rc != 0
    opened = run.result("Open a new backup set (nothing else runs if this fails)", "lyncse01.contoso.local")
    assert opened["status"] == "failed" and "Access to the path is denied" in opened["result"]["msg"]
    released = run.result("Release the backup lock when the open did not answer with its set (by the id chosen before it)",
                          "lyncse01.contoso.local")
    assert released["status"] == "ok", released
    assert not (lab.host_root("backup01.contoso.local") / "D" / "LyncBackup" / ".lync-backup.lock").exists()
    assert not [r for r in run.records if r["action"].startswith("lync.server.lync_sql_backup")]
