"""The message classifier's recipe, chosen by measurement: variants cross-validated on the corpus.

    .venv/bin/python benchmarks/classifier_bench.py

For each variant, 5-fold cross-validation on guardrails/training/ (the same folds as `faq train`),
each message scored as at run time (whole and sentence by sentence). Printed per variant: at the
thresholds that keep 92%, 95% and 97% of the red flags (emergency + self_harm), how many of the
other messages and of the benign alarming ones would be escalated; and the macro-F1 of the other
classes at their precision-0.9 thresholds. Prints figures; asserts nothing.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.settings import load_settings  # noqa: E402
from assistant.wiring import Services  # noqa: E402
from guardrails import fit  # noqa: E402
from guardrails.classifier import RED_FLAGS, segments  # noqa: E402
from guardrails.corpus import LABELS  # noqa: E402


def cross_validate(recipe: fit.Recipe, texts: list[str], vectors: Any, y: Any, parts: list[list[int]],
                   seg: list[str], seg_vectors: Any, faq_sentences: bool) -> Any:
    from sklearn.model_selection import StratifiedKFold

    faq = LABELS.index("faq")
    oof = np.zeros((len(texts), len(LABELS) + 1))
    for fit_idx, held in StratifiedKFold(recipe.folds, shuffle=True, random_state=recipe.seed).split(texts, y):
        rows = (fit._with_faq_sentences(fit_idx, texts, vectors, y, parts, seg, seg_vectors, faq) if faq_sentences
                else ([texts[i] for i in fit_idx], vectors[fit_idx], y[fit_idx]))
        model = fit.fit_model(*rows, recipe, LABELS)
        held_parts, held_seg = [], []
        for i in held:
            held_parts.append(list(range(len(held_seg), len(held_seg) + len(parts[i]))))
            held_seg.extend(parts[i])
        oof[held] = fit._aggregate(model, [texts[i] for i in held], vectors[held], held_parts,
                                   [seg[j] for j in held_seg], seg_vectors[held_seg])
    return oof


def main() -> None:
    svc = Services(load_settings())
    store = svc.classifier
    examples = store.corpus()
    texts = [e.text for e in examples]
    y = np.array([LABELS.index(e.label) for e in examples])
    alarming = np.array(["alarming" in e.tags for e in examples])
    vectors = store.featurise(texts)
    parts: list[list[int]] = []
    seg: list[str] = []
    for t in texts:
        pieces = segments(t)
        parts.append(list(range(len(seg), len(seg) + len(pieces))))
        seg.extend(pieces)
    seg_vectors = store.featurise(seg)
    red = np.isin(y, [LABELS.index(c) for c in RED_FLAGS])
    base = fit.Recipe()
    variants = {
        "embedding only": (replace(base, embedding_weight=1.0, max_ngrams=1), True),
        "character + word n-grams only": (replace(base, embedding_weight=0.0), True),
        "embedding + n-grams, no sentence negatives": (base, False),
        "embedding x2 + n-grams": (replace(base, embedding_weight=2.0), True),
        "embedding + n-grams (chosen)": (base, True),
    }
    results: dict[str, Any] = {}
    print(f"{len(texts)} examples ({int(red.sum())} red flags, {int((alarming & ~red).sum())} benign alarming); "
          f"{len(seg)} sentences of long ones")
    for name, (recipe, negatives) in variants.items():
        started = time.perf_counter()
        oof = cross_validate(recipe, texts, vectors, y, parts, seg, seg_vectors, negatives)
        row: dict[str, Any] = {}
        for target in (0.92, 0.95, 0.97):
            t = fit._threshold_for_recall(oof[:, -1], red, target)
            fired = oof[:, -1] >= t
            row[f"recall {target}"] = {"threshold": round(t, 3), "others escalated": int((fired & ~red).sum()),
                                       "alarming escalated": int((fired & alarming & ~red).sum())}
        f1s = []
        for i, c in enumerate(LABELS):
            if c in RED_FLAGS or c == "faq":
                continue
            t = fit._threshold_for_precision(oof[:, i], y == i, 0.9)
            chosen = oof[:, i] >= t
            tp = int((chosen & (y == i)).sum())
            precision, recall = tp / max(1, int(chosen.sum())), tp / max(1, int((y == i).sum()))
            f1s.append(2 * precision * recall / max(1e-9, precision + recall))
        row["macro F1, other classes"] = round(float(np.mean(f1s)), 4)
        results[name] = row
        cells = "  ".join(f"R{k.split()[1]}: {v['others escalated']} others / {v['alarming escalated']} alarming"
                          for k, v in row.items() if k.startswith("recall"))
        print(f"{name:45s} {cells}  macro-F1 {row['macro F1, other classes']:.3f}  ({time.perf_counter() - started:.0f} s)")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "classifier.json").write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
