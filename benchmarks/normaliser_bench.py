"""Spelling correction and stems, measured: the choice of core/text.py rests on these figures.

    .venv/bin/python benchmarks/normaliser_bench.py [--shared ../shared] [--words 3000]

Three spellers, each given the clinic article's words as the knowledge base's vocabulary:
- ours: core.text.TextNormaliser (SymSpell over the articles' words and SymSpell's curated
  dictionary; a token seen in English text is corrected only to a far commoner word);
- pyspellchecker: SpellChecker() with the articles' words added, correcting unknown words only;
- symspell-wordfreq: SymSpell over wordfreq's 40,000 commonest words plus the articles' words.

Figures:
- typos fixed: one random edit (delete, insert, substitute a keyboard neighbour, swap) of words
  patients use (the clinic article and the ordinary-question corpus), skipping edits that make
  another dictionary word; seeded, so every run draws the same typos;
- correct words changed: distinct words of MedQuAD's answers outside the spine subset (NIH text,
  spelled correctly, full of medical terms the articles lack); every change is a false correction;
- must stay: words that once leaked into their neighbours ("golf" became "goal", "paint" "pain");
- microseconds per word.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.text import EnglishSpeller, TextNormaliser, words  # noqa: E402

KEYBOARD = {c: n for c, n in zip("qwertyuiopasdfghjklzxcvbnm",
                                   ["wa", "qes", "wrd", "etf", "ryg", "tuh", "yij", "uok", "ipl", "o", "qsz", "awdx",
                                    "sefc", "drgv", "fthb", "gyjn", "hukm", "jilm", "kop", "xs", "zcd", "xvf", "cbg",
                                    "vnh", "bmj", "nk"], strict=True)}
MUST_STAY = ("golf goal paint pain disc disk shot jab prp physio awake needle fibrin annular tear tears steroid "
             "surgery fusion nerve sciatica epidural lumbar spine spinal walk drive swim work sleep fly".split())


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    kind = rng.choice(("delete", "insert", "substitute", "swap"))
    if kind == "delete":
        return word[:i] + word[i + 1:]
    if kind == "insert":
        return word[:i] + rng.choice(KEYBOARD.get(word[i], word[i])) + word[i:]
    if kind == "substitute":
        return word[:i] + rng.choice(KEYBOARD.get(word[i], "e")) + word[i + 1:]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def patient_words(shared: Path) -> list[str]:
    texts = [(ROOT / "knowledge" / "docs" / "intra-annular-fibrin-injection.txt").read_text(encoding="utf-8")]
    corpus = ROOT / "guardrails" / "training" / "ordinary_en.jsonl"
    if corpus.is_file():
        texts += [json.loads(line)["text"] for line in corpus.open(encoding="utf-8") if line.strip()]
    return sorted({w for t in texts for w in words(t) if w.isalpha() and w.isascii() and len(w) >= 5})


def medical_words(shared: Path, limit: int) -> list[str]:
    found: set[str] = set()
    with (shared / "data" / "medquad" / "medquad_all.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            text = str(row.get("answer") or "")
            found.update(w for w in words(text) if w.isalpha() and w.isascii() and len(w) >= 4)
    ordered = sorted(found)
    random.Random(7).shuffle(ordered)
    return ordered[:limit]


def ours(vocabulary: set[str]) -> Callable[[str], str]:
    normaliser = TextNormaliser(EnglishSpeller())
    normaliser.use_vocabulary(vocabulary)
    normaliser.english.index()
    return normaliser.correct


def pyspell(vocabulary: set[str]) -> Callable[[str], str]:
    from spellchecker import SpellChecker

    checker = SpellChecker()
    checker.word_frequency.load_words(vocabulary)

    def correct(word: str) -> str:
        if len(word) < 4 or word in checker:
            return word
        return str(checker.correction(word) or word)

    return correct


def symspell_wordfreq(vocabulary: set[str]) -> Callable[[str], str]:
    from symspellpy import SymSpell, Verbosity
    from wordfreq import top_n_list, zipf_frequency

    index = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    for w in top_n_list("en", 40_000):
        if w.isalpha():
            index.create_dictionary_entry(w, int(10 ** zipf_frequency(w, "en")))
    for w in vocabulary:
        index.create_dictionary_entry(w, 10**9)
    known = set(index.words)

    def correct(word: str) -> str:
        if len(word) < 4 or word in known or zipf_frequency(word, "en") >= 1.0:
            return word
        found = index.lookup(word, Verbosity.CLOSEST, max_edit_distance=1 if len(word) <= 6 else 2)
        return found[0].term if found else word

    return correct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--words", type=int, default=3000, help="correct medical words to try")
    args = parser.parse_args()
    article = (ROOT / "knowledge" / "docs" / "intra-annular-fibrin-injection.txt").read_text(encoding="utf-8")
    vocabulary = {w for w in words(article) if w.isalpha()}
    rng = random.Random(42)
    english = EnglishSpeller()
    english.index()
    source = patient_words(args.shared)
    pairs = []
    for word in source:
        wrong = typo(word, rng)
        if wrong != word and not english.known(wrong) and wrong not in vocabulary and re.fullmatch("[a-z]+", wrong):
            pairs.append((wrong, word))
    medical = [w for w in medical_words(args.shared, args.words * 3) if w not in vocabulary][: args.words]
    print(f"{len(pairs)} typos of {len(source)} patient words; {len(medical)} correct medical words outside the "
          f"articles; {len(MUST_STAY)} must-stay words")
    results = {}
    for name, build in (("ours", ours), ("pyspellchecker", pyspell), ("symspell-wordfreq", symspell_wordfreq)):
        started = time.perf_counter()
        correct = build(vocabulary)
        built = time.perf_counter() - started
        started = time.perf_counter()
        fixed = sum(correct(wrong) == right for wrong, right in pairs)
        changed = [w for w in medical if correct(w) != w]
        leaked = [w for w in MUST_STAY if correct(w) != w]
        per_word = (time.perf_counter() - started) / (len(pairs) + len(medical) + len(MUST_STAY)) * 1e6
        results[name] = {"typos_fixed": round(fixed / len(pairs), 4), "correct_changed": round(len(changed) / len(medical), 4),
                         "must_stay_changed": leaked, "us_per_word": round(per_word, 1), "build_s": round(built, 2),
                         "examples_changed": [f"{w}->{correct(w)}" for w in changed[:8]]}
        print(f"{name:18s} typos fixed {fixed / len(pairs):6.1%}   correct words changed {len(changed) / len(medical):6.2%}"
              f"   must-stay changed {len(leaked)}   {per_word:7.1f} us/word   built in {built:.2f} s")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "normaliser.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
