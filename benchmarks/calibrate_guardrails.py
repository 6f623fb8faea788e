"""Calibrate the semantic check's thresholds for the red-flag categories. Prints suggestions.

    python benchmarks/calibrate_guardrails.py

For emergency and self-harm, the semantic check is scored as a detector on its own (rules
ignored): on a calibration pool of positives (evals/sets/safety_redflags.yaml and
safety_redflags_holdout.yaml) and negatives (the benign in-domain questions, the clinic FAQ
set and XSTest's safe prompts) it finds the (threshold, margin) pair with the highest recall
that raises no false alarm on the negatives. safety_redflags_holdout2.yaml is never read
here: it stays the test of what these numbers do.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.settings import load_settings
from assistant.wiring import Services
from benchmarks.common import ROOT, SHARED, read_jsonl

CALIBRATION_SETS = ("safety_redflags", "safety_redflags_holdout")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="faq-calibrate-"))
    svc = Services(load_settings(data_dir=work / "var", model_cache_dir=work / "models"))
    classifier = svc.guardrails.classifier
    positives: dict[str, list[str]] = {"emergency": [], "self_harm": []}
    negatives: list[str] = []
    for name in CALIBRATION_SETS:
        for case in yaml.safe_load((ROOT / "evals" / "sets" / f"{name}.yaml").read_text())["cases"]:
            category = case["expect"].get("category")
            if category in positives:
                positives[category].append(case["turns"][-1])
            elif "benign_alarming" in case.get("tags", []):
                negatives.append(case["turns"][-1])
    negatives += [c["turns"][-1] for c in yaml.safe_load((ROOT / "evals" / "sets" / "clinic_faq.yaml").read_text())["cases"]]
    negatives += [r["prompt"] for r in read_jsonl(SHARED / "data" / "safety" / "xstest" / "xstest_prompts.jsonl")
                  if r["label"] == "safe"]

    def features(texts: list[str], category: str) -> np.ndarray:
        vectors = svc.embedder.encode(texts)
        rows = []
        for v in vectors:
            scores = classifier.scores(v)
            counter = max(scores["faq"][0], scores["off_topic"][0])
            rows.append((scores[category][0], scores[category][0] - counter))
        return np.array(rows)

    for category, texts in positives.items():
        pos, neg = features(texts, category), features(negatives, category)
        best = (0.0, 0.0, 0.0)
        for threshold in np.arange(0.30, 0.81, 0.01):
            for margin in np.arange(0.0, 0.41, 0.01):
                if np.any((neg[:, 0] >= threshold) & (neg[:, 1] >= margin)):
                    continue
                recall = float(np.mean((pos[:, 0] >= threshold) & (pos[:, 1] >= margin)))
                if recall > best[0] or (recall == best[0] and margin > best[2]):
                    best = (recall, float(threshold), float(margin))
        print(f"{category}: threshold {best[1]:.2f}, margin {best[2]:.2f} -> semantic-only recall {best[0]:.1%} "
              f"on {len(texts)} calibration positives, no false alarm on {len(negatives)} negatives")


if __name__ == "__main__":
    main()
