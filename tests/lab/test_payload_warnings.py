"""Warnings a payload writes (Write-Warning, here planted into the payloads' own text) reach the user: in the
task's result (`warnings`, what AWX's job events carry) and as [WARNING] lines of ansible-playbook's output,
with the payload and the host named; a task that fails shows them before its error."""

import pathlib

FACTS = pathlib.Path(__file__).parent / "playbooks" / "facts.yml"
SE = "lyncse01.contoso.local"
WARNING = "the system drive has 2 GB free"
SHOWN = "payload lync_host_probe on %s: %s" % (SE, WARNING)
ANCHOR = "$Ansible.Changed = $false\n"


def shown(run, text):
    """text among the [WARNING] lines of the output (ansible-core wraps them at the terminal's width)."""
    return run.said(text)


def test_a_payload_warning_is_a_task_warning(make_lab, run_playbook, plant_defect):
    plant_defect("lync_host_probe", ANCHOR, ANCHOR + "Write-Warning '%s'\n" % WARNING)
    lab = make_lab("standard")
    run = run_playbook(lab, FACTS, extra_vars={"target": SE, "subset": ["host"]})
    assert run.rc == 0, run.output
    record = run.result("Gather facts", SE)
    assert record["status"] == "ok" and SHOWN in record["result"].get("warnings", []), record["result"]
    assert shown(run, "[WARNING]: " + SHOWN), run.output


def test_a_lync_action_module_shows_them_too(make_lab, run_playbook, plant_defect, tmp_path):
    plant_defect("lync_recovery_markers", ANCHOR, ANCHOR + "Write-Warning 'marker folder is on a removable disk'\n")
    playbook = tmp_path / "markers.yml"
    playbook.write_text("""---
- name: Read the recovery markers
  hosts: %s
  gather_facts: false
  tasks:
    - name: Query the markers
      lync.server.lync_recovery_marker:
        state: query
""" % SE, encoding="utf-8")
    run = run_playbook(make_lab("standard"), playbook)
    assert run.rc == 0, run.output
    text = "payload lync_recovery_markers on %s: marker folder is on a removable disk" % SE
    assert text in run.result("Query the markers", SE)["result"].get("warnings", []), run.output
    assert shown(run, "[WARNING]: " + text), run.output


def test_a_failing_task_shows_the_warnings_before_its_error(make_lab, run_playbook, plant_defect):
    plant_defect("lync_host_probe", ANCHOR, ANCHOR + "Write-Warning '%s'\nthrow 'LAB_PLANTED_FAILURE'\n" % WARNING)
    run = run_playbook(make_lab("standard"), FACTS, extra_vars={"target": SE, "subset": ["host"]})
    assert run.rc != 0
    assert run.result("Gather facts", SE)["status"] == "failed"
    assert "LAB_PLANTED_FAILURE" in run.output and shown(run, "[WARNING]: " + SHOWN), run.output
