# Copyright: (c) 2026, lync.server maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.html: a backup set and the retained sets before it, on one self-contained page.

The page is built on the controller from this set's manifest (made by this run) and from the
earlier sets as lync_backup_set_info lists them (each one's `history`, a summary of its own
manifest, see summary()). An earlier set's figures are shown only when its manifest.sig matches
under the signing key: a set that is unsigned, tampered, invalid or unfinished is listed with
its condition and why, never with the figures its manifest claims.

The page holds no script and fetches nothing (a Content-Security-Policy forbids both); every
value goes through html.escape; every status is a word as well as a colour.
"""

from __future__ import annotations

import html

from ansible_collections.lync.server.plugins.plugin_utils import backup_plan
from ansible_collections.lync.server.plugins.plugin_utils import backup_set as bs

# The columns of the history: item kinds grouped as an administrator thinks of them (docs/backup-set.md,
# "Item kinds"). A kind not listed here is counted under "other".
KIND_GROUPS = (
    ("cms", "CMS", ("cms_config", "cms_lis", "cms_topology")),
    ("exports", "Data exports", ("userdata", "rgs", "pchat_export")),
    ("sql", "SQL", ("sql",)),
    ("filestore", "File stores", ("filestore",)),
    ("certificates", "Certificates", ("certificates",)),
    ("identity", "Identity", ("identity",)),
    ("other", "Other", ()),
)
GROUP_OF = {kind: key for key, _label, kinds in KIND_GROUPS for kind in kinds}
ERROR_CHARS = 300  # an earlier night's error is cut to this; this set's errors are shown whole

# condition (backup_set.condition, and "failed" for a run that left no manifest) -> (word, why)
WORDS = {
    "complete": ("COMPLETE", ""),
    "partial": ("PARTIAL", ""),
    "incomplete": ("FAILED", "the run did not finish: no manifest.json"),
    "invalid": ("INVALID", ""),
    "tampered": ("TAMPERED", "manifest.sig does not match the manifest"),
    "unsigned": ("UNSIGNED", "no valid signature: its figures are not shown"),
    "unverified": ("UNVERIFIED", "no signing key was given: its figures are not shown"),
    "damaged": ("DAMAGED", ""),
}

CSS = """
body{font:14px/1.35 "DejaVu Sans",Arial,sans-serif;color:#111;background:#fff;margin:16px}
h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:18px 0 6px}
p{margin:3px 0}
table{border-collapse:collapse;margin:4px 0}
th,td{border:1px solid #999;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#e8e8e8}
td.n{text-align:right;white-space:nowrap}
td.id{font-family:"DejaVu Sans Mono",monospace;white-space:nowrap}
.st{font-weight:bold;white-space:nowrap;border-left:8px solid #999}
.s-complete .st{border-left-color:#2a9d2a}
.s-partial .st,.s-damaged .st{border-left-color:#e69500}
.s-failed .st,.s-tampered .st,.s-invalid .st{border-left-color:#d02020}
.bad{border-left:8px solid #e69500}
tr.this td{border-top:2px solid #111;border-bottom:2px solid #111}
td.none{color:#555;font-style:italic}
.note{color:#333;font-size:12px}
"""


def _esc(value):
    return html.escape("" if value is None else str(value), quote=True)


human_size = backup_plan.human_size  # report.txt's formatter


def _seconds(started, finished):
    start, end = bs.parse_time(started), bs.parse_time(finished)
    if start is None or end is None or end < start:
        return None
    return int((end - start).total_seconds())


def duration(seconds):
    """1h02m, 41m12s, 9s; '-' when unknown."""
    if seconds is None:
        return "-"
    seconds = int(seconds)
    if seconds >= 3600:
        return "%dh%02dm" % (seconds // 3600, seconds % 3600 // 60)
    if seconds >= 60:
        return "%dm%02ds" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def summary(manifest):
    """What the history shows of one set, from its manifest: {finished, seconds, kinds: {group: {items,
    failed, bytes, seconds}}, failed: [{id, host, error, finished}]}.

    A group's seconds is the span from its first item's start to its last item's finish (items of one
    kind run on several hosts at once, so their durations do not add up)."""
    kinds = {}
    spans = {}
    failed = []
    for item in manifest.get("items") or []:
        key = GROUP_OF.get(item.get("kind"), "other")
        entry = kinds.setdefault(key, {"items": 0, "failed": 0, "bytes": 0, "seconds": None})
        entry["items"] += 1
        entry["bytes"] += bs.item_bytes(item)
        if item.get("status") != "ok":
            entry["failed"] += 1
            failed.append({"id": item.get("id"), "host": item.get("host"), "error": item.get("error"),
                           "finished": item.get("finished")})
        start, end = bs.parse_time(item.get("started")), bs.parse_time(item.get("finished"))
        if start is not None and end is not None and end >= start:
            first, last = spans.get(key, (start, end))
            spans[key] = (min(first, start), max(last, end))
    for key, (first, last) in spans.items():
        kinds[key]["seconds"] = int((last - first).total_seconds())
    return {"finished": manifest.get("finished"), "seconds": _seconds(manifest.get("started"), manifest.get("finished")),
            "kinds": kinds, "failed": failed}


def _night_of_manifest(manifest):
    counts_ok = sum(1 for i in manifest["items"] if i["status"] == "ok")
    return {"set_id": manifest["set_id"], "started": manifest.get("started"), "condition": manifest["status"],
            "problems": [], "authentic": True, "items_ok": counts_ok, "items_failed": len(manifest["items"]) - counts_ok,
            "bytes": sum(bs.item_bytes(i) for i in manifest["items"]),
            "history": summary(manifest), "this": True}


def _night_of_listing(info):
    """An earlier set as lync_backup_set_info lists it; authentic only when its signature was checked and matches."""
    condition = info.get("condition") or info.get("status")
    if info.get("status") == "incomplete":
        condition = "incomplete"
    elif info.get("signature") == "unchecked" and condition not in ("tampered", "invalid"):
        condition = "unverified"
    authentic = (info.get("signature") == "valid" and info.get("status") in ("complete", "partial")
                 and isinstance(info.get("history"), dict))
    return {"set_id": info.get("set_id"), "started": info.get("recorded") or info.get("started"),
            "condition": condition, "problems": list(info.get("problems") or []), "authentic": authentic,
            "items_ok": info.get("items_ok"), "items_failed": info.get("items_failed"), "bytes": info.get("bytes"),
            "history": info.get("history") if authentic else None, "this": False}


def nights(manifest, sets):
    """This set and the earlier ones, newest first (by the start each recorded), this set once."""
    found = [_night_of_manifest(manifest)]
    found += [_night_of_listing(s) for s in sets or [] if s.get("set_id") != manifest["set_id"]]
    return sorted(found, key=lambda n: (n["started"] or "", n["set_id"] or ""), reverse=True)


def _word(condition):
    return WORDS.get(condition, (str(condition).upper(), ""))


def _kind_cell(entry):
    if not entry:
        return '<td class="none">-</td>'
    text = "%s, %s" % (human_size(entry["bytes"]), duration(entry["seconds"]))
    if entry["failed"]:
        return '<td class="n bad">FAILED %d/%d<br>%s</td>' % (entry["failed"], entry["items"], _esc(text))
    return '<td class="n">%s</td>' % _esc(text)


def _night_row(night, columns):
    word, why = _word(night["condition"])
    cls = "s-%s%s" % (_esc(night["condition"]), " this" if night["this"] else "")
    label = _esc(night["set_id"]) + ("<br>(this run)" if night["this"] else "")
    cells = ['<td class="id">%s</td>' % label, "<td class=\"n\">%s</td>" % _esc((night["started"] or "-")[:16].replace("T", " ")),
             '<td class="st">%s</td>' % _esc(word)]
    if night["history"] is None:
        reason = "; ".join(night["problems"]) or why or "not read"
        cells.append('<td class="none" colspan="%d">figures not shown (not trusted): %s</td>'
                     % (4 + len(columns), _esc(reason[:ERROR_CHARS])))
    else:
        hist = night["history"]
        cells.append('<td class="n">%s</td>' % _esc(duration(hist.get("seconds"))))
        cells.append('<td class="n">%s</td>' % _esc(human_size(night["bytes"])))
        cells.append('<td class="n">%s</td>' % _esc(night["items_ok"]))
        cells.append('<td class="n%s">%s</td>' % (" bad" if night["items_failed"] else "", _esc(night["items_failed"])))
        cells += [_kind_cell((hist.get("kinds") or {}).get(key)) for key, _label in columns]
    return '<tr class="%s">%s</tr>' % (cls, "".join(cells))


def render(manifest, sets, path, verification=None):
    """The HTML text of report.html.

    manifest     -- this set's manifest, as the close settled it
    sets         -- the sets lync_backup_set_info listed under the root (with `history`), this one excluded or not;
                    None when they could not be listed
    path         -- this set's UNC path
    verification -- optional {condition, problems} of lync_backup_set_info's verify of this set (the controller's copy)
    """
    all_nights = nights(manifest, sets)
    used = {k for n in all_nights if n["history"] for k in (n["history"].get("kinds") or {})}
    columns = [(key, label) for key, label, _kinds in KIND_GROUPS if key in used]
    this = next(n for n in all_nights if n["this"])
    word = _word(manifest["status"])[0]
    parts = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
             '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
             "<title>lync.server backup %s</title><style>%s</style></head><body>" % (_esc(manifest["set_id"]), CSS),
             '<h1>lync.server backup <span class="id">%s</span></h1>' % _esc(manifest["set_id"]),
             '<p class="s-%s">Status: <span class="st">%s</span> (%d items ok, %d failed, %s)</p>'
             % (_esc(manifest["status"]), _esc(word), this["items_ok"], this["items_failed"], _esc(human_size(this["bytes"]))),
             "<p>Location: %s</p>" % _esc(path),
             "<p>Started: %s &nbsp; Finished: %s &nbsp; Duration: %s</p>"
             % (_esc(manifest.get("started")), _esc(manifest.get("finished")), _esc(duration(this["history"]["seconds"]))),
             "<p>Lync: %s, build %s</p>" % (_esc((manifest.get("lync") or {}).get("product")),
                                            _esc((manifest.get("lync") or {}).get("version")))]
    if verification is not None:
        problems = list(verification.get("problems") or [])
        said = ("FAILED: " + "; ".join(problems)) if problems else "every file matches the manifest (size and SHA-256)"
        parts.append('<p%s>Verification: %s</p>' % (' class="bad"' if problems else "", _esc(said)))
    parts.append("<h2>Nights (%d, newest first)</h2>" % len(all_nights))
    if sets is None:
        parts.append('<p class="bad">The earlier sets could not be listed (lync_backup_set_info failed): only this '
                     "set is shown.</p>")
    parts.append('<table id="nights"><thead><tr><th>Set</th><th>Started (UTC)</th><th>Status</th><th>Duration</th>'
                 "<th>Size</th><th>Items ok</th><th>Failed</th>%s</tr></thead><tbody>"
                 % "".join("<th>%s</th>" % _esc(label) for _key, label in columns))
    parts += [_night_row(n, columns) for n in all_nights]
    parts.append("</tbody></table>")
    parts.append('<p class="note">Per kind: size, and the time from its first item\'s start to its last item\'s '
                 "finish. An earlier set's figures come from its own manifest and are shown only when its "
                 "manifest.sig matches under the signing key; its files were not re-read for this page "
                 "(lync.server.verify_backup checks them).</p>")
    failures = [(n, f) for n in all_nights if n["history"] for f in n["history"].get("failed") or []]
    parts.append("<h2>Failed items</h2>")
    if failures:
        parts.append('<table id="failures"><thead><tr><th>Set</th><th>Item</th><th>Host</th><th>Error</th></tr>'
                     "</thead><tbody>")
        for night, failure in failures:
            error = str(failure.get("error") or "failed")
            if not night["this"] and len(error) > ERROR_CHARS:
                error = error[:ERROR_CHARS] + "..."
            parts.append('<tr%s><td class="id">%s</td><td class="id">%s</td><td>%s</td><td>%s</td></tr>' % (
                ' class="this"' if night["this"] else "", _esc(night["set_id"]), _esc(failure.get("id")),
                _esc(failure.get("host") or "-"), _esc(error)))
        parts.append("</tbody></table>")
    else:
        parts.append("<p>None in the nights shown.</p>")
    parts.append("<h2>Items of this set</h2>")
    parts.append('<table id="items"><thead><tr><th>Status</th><th>Item</th><th>Host</th><th>Files</th><th>Size</th>'
                 "<th>Duration</th></tr></thead><tbody>")
    for item in manifest["items"]:
        ok = item["status"] == "ok"
        parts.append('<tr class="s-%s"><td class="st">%s</td><td class="id">%s</td><td>%s</td><td class="n">%d</td>'
                     '<td class="n">%s</td><td class="n">%s</td></tr>' % (
                         "complete" if ok else "failed", "ok" if ok else "FAILED", _esc(item["id"]),
                         _esc(item.get("host") or "-"), bs.item_file_count(item),
                         _esc(human_size(bs.item_bytes(item))),
                         _esc(duration(_seconds(item.get("started"), item.get("finished"))))))
    parts.append("</tbody></table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
