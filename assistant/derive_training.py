"""Training data derived from the public sets in ../shared/data (run again when that data changes;
the outputs are committed, so training never needs ../shared):

    python -m assistant.derive_training [--shared ../shared]

- guardrails/training/medquad_questions.jsonl: MedQuAD questions outside its spine subset,
  labelled faq: general health questions, many with red-flag words ("What are the symptoms of
  Stroke?"), which are questions, not emergencies or diagnosis requests;
- assistant/training/answerability_medquad.jsonl: other MedQuAD questions outside the spine
  subset, not answerable from either knowledge base (the clinic article, the spine corpus);
- guardrails/medical_words.txt: words met 3+ times that MedQuAD also writes in lower case mid-sentence
  (so "Martinez" and "Smith", always capitalised, stay out): medical vocabulary that the
  personal-data detector never takes for a name on its own.

- assistant/training/answerability_not_questions.jsonl (``--from-corpus``, from guardrails/training/, no
  ../shared needed): the message classifier's courtesies (`social`) and off-topic requests, as not
  answerable from the clinic article. "how's your day going?" is no question the articles answer, and
  without such examples answerability answered it with the paragraph nearest its words. Marked
  ``"calibrate": false``: they train the model but do not set its threshold (assistant/answerability.fit).
  That includes requests worded as clinic questions that reveal intent against someone (harm_others_en,
  harmful_clinical_form_en): the classifier should refuse them, and when it misses one, the articles do not
  answer "when are the needle trays left alone" either.

MedQuAD is CC BY 4.0 (Ben Abacha and Demner-Fushman, 2019); the questions are used as they are.
The spine subset is never used: its questions are evaluation cases (evals/sets/medquad_spine.yaml).
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED = ROOT.parent / "shared"
CLASSIFIER_FILE = ROOT / "guardrails" / "training" / "medquad_questions.jsonl"
ANSWERABILITY_FILE = ROOT / "assistant" / "training" / "answerability_medquad.jsonl"
MEDICAL_WORDS_FILE = ROOT / "guardrails" / "medical_words.txt"
# Topics the spine corpus or the clinic article may answer: never a "not answerable" example.
SPINE = re.compile(r"spin|back|disc|disk|vertebr|lumbar|cervical|sciatic|scolio|kyphos|spondyl|stenosis|neck|"
                   r"coccyx|nerve|myelo|syringo|chiari|cord|paraly|fibrin|pain|arthrit|osteopor|injection", re.I)
CORPUS = ROOT / "guardrails" / "training"
NOT_QUESTIONS_FILE = ROOT / "assistant" / "training" / "answerability_not_questions.jsonl"
# (file under guardrails/training, label, every k-th line): courtesies and plainly off-topic requests.
NOT_QUESTIONS = (("courtesy/courtesy_en.jsonl", "social", 1), ("control_en.jsonl", "social", 1),
                 ("ordinary_en.jsonl", "social", 1), ("offtopic_harmful_en.jsonl", "off_topic", 2),
                 ("control_en.jsonl", "off_topic", 2), ("harm_others_en.jsonl", "off_topic", 2),
                 ("harmful_clinical_form_en.jsonl", "off_topic", 2))
CLASSIFIER_COUNT = 600
ANSWERABILITY_COUNT = 300


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def tidy(question: str) -> str:
    return re.sub(r"(\s*\?)+", "?", " ".join(question.split()))


def medical_words(rows: list[dict[str, Any]]) -> list[str]:
    """Words met 3+ times that MedQuAD also writes in lower case mid-sentence, and not far more
    often capitalised there: "cauda", "epidural", "lumbar" in; "Martinez", "Smith" (never lower case) out."""
    total: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    mid_sentence_word = re.compile(r"(?<![.!?\n]\s)(?<!^)\b[A-Za-z][a-z]+\b")
    for row in rows:
        for text in (str(row["question"]), str(row["answer"])):
            total.update(w.lower() for w in re.findall(r"\b[A-Za-z][a-z]+\b", text))
            for m in mid_sentence_word.finditer(text):
                word = m.group(0)
                if word[0].isupper():
                    capital[word.lower()] += 1
                else:
                    lower[word] += 1
    return sorted(w for w, n in total.items() if n >= 3 and lower[w] >= 1 and 4 * lower[w] >= capital[w])


def not_questions() -> list[str]:
    """Answerability rows for the classifier corpus's courtesies and off-topic requests (NOT_QUESTIONS)."""
    from assistant.answer import check_input
    from assistant.settings import load_settings
    from core.errors import InputError
    from guardrails.policy import load_policy

    policy = load_policy(load_settings().policy_file)

    def readable(text: str) -> bool:  # "👍" never reaches answerability: the input check answers it
        try:
            check_input(text, policy, 10_000)
        except InputError:
            return False
        return True

    lines: list[str] = []
    seen: set[str] = set()
    for name, label, step in NOT_QUESTIONS:
        texts = [str(r["text"]) for r in read_jsonl(CORPUS / name) if r["label"] == label][::step]
        for text in texts:
            if text.lower() not in seen and readable(text):
                seen.add(text.lower())
                lines.append(json.dumps({"question": text, "kb": "clinic", "answerable": False, "documents": [],
                                         "sections": [], "origin": f"derived:guardrails/training/{name}",
                                         "calibrate": False, "tags": ["not_answerable", label]},
                                        ensure_ascii=False))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--from-corpus", action="store_true",
                        help="Only derive answerability_not_questions.jsonl from guardrails/training/.")
    args = parser.parse_args()
    if args.from_corpus:
        lines = not_questions()
        NOT_QUESTIONS_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{NOT_QUESTIONS_FILE.relative_to(ROOT)}: {len(lines)} rows")
        return
    medquad = args.shared / "data" / "medquad"
    spine_ids = {row["id"] for row in read_jsonl(medquad / "medquad_spine.jsonl")}
    every = read_jsonl(medquad / "medquad_all.jsonl")
    words = medical_words(every)
    MEDICAL_WORDS_FILE.write_text(
        "# Words met 3+ times in MedQuAD that it also writes in lower case mid-sentence (names stay out):\n"
        "# medical vocabulary that is never a person's name on its own. Derived from MedQuAD (CC BY 4.0,\n"
        "# Ben Abacha and Demner-Fushman 2019) by `python -m assistant.derive_training`.\n"
        + "".join(w + "\n" for w in words), encoding="utf-8")
    rows = sorted((r for r in every
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
    print(f"{MEDICAL_WORDS_FILE.relative_to(ROOT)}: {len(words)} words; "
          f"{CLASSIFIER_FILE.relative_to(ROOT)}: {len(for_classifier)} questions; "
          f"{ANSWERABILITY_FILE.relative_to(ROOT)}: {len(lines)} rows")


if __name__ == "__main__":
    main()
