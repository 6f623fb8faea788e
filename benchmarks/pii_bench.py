"""Personal-data detection, measured: recall per kind, false redactions on clean clinic questions, cost.

    .venv/bin/python benchmarks/pii_bench.py [FILE ...]     # default: guardrails/pii_cases.yaml

A planted identifier counts as found when no character of it survives redaction... strictly: when
its text no longer appears in the redacted message. A clean case (no identifiers: medical words,
capitalised terms, months, drug names) counts as wrongly redacted when anything in it is replaced;
of those, the ones where only a personal date became [DATE] are counted apart as well (the detector
redacts every date with a day in it by design, as HIPAA's Safe Harbor does: an appointment's date
picks a patient out of the clinic's schedule; set authors told to label dates of birth only count
them as clean). The total is the figure against the target; the split says how much of it is that choice.
Cost: milliseconds per message over the file, p50 and p95, after warm-up; each message is timed
--rounds times (default 5) and its median kept, so a pause from another process on a shared
machine does not read as the detector's cost. Prints figures; asserts
nothing. Targets (issue 14): structured identifiers >= 99%, names >= 95%, clean messages wrongly
redacted <= 1%, p95 <= 1 ms.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guardrails.pii import TAGS, PiiDetector  # noqa: E402

STRUCTURED = ("EMAIL", "PHONE", "DOB", "MRN", "INSURANCE_ID", "ADDRESS")
PLACEHOLDER = re.compile(r"\[[A-Z_]+\]")


def only_dates(text: str, redacted: str) -> bool:
    """True when the redaction of ``text`` replaced personal dates and nothing else."""
    added = [tag for tag in PLACEHOLDER.findall(redacted) if tag not in PLACEHOLDER.findall(text)]
    return bool(added) and all(tag == "[DATE]" for tag in added)


def check_kinds(path: Path, cases: list[dict[str, Any]]) -> None:
    """A set labelled with a kind the detector does not know (say DATE_OF_BIRTH for DOB) would be counted under
    "other kinds" and read as a silent 0/0 or a wrong recall: refuse it, naming the case."""
    for case in cases:
        for ident in case.get("identifiers") or []:
            if ident.get("kind") not in TAGS:
                raise SystemExit(f"{path}: case {case.get('id')}: unknown identifier kind {ident.get('kind')!r};"
                                 f" the detector's kinds are {', '.join(TAGS)}")


def measure(path: Path, detector: PiiDetector, show: int = 0, rounds: int = 5) -> dict[str, Any]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    check_kinds(path, cases)
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    clean_changed = 0
    clean_dates = 0
    clean = 0
    misses: list[str] = []
    false: list[str] = []
    times: list[float] = []
    for case in cases:
        text = str(case["text"])
        runs = []
        for _ in range(max(1, rounds)):
            started = time.perf_counter()
            redacted = detector.redact(text)
            runs.append((time.perf_counter() - started) * 1000)
        times.append(sorted(runs)[len(runs) // 2])
        if not case["identifiers"]:
            clean += 1
            if redacted != text:
                clean_changed += 1
                clean_dates += only_dates(text, redacted)
                false.append(f"{text[:80]!r} -> {redacted[:80]!r}")
            continue
        for ident in case["identifiers"]:
            kind, value = ident["kind"], str(ident["text"])
            found[kind][1] += 1
            if value not in redacted:
                found[kind][0] += 1
            else:
                misses.append(f"{kind}: {value!r} in {text[:90]!r}")
    times.sort()
    structured = [sum(found[k][i] for k in STRUCTURED if k in found) for i in (0, 1)]
    other = [sum(v[i] for k, v in found.items() if k not in STRUCTURED and k != "NAME") for i in (0, 1)]
    out = {
        "file": str(path.relative_to(ROOT)), "messages": len(cases),
        "structured_recall": round(structured[0] / max(1, structured[1]), 4), "structured": structured,
        "name_recall": round(found["NAME"][0] / max(1, found["NAME"][1]), 4), "names": found["NAME"],
        "other_recall": round(other[0] / max(1, other[1]), 4), "other": other,
        "per_kind": {k: v for k, v in sorted(found.items())},
        "clean_wrongly_redacted": f"{clean_changed}/{clean}", "clean_only_dates": clean_dates,
        "ms_p50": round(times[len(times) // 2], 3), "ms_p95": round(times[int(len(times) * 0.95)], 3),
        "misses": misses[:show], "false_redactions": false[:show],
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, default=[ROOT / "guardrails" / "pii_cases.yaml"])
    parser.add_argument("--show", type=int, default=0, help="print this many misses and false redactions")
    parser.add_argument("--rounds", type=int, default=5, help="time each message this many times, keep the median")
    args = parser.parse_args()
    from core.text import words

    article = (ROOT / "knowledge" / "docs" / "intra-annular-fibrin-injection.txt").read_text(encoding="utf-8")
    vocabulary = frozenset(words(article))  # as in the product: the articles' words and the clinic's name
    detector = PiiDetector(lambda: vocabulary, extra_words=["Valor", "Spine"], recent=0)  # detection, not recall of it
    detector.redact("warm up: call 415-555-0132, Regards, Sam")
    results = []
    for path in args.files:
        r = measure(path.resolve(), detector, args.show, args.rounds)
        results.append(r)
        print(f"{r['file']}: {r['messages']} messages; structured identifiers {r['structured_recall']:.1%} "
              f"({r['structured'][0]}/{r['structured'][1]}), names {r['name_recall']:.1%} ({r['names'][0]}/{r['names'][1]}), "
              f"other kinds {r['other_recall']:.1%} ({r['other'][0]}/{r['other'][1]}); clean messages wrongly redacted "
              f"{r['clean_wrongly_redacted']} ({r['clean_only_dates']} of them only a personal date); {r['ms_p50']} ms p50, {r['ms_p95']} ms p95 per message")
        print("  per kind:", ", ".join(f"{k} {a}/{b}" for k, (a, b) in r["per_kind"].items()))
        for line in r["misses"]:
            print("  missed", line)
        for line in r["false_redactions"]:
            print("  false ", line)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "pii.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
