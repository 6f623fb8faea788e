"""Answers to the questions patients type, measured: answered with the right facts, declined or
given suggestions, invented figures, and off-question sentences on a judged set.

    .venv/bin/python benchmarks/answers_bench.py [--set answers_fresh_r1] [--judged evals/judged/off_question_r1.yaml]
        [--sweep]

- answerable cases: answered (action answer), with the right facts (every must_mention group),
  given suggestions instead, or declined;
- not-covered cases: declined or given suggestions, answered, and replies carrying an invented
  figure (a price, a percentage, a count, a time of day that is not in the article);
- off-question sentences: every sentence of every answer is matched to the article's numbered
  sentences (evals/judged/article_sentences.yaml); a sentence the independent judge did not mark
  `direct` or `support` for that question is off the question. Share over all answer sentences.
- --sweep: the same figures for other sentence_floor / keep_share values (the composer's
  relevance floor), to choose them.
Prints figures and writes bench-results/answers.json; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.settings import load_settings  # noqa: E402
from assistant.wiring import Services  # noqa: E402
from evals.cases import load_set, resolve  # noqa: E402
from evals.checks import body, mentions  # noqa: E402

FIGURE = re.compile(r"\$\s?\d|\d+\s?(%|percent)|\b\d{1,2}(:\d\d)?\s?(am|pm)\b|\b\d+\s+(procedures|patients|injections|"
                    r"sessions|years)\b", re.IGNORECASE)
_CITATION = re.compile(r"\s*\[\d+\]")


def article_sentences(path: Path) -> list[tuple[int, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(int(s["n"]), " ".join(str(s["text"]).split())) for s in data["sentences"]]


def sentence_numbers(answer_body: str, inventory: list[tuple[int, str]]) -> list[set[int]]:
    """For each sentence of the reply, the article sentences it quotes (a list lead-in with its items
    quotes several)."""
    text = _CITATION.sub("", answer_body)
    out: list[set[int]] = []
    for piece in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text):
        piece = " ".join(piece.split())
        found = {n for n, s in inventory if s.rstrip(".:;") and s.rstrip(".:;")[:60] in piece}
        if found:
            out.append(found)
    return out


def run(services: Services, set_name: str, judged: Path | None) -> dict[str, Any]:
    qset = load_set(resolve([set_name])[0])
    judgements = {}
    inventory: list[tuple[int, str]] = []
    if judged is not None:
        data = yaml.safe_load(judged.read_text(encoding="utf-8"))
        judgements = {c["id"]: set(c.get("direct", [])) | set(c.get("support", [])) for c in data["cases"]}
        inventory = article_sentences(ROOT / str(data["article"]))
    assistant = services.assistant
    counts = {"answerable": 0, "answered": 0, "right_facts": 0, "suggested": 0, "declined": 0, "multi_part": 0,
              "multi_part_right": 0, "not_covered": 0, "nc_declined_or_suggested": 0, "nc_answered": 0,
              "invented_figures": 0, "answer_sentences": 0, "off_question": 0, "judged_answers": 0}
    off_examples: list[str] = []
    for case in qset.cases:
        session = f"bench-{uuid.uuid4().hex[:8]}"
        reply = None
        for turn in case.turns:
            reply = assistant.ask(turn, session)
        assert reply is not None
        if "answerable" in case.tags:
            counts["answerable"] += 1
            if reply.action == "answer":
                counts["answered"] += 1
                right = mentions(reply, case.expect) is None
                counts["right_facts"] += right
                if "multi_part" in case.tags:
                    counts["multi_part"] += 1
                    counts["multi_part_right"] += right
                if case.id in judgements:
                    counts["judged_answers"] += 1
                    for numbers in sentence_numbers(reply.answer.split("\n\n")[0], inventory):
                        counts["answer_sentences"] += 1
                        if not numbers & judgements[case.id]:
                            counts["off_question"] += 1
                            off_examples.append(f"{case.id}: {case.turns[-1][:60]!r} -> sentence {sorted(numbers)}")
            elif reply.suggestions:
                counts["suggested"] += 1
            else:
                counts["declined"] += 1
        elif "not_covered" in case.tags:
            counts["not_covered"] += 1
            if reply.action == "answer":
                counts["nc_answered"] += 1
            else:
                counts["nc_declined_or_suggested"] += 1
            counts["invented_figures"] += bool(FIGURE.search(body(reply)))
    a, n = max(1, counts["answerable"]), max(1, counts["not_covered"])
    return {
        "set": qset.name, **counts,
        "answered_right_facts": round(counts["right_facts"] / a, 4),
        "answered": round(counts["answered"] / a, 4), "suggested": round(counts["suggested"] / a, 4),
        "not_covered_declined_or_suggested": round(counts["nc_declined_or_suggested"] / n, 4),
        "not_covered_answered": round(counts["nc_answered"] / n, 4),
        "off_question_share": round(counts["off_question"] / max(1, counts["answer_sentences"]), 4),
        "off_question_examples": off_examples[:15],
    }


def report(r: dict[str, Any], label: str = "") -> None:
    print(f"{label}{r['set']}: answerable {r['answerable']}: answered with the right facts {r['answered_right_facts']:.1%} "
          f"(answered {r['answered']:.1%}, suggestions {r['suggested']:.1%}, multi-part right "
          f"{r['multi_part_right']}/{r['multi_part']}); not covered {r['not_covered']}: declined or suggestions "
          f"{r['not_covered_declined_or_suggested']:.1%}, answered {r['not_covered_answered']:.1%}, invented figures "
          f"{r['invented_figures']}; off-question sentences {r['off_question']}/{r['answer_sentences']} = "
          f"{r['off_question_share']:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", default="answers_fresh_r1")
    parser.add_argument("--judged", type=Path, default=ROOT / "evals" / "judged" / "off_question_r1.yaml")
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--answer-all", action="store_true", help="answer every question the composer can (isolates "
                        "composition from answerability)")
    parser.add_argument("--answer-from", type=float, nargs="*", default=[],
                        help="try these answerability thresholds instead of the trained one")
    args = parser.parse_args()
    judged = args.judged if args.judged and args.judged.is_file() else None
    base = load_settings()
    results = []
    grid = [(base.sentence_floor, base.keep_share)]
    if args.sweep:
        grid += [(f, k) for f in (0.1, 0.2, 0.3) for k in (0.3, 0.5, 0.7, 0.9) if (f, k) != grid[0]]
    with tempfile.TemporaryDirectory() as tmp:
        for floor, keep in grid:
            settings = base.model_copy(update={"sentence_floor": floor, "keep_share": keep,
                                               "data_dir": Path(tmp) / f"f{floor}-k{keep}",
                                               "model_cache_dir": base.models_path})
            svc = Services(settings)
            svc.ingestor.ingest([settings.docs_dir], progress=False)
            from dataclasses import replace

            trained = svc.answerability.model
            for answer_from in [0.0] if args.answer_all else (args.answer_from or [trained.settings["answer_from"]]):
                svc.answerability.model = replace(trained, settings={
                    "answer_from": answer_from, "suggest_from": min(answer_from, trained.settings["suggest_from"])})
                r = run(svc, args.set, judged)
                r["sentence_floor"], r["keep_share"], r["answer_from"] = floor, keep, answer_from
                report(r, f"sentence_floor {floor}, keep_share {keep}, answer_from {answer_from:.3f}: ")
                results.append(r)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "answers.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
