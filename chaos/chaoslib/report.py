"""report.json (machine-readable: violations, availability, counts, seed), report.md and
report.html (the same for people, with the SVG timeline), and timeline.svg."""
import collections
import dataclasses
import datetime
import json
import os
from html import escape

from . import timeline
from .checkers import availability


def build(options, history, results, schedule, partitions_note, errors, crashes):
    violations = [v for r in results for v in r["violations"]]
    warnings = [w for r in results for w in r["warnings"]]
    # A crash is not one of the checked properties, but nobody should miss it.
    warnings += [f"{c['log']}:{c['line']}: node crashed: {c['summary']}" + (f" at {c['frame']}" if c["frame"] else "")
                 for c in crashes]
    availability = next((r["summary"] for r in results if r["name"] == "availability"), {})
    started = datetime.datetime.fromtimestamp(history["wall_origin"], datetime.timezone.utc)
    return {
        "seed": options.seed,
        "scenario": options.name,
        "replay": options.replay_command(),
        "started_at": started.isoformat(timespec="seconds"),
        "violations": violations,
        "warnings": warnings + errors,
        "availability": availability,
        "counts": dict(counts(history), crashes=len(crashes)),
        "crashes": crashes,
        "partitions": partitions_note,
        "checkers": {r["name"]: {"ok": r["ok"], "violations": len(r["violations"]), "summary": r["summary"]}
                     for r in results},
        "faults": history["faults"],
        "leaders": history["leaders"],
        "phases": history["phases"],
        "notes": history["notes"],
        "schedule": schedule,
        "options": {k: v for k, v in dataclasses.asdict(options).items()},
    }


def counts(history):
    def by_outcome(ops):
        tally = collections.Counter(op.get("outcome") for op in ops)
        return {"ok": tally["ok"], "fail": tally["fail"], "indeterminate": tally["indeterminate"], "total": len(ops)}

    registers = history["registers"]
    operations = {
        "messages": by_outcome(history["messages"]),
        "answers": by_outcome(history.get("deliveries", [])),
        "conversations": by_outcome(history["conversations"]),
        "registers": by_outcome(registers),
        "register_functions": dict(collections.Counter(op["f"] for op in registers)),
        "subscriber_events": sum(len(s["events"]) for s in history["subscribers"]),
        "subscriber_connections": sum(len(s["connections"]) for s in history["subscribers"]),
        "requests": len(history["requests"]),
    }
    operations["total"] = (operations["messages"]["total"] + operations["answers"]["total"]
                           + operations["conversations"]["total"] + operations["registers"]["total"])
    applied = [f for f in history["faults"] if not f.get("skipped")]
    faults = dict(collections.Counter(f["kind"] for f in applied))
    faults["total"] = len(applied)
    faults["skipped"] = sum(1 for f in history["faults"] if f.get("skipped"))
    return {"operations": operations, "faults": faults, "leader_changes": max(0, len(history["leaders"]) - 1)}


def write(directory, report, history, node_ids):
    svg = timeline.render(history, node_ids)
    start, end = availability.workload_window(history)
    with open(os.path.join(directory, "availability-buckets.json"), "w") as handle:
        series = availability.buckets(history["requests"], start, end)
        json.dump({"start": start, "width_seconds": availability.BUCKET_SECONDS, "ok_failed": series}, handle)
    with open(os.path.join(directory, "report.json"), "w") as handle:
        json.dump(report, handle, indent=2, default=str)
    with open(os.path.join(directory, "timeline.svg"), "w") as handle:
        handle.write(svg)
    with open(os.path.join(directory, "report.md"), "w") as handle:
        handle.write(markdown(report))
    with open(os.path.join(directory, "report.html"), "w") as handle:
        handle.write(html(report, svg))


def headline(report):
    verdict = "PASS" if not report["violations"] else f"FAIL ({len(report['violations'])} violations)"
    return f"Chaos run {report['scenario']}, seed {report['seed']}: {verdict}"


