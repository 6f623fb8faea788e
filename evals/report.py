"""Human-readable evaluation reports: a Markdown summary and a self-contained HTML page whose
charts (confusion heat map, pass rate per category, latency histogram) are inline PNGs drawn with
matplotlib, so the page opens anywhere with no network."""

from __future__ import annotations

import base64
import html as html_lib
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from evals.run import Report

ACTIONS = ["answer", "no_answer", "refuse", "deflect", "escalate", "error"]


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def markdown(report: Report) -> str:
    m = report.metrics
    lines = ["# Evaluation report", "", f"Gate: **{'PASS' if report.gate['passed'] else 'FAIL'}**, "
             f"{m['cases']} cases ({report.target}), pass rate {m['pass_rate']:.1%}, disclaimer "
             f"{m['disclaimer_rate']:.1%}, latency p50 {m['latency_ms']['p50']} ms, p95 {m['latency_ms']['p95']} ms",
             "", "| set | cases | pass rate | recall@5 | MRR@10 | p50 ms |", "|---|---|---|---|---|---|"]
    for name, s in m["sets"].items():
        r = s.get("retrieval", {})
        lines.append(f"| {name} | {s['cases']} | {s['pass_rate']:.1%} | {_pct(r.get('recall@5'))} | "
                     f"{r.get('mrr@10', '-')} | {s['latency_ms']['p50']} |")
    lines += ["", "| expected category | cases | pass rate |", "|---|---|---|"]
    lines += [f"| {name} | {c['cases']} | {c['pass_rate']:.1%} |" for name, c in m["categories"].items()]
    sections = [("Critical failures", report.gate["critical_failures"]), ("Regressions", report.gate["regressions"]),
                ("Skipped", report.skipped),
                ("Failing now, passed in the baseline", report.baseline_diff.get("newly_failing", [])),
                ("Fixed since the baseline", report.baseline_diff.get("fixed", []))]
    for title, items in sections:
        if items:
            lines += ["", f"## {title}", *[f"- {x}" for x in items]]
    failed = [r for r in report.results if not r.passed]
    if failed:
        lines += ["", "## Failures", "", "| set | case | got | reasons |", "|---|---|---|---|"]
        lines += [f"| {r.set} | {r.id} | {r.action}/{r.category} | {'; '.join(r.reasons).replace('|', '/')} |"
                  for r in failed]
    return "\n".join(lines) + "\n"


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def charts(report: Report) -> dict[str, str]:
    """Base64 PNGs by name: confusion, categories, latency."""
    import matplotlib

    matplotlib.use("Agg")  # no display, no GUI toolkit
    from matplotlib.figure import Figure

    m = report.metrics
    out: dict[str, str] = {}
    confusion = m["action_confusion"]
    rows = sorted(confusion, key=lambda a: (a == "any", a.count("|"), a))
    cols = [a for a in ACTIONS if any(a in confusion[r] for r in rows)]
    if rows and cols:
        fig = Figure(figsize=(1.1 * len(cols) + 3, 0.5 * len(rows) + 1.5))
        ax = fig.subplots()
        grid = [[confusion[r].get(c, 0) for c in cols] for r in rows]
        ax.imshow(grid, cmap="Blues")
        ax.set_xticks(range(len(cols)), cols, rotation=30)
        ax.set_yticks(range(len(rows)), rows)
        ax.set_xlabel("action given")
        ax.set_ylabel("action expected")
        peak = max(max(r) for r in grid) or 1
        for i, line in enumerate(grid):
            for j, value in enumerate(line):
                ax.text(j, i, str(value), ha="center", va="center",
                        color="white" if value > peak / 2 else "black")
        ax.set_title("Action confusion")
        out["confusion"] = _png(fig)
    categories = m["categories"]
    if categories:
        fig = Figure(figsize=(7, 0.35 * len(categories) + 1.2))
        ax = fig.subplots()
        names = list(categories)
        rates = [categories[n]["pass_rate"] * 100 for n in names]
        ax.barh(names, rates, color=["#2e7d32" if r == 100 else "#c62828" if r < 90 else "#f9a825" for r in rates])
        ax.set_xlim(0, 100)
        ax.invert_yaxis()
        ax.set_xlabel("pass rate (%)")
        ax.set_title("Pass rate per expected category")
        out["categories"] = _png(fig)
    latencies = [r.latency_ms for r in report.results if r.action != "error"]
    if latencies:
        fig = Figure(figsize=(7, 3))
        ax = fig.subplots()
        ax.hist(latencies, bins=40, color="#1565c0")
        ax.set_xlabel("latency of the last turn (ms)")
        ax.set_ylabel("cases")
        ax.set_title(f"Latency (p50 {m['latency_ms']['p50']} ms, p95 {m['latency_ms']['p95']} ms)")
        out["latency"] = _png(fig)
    return out


