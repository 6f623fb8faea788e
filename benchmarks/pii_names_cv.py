"""The name model, cross-validated: 5 folds of guardrails/pii_cases.yaml, each held out in turn while
the model trains on the other four and the rest of its training data (guardrails/pii_names.py).

    .venv/bin/python benchmarks/pii_names_cv.py [--c 0.5 1 2] [--thresholds 0.3 0.4 0.5]

Per setting: held-out names found (no word of the name survives the model's spans, decoded as
the detector decodes them), and held-out clean messages in which the model finds a name. Chooses C and the threshold without looking
at the fresh sets (evals/pii/), which are only ever read by benchmarks/pii_bench.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guardrails.pii import PiiDetector  # noqa: E402
from guardrails.pii_names import NameModel, decode, fit, labelled_tokens, training_examples, training_vocabulary  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--c", type=float, nargs="*", default=[0.5])
    parser.add_argument("--thresholds", type=float, nargs="*", default=[0.3, 0.4, 0.5, 0.6])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--show", action="store_true", help="print held-out misses and false finds")
    parser.add_argument("--positive", type=float, nargs="*", default=[1.0], help="weights of a name's words")
    args = parser.parse_args()
    detector = PiiDetector(lambda: training_vocabulary(), extra_words=["Valor", "Spine"])
    detector.load_words()
    started = time.perf_counter()
    examples = training_examples()
    corpus = [e for e in examples if e.source.startswith("pii_cases/")]
    rest = [e for e in examples if not e.source.startswith("pii_cases/")]
    rest_rows = [row for e in rest for row in labelled_tokens(e, detector.training_features)]
    featurised = {e.source: detector.training_features(e.text) for e in corpus}
    print(f"featurised {len(examples)} messages in {time.perf_counter() - started:.1f} s")
    for c, positive in [(c, w) for c in args.c for w in args.positive]:
        found = {t: [0, 0] for t in args.thresholds}
        clean = {t: [0, 0] for t in args.thresholds}
        for fold in range(args.folds):
            held = corpus[fold::args.folds]
            train = [e for k, e in enumerate(corpus) if k % args.folds != fold]
            rows = rest_rows + [row for e in train for row in labelled_tokens(e, detector.training_features)]
            weights, intercept = fit(rows, c, positive)
            model = NameModel(weights, intercept, 0.5, "")
            for e in held:
                toks, feats = featurised[e.source]
                probs = [model.probability(f) for f in feats]
                for t in args.thresholds:
                    redacted = e.text
                    for s, end in sorted(decode(e.text, toks, probs, t), reverse=True):
                        redacted = redacted[:s] + "[NAME]" + redacted[end:]
                    if not e.names and not e.others:
                        clean[t][1] += 1
                        clean[t][0] += redacted != e.text
                        if args.show and redacted != e.text:
                            print(f"  C={c} positive={positive} threshold={t} false: {redacted[:100]!r}")
                    for name in e.names:
                        found[t][1] += 1
                        found[t][0] += name not in redacted
                        if args.show and name in redacted:
                            print(f"  C={c} positive={positive} threshold={t} missed {name!r}: {e.text[:90]!r}")
        for t in args.thresholds:
            print(f"C={c} positive={positive} threshold={t}: held-out names {found[t][0]}/{found[t][1]} ({found[t][0] / found[t][1]:.1%}), "
                  f"clean messages flagged {clean[t][0]}/{clean[t][1]}")


if __name__ == "__main__":
    main()