def summary_rows(report):
    a, c = report["availability"], report["counts"]
    operations, faults = c["operations"], c["faults"]
    return [
        ("started", report["started_at"]),
        ("replay", f"`{report['replay']}`"),
        ("operations", f"{operations['total']} (messages {fmt_outcomes(operations['messages'])}; registers "
                       f"{fmt_outcomes(operations['registers'])}; conversations "
                       f"{fmt_outcomes(operations['conversations'])}"
                       + (f"; WeChat answers {fmt_outcomes(operations['answers'])}" if operations.get("answers", {}).get("total") else "")
                       + ")"),
        ("subscriber events", f"{operations['subscriber_events']} over {operations['subscriber_connections']} connections"),
        ("faults", ", ".join(f"{k} {v}" for k, v in faults.items())),
        ("leader changes", str(c["leader_changes"])),
        ("node crashes", str(c.get("crashes", 0))),
        ("partitions", report["partitions"]),
        ("requests ok", percent(a.get("ok_fraction"))),
        ("longest unavailability with a majority up", f"{a.get('longest_unavailable_with_majority_seconds')} s "
                                                      f"at {a.get('longest_unavailable_window')}"),
        ("first write after heal", f"{a.get('first_write_after_heal_seconds')} s"),
        ("recovered after heal", f"{a.get('recovery_after_heal_seconds')} s"),
    ]


def fmt_outcomes(tally):
    return f"{tally['ok']} ok / {tally['fail']} failed / {tally['indeterminate']} indeterminate"


def percent(fraction):
    return "n/a" if fraction is None else f"{100 * fraction:.2f} %"


def markdown(report):
    lines = [f"# {headline(report)}", "", "![timeline](timeline.svg)", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in summary_rows(report)]
    lines += ["", "## Checkers", ""]
    lines += [f"- **{name}**: {'ok' if c['ok'] else 'VIOLATED'} {short_summary(c['summary'])}"
              for name, c in report["checkers"].items()]
    lines += ["", "## Violations", ""]
    lines += [f"- [{v['checker']}/{v['kind']}] {v['message']}\n  `{json.dumps(v.get('examples', v), default=str)[:600]}`"
              for v in report["violations"]] or ["None."]
    if report["warnings"]:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in report["warnings"]]
    lines += ["", "## Faults", "", "| start | end | kind | nodes | details |", "|---|---|---|---|---|"]
    for fault in report["faults"]:
        details = {k: v for k, v in fault.get("details", {}).items() if k != "blocked"}
        lines.append(f"| {fault['start']:.2f} | {fault['end']:.2f} | {fault['kind']} | "
                     f"{','.join(map(str, fault['nodes']))} | {json.dumps(details, default=str)} |")
    return "\n".join(lines) + "\n"


def short_summary(summary):
    text = json.dumps(summary, default=str)
    return f"`{text[:300]}{'…' if len(text) > 300 else ''}`"


def html(report, svg):
    rows = "".join(f"<tr><th>{escape(name)}</th><td>{escape(str(value).strip('`'))}</td></tr>"
                   for name, value in summary_rows(report))
    checkers = "".join(f"<li><b>{escape(name)}</b>: {'ok' if c['ok'] else 'VIOLATED'} "
                       f"<code>{escape(json.dumps(c['summary'], default=str)[:400])}</code></li>"
                       for name, c in report["checkers"].items())
    violations = "".join(f"<li>[{escape(v['checker'])}/{escape(v['kind'])}] {escape(v['message'])}<br>"
                         f"<code>{escape(json.dumps(v.get('examples', v), default=str)[:800])}</code></li>"
                         for v in report["violations"]) or "<li>None.</li>"
    faults = "".join(f"<tr><td>{f['start']:.2f}</td><td>{f['end']:.2f}</td><td>{escape(f['kind'])}</td>"
                     f"<td>{escape(','.join(map(str, f['nodes'])))}</td><td><code>"
                     f"{escape(json.dumps({k: v for k, v in f.get('details', {}).items() if k != 'blocked'}, default=str))}"
                     "</code></td></tr>" for f in report["faults"])
    return (f"<!doctype html><meta charset='utf-8'><title>{escape(headline(report))}</title>"
            "<style>body{font-family:sans-serif;margin:20px}td,th{text-align:left;padding:2px 8px;"
            "vertical-align:top}code{font-size:11px}</style>"
            f"<h1>{escape(headline(report))}</h1>{svg}<table>{rows}</table>"
            f"<h2>Checkers</h2><ul>{checkers}</ul><h2>Violations</h2><ul>{violations}</ul>"
            f"<h2>Faults</h2><table><tr><th>start</th><th>end</th><th>kind</th><th>nodes</th><th>details</th></tr>"
            f"{faults}</table>")