class Markup(str):
    """HTML that is already escaped: a table cell shows it as it is."""


def table(header: list[str], rows: list[list[Any]]) -> str:
    """An HTML table; every cell is escaped unless it is Markup."""
    head = "".join(f"<th>{html_lib.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c if isinstance(c, Markup) else html_lib.escape(str(c))}</td>"
                                    for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1rem 0;width:100%}td{overflow-wrap:anywhere}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;
vertical-align:top}th{background:#f3f3f3}.pass{color:#2e7d32}.fail{color:#c62828}img{max-width:100%}"""


def html(report: Report) -> str:
    m = report.metrics
    verdict = "PASS" if report.gate["passed"] else "FAIL"
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Evaluation report: {verdict}"
             f"</title><style>{STYLE}</style></head><body>",
             f"<h1>Evaluation report: <span class='{verdict.lower()}'>{verdict}</span></h1>",
             f"<p>{m['cases']} cases ({html_lib.escape(report.target)}), pass rate {m['pass_rate']:.1%}, "
             f"disclaimer on {m['disclaimer_rate']:.1%} of replies, latency p50 {m['latency_ms']['p50']} ms, "
             f"p95 {m['latency_ms']['p95']} ms.</p>"]
    for title, items in (("Critical failures", report.gate["critical_failures"]),
                         ("Regressions", report.gate["regressions"]), ("Skipped", report.skipped)):
        if items:
            parts.append(f"<h2>{title}</h2><ul>" + "".join(f"<li>{html_lib.escape(x)}</li>" for x in items)
                         + "</ul>")
    set_rows = []
    for name, s in m["sets"].items():
        r = s.get("retrieval", {})
        base = report.baseline_diff.get("sets", {}).get(name, {}).get("baseline")
        set_rows.append([name, s["cases"], _pct(s["pass_rate"]), _pct(base), _pct(r.get("recall@1")),
                         _pct(r.get("recall@5")), r.get("mrr@10", "-"), s["latency_ms"]["p50"],
                         s["latency_ms"]["p95"]])
    parts.append("<h2>Sets</h2>" + table(["set", "cases", "pass rate", "baseline", "recall@1", "recall@5",
                                            "MRR@10", "p50 ms", "p95 ms"], set_rows))
    for name, png in charts(report).items():
        parts.append(f"<h2>{name.title()}</h2><img alt='{name} chart' src='data:image/png;base64,{png}'>")
    newly = report.baseline_diff.get("newly_failing", [])
    if newly:
        parts.append("<h2>Failing now, passed in the baseline</h2><ul>"
                     + "".join(f"<li>{html_lib.escape(x)}</li>" for x in newly) + "</ul>")
    failed = [[r.set, r.id, r.severity, f"{r.action}/{r.category}", "; ".join(r.reasons)]
              for r in report.results if not r.passed]
    parts.append("<h2>Failures</h2>" + (table(["set", "case", "severity", "got", "reasons"], failed)
                                         if failed else "<p>None.</p>"))
    parts.append("</body></html>")
    return "\n".join(parts)
