"""Training data derived from the public sets in ../shared/data (run again when that data changes;
the outputs are committed, so training never needs ../shared):

    python -m assistant.derive_training [--shared ../shared]

- guardrails/training/medquad_questions.jsonl: MedQuAD questions outside its spine subset,
  labelled faq: general health questions, many with red-flag words ("What are the symptoms of
  Stroke?"), which are questions, not emergencies or diagnosis requests;
- assistant/training/answerability_medquad.jsonl: other MedQuAD questions outside the spine
  subset, not answerable from either knowledge base (the clinic article, the spine corpus).

MedQuAD is CC BY 4.0 (Ben Abacha and Demner-Fushman, 2019); the questions are used as they are.
The spine subset is never used: its questions are evaluation cases (evals/sets/medquad_spine.yaml).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = ROOT.parent / "shared"
CLASSIFIER_FILE = ROOT / "guardrails" / "training" / "medquad_questions.jsonl"
ANSWERABILITY_FILE = ROOT / "assistant" / "training" / "answerability_medquad.jsonl"
# Topics the spine corpus or the clinic article may answer: never a "not answerable" example.
SPINE = re.compile(r"spin|back|disc|disk|vertebr|lumbar|cervical|sciatic|scolio|kyphos|spondyl|stenosis|neck|"
                   r"coccyx|nerve|myelo|syringo|chiari|cord|paraly|fibrin|pain|arthrit|osteopor|injection", re.I)
CLASSIFIER_COUNT = 600
ANSWERABILITY_COUNT = 300


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def tidy(question: str) -> str:
    return re.sub(r"(\s*\?)+", "?", " ".join(question.split()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = parser.parse_args()
    medquad = args.shared / "data" / "medquad"
    spine_ids = {row["id"] for row in read_jsonl(medquad / "medquad_spine.jsonl")}
    rows = sorted((r for r in read_jsonl(medquad / "medquad_all.jsonl")
                   if r["id"] not in spine_ids and not SPINE.search(f"{r['focus']} {r['question']}")),
                  key=lambda r: str(r["id"]))
    seen: set[str] = set()
    unique = []
    for r in rows:
        q = tidy(str(r["question"]))
        if q.lower() not in seen:
            seen.add(q.lower())
            unique.append((q, r))
    # Every k-th question, so each collection and question type is represented; the two files
    # take alternate picks and never share a question.
    step = max(1, len(unique) // (CLASSIFIER_COUNT + ANSWERABILITY_COUNT))
    picks = unique[::step][: CLASSIFIER_COUNT + ANSWERABILITY_COUNT]
    for_classifier = picks[0::3] + picks[1::3]
    for_answerability = picks[2::3]
    CLASSIFIER_FILE.write_text("".join(
        json.dumps({"text": q, "label": "faq", "origin": "derived:medquad", "tags": ["formal", "general_health",
                    str(r["qtype"]).replace(" ", "_")]}, ensure_ascii=False) + "\n" for q, r in for_classifier),
        encoding="utf-8")
    lines = []
    for q, _ in for_answerability:
        for kb in ("clinic", "medquad_spine"):
            lines.append(json.dumps({"question": q, "kb": kb, "answerable": False, "documents": [], "sections": [],
                                     "origin": "derived:medquad", "tags": ["not_answerable", "other_condition",
                                                                          "formal"]}, ensure_ascii=False))
    ANSWERABILITY_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{CLASSIFIER_FILE.relative_to(ROOT)}: {len(for_classifier)} questions; "
          f"{ANSWERABILITY_FILE.relative_to(ROOT)}: {len(lines)} rows")


if __name__ == "__main__":
    main()
