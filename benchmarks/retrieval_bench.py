"""Retrieval and answer benchmark (issue: grounded answers). Prints figures; asserts nothing.

    python benchmarks/retrieval_bench.py [--work DIR] [--full-index DIR] [--sample N]

1. Retrieval quality on MedQuAD: each question should retrieve its own answer document.
   recall@1, recall@5 and MRR@10 for BM25 alone, dense alone and the product's hybrid, on
   the 199-pair spine subset and on all 16,407 (the index built by ingest_bench.py, passed
   with --full-index; every question, or --sample N of them).
2. Answer latency in-process over 50 clinic questions: p50/p95 and their ratio to one query
   embedding timed in the same run.
3. The in-domain question set (evals/sets/clinic_faq.yaml): answers that contain their facts
   and cite the right section; the out-of-scope set: replies that say "not in our materials";
   and the calibration of the answer floor on both.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.settings import load_settings
from assistant.wiring import Services
from benchmarks.common import (
    MEDQUAD_ALL,
    MEDQUAD_SPINE,
    ROOT,
    percentile,
    read_jsonl,
    safe_name,
    write_json,
    write_medquad_docs,
)

MODES = ("bm25", "dense", "hybrid")


def same_question_answers(rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    """MedQuAD often has several answers to the very same question text (21% of all rows):
    for the lenient figure, any of them counts."""
    by_text: dict[str, set[str]] = {}
    for row in read_jsonl(MEDQUAD_ALL):
        by_text.setdefault(row["question"].strip().lower(), set()).add(safe_name(row["id"]) + ".txt")
    return by_text


def ranked_documents(svc: Services, question: str, vector: Any, mode: str) -> list[str]:
    """The answer documents of one search, best first, each once."""
    docs: list[str] = []
    for p in svc.searcher.search(question, 20, mode=mode, query_vector=vector).passages:  # type: ignore[arg-type]
        name = Path(p.source).name
        if name not in docs:
            docs.append(name)
    return docs


def fusion_ceiling(dense: list[str], bm25: list[str], target: str, rrf_k: int) -> bool:
    """Whether *some* weighting of the two rankings (reciprocal rank fusion, BM25 weight from 0
    to 1000 against dense 1) puts the target in the top 5. Choosing the weight per question,
    knowing the answer, is an upper bound on every fixed-weight fusion of these two lists."""
    if target not in dense and target not in bm25:
        return False
    for w in [0.0, *(10 ** (e / 10) for e in range(-30, 31))]:
        fused: dict[str, float] = {}
        for rank, doc in enumerate(dense, start=1):
            fused[doc] = 1 / (rrf_k + rank)
        for rank, doc in enumerate(bm25, start=1):
            fused[doc] = fused.get(doc, 0.0) + w / (rrf_k + rank)
        if target in sorted(fused, key=lambda d: -fused[d])[:5]:
            return True
    return target in bm25[:5]


def retrieval_quality(svc: Services, rows: list[dict[str, Any]], label: str) -> dict[str, Any]:
    svc.embedder.encode(["warm up"])
    vectors = svc.embedder.encode([r["question"] for r in rows])
    equivalent = same_question_answers(rows)
    figures: dict[str, Any] = {}
    lists: dict[str, list[list[str]]] = {}
    targets = [safe_name(row["id"]) + ".txt" for row in rows]
    for mode in MODES:
        r1 = r5 = mrr = lenient5 = 0.0
        lists[mode] = []
        started = time.perf_counter()
        for row, vector, target in zip(rows, vectors, targets, strict=True):
            same = equivalent.get(row["question"].strip().lower(), {target})
            docs = ranked_documents(svc, row["question"], vector, mode)
            lists[mode].append(docs)
            rank = docs.index(target) + 1 if target in docs[:10] else 0
            lenient5 += bool(same & set(docs[:5]))
            r1 += rank == 1
            r5 += 0 < rank <= 5
            mrr += 1 / rank if rank else 0
        n = len(rows)
        figures[mode] = {"recall@1": round(r1 / n, 4), "recall@5": round(r5 / n, 4), "mrr@10": round(mrr / n, 4),
                         "recall@5_any_answer_to_same_question": round(lenient5 / n, 4),
                         "ms_per_query": round((time.perf_counter() - started) * 1000 / n, 2)}
        f = figures[mode]
        print(f"{label:>22} {mode:>6}: recall@1 {f['recall@1']:.3f}  recall@5 {f['recall@5']:.3f}  "
              f"MRR@10 {f['mrr@10']:.3f}  (same-question recall@5 {f['recall@5_any_answer_to_same_question']:.3f}; "
              f"{f['ms_per_query']:.1f} ms/query)")
    best_single = max(figures["bm25"]["recall@5"], figures["dense"]["recall@5"])
    gain = 100 * (figures["hybrid"]["recall@5"] - best_single)
    print(f"{label:>22}  hybrid recall@5 gain over the better single method: {gain:+.1f} points (target >= +3)")
    figures["hybrid_gain_points"] = round(gain, 1)
    rrf_k = svc.settings.rrf_k
    ceiling = sum(fusion_ceiling(d, b, t, rrf_k)
                  for d, b, t in zip(lists["dense"], lists["bm25"], targets, strict=True)) / len(rows)
    figures["fusion_ceiling_recall@5"] = round(ceiling, 4)
    figures["fusion_ceiling_gain_points"] = round(100 * (ceiling - best_single), 1)
    print(f"{label:>22}  ceiling of any dense+BM25 fusion (best weight chosen per question, knowing the answer): "
          f"recall@5 {ceiling:.3f} = {100 * (ceiling - best_single):+.1f} points over the better single method")
    return figures


def clinic_section_recall(svc: Services) -> dict[str, Any]:
    """On the product's own data: does each in-domain question retrieve a passage from one of
    its expected sections (recall@1, @3), per retrieval mode?"""
    cases = yaml.safe_load((ROOT / "evals" / "sets" / "clinic_faq.yaml").read_text())["cases"]
    figures: dict[str, Any] = {}
    for mode in MODES:
        at1 = at3 = 0
        for case in cases:
            sections = [p.section for p in svc.searcher.search(case["turns"][-1], 3, mode=mode).passages]
            expected = set(case["expect"]["sections"])
            at1 += bool(sections[:1]) and sections[0] in expected
            at3 += bool(expected & set(sections[:3]))
        figures[mode] = {"section_recall@1": round(at1 / len(cases), 4), "section_recall@3": round(at3 / len(cases), 4)}
        print(f"{'clinic set (64)':>22} {mode:>6}: section recall@1 {at1 / len(cases):.3f}  "
              f"recall@3 {at3 / len(cases):.3f}")
    return figures


def spine_index(work: Path) -> Services:
    rows = read_jsonl(MEDQUAD_SPINE)
    folder = work / "spine_docs"
    write_medquad_docs(rows, folder)
    svc = Services(load_settings(data_dir=work / "spine-var", collection="spine", model_cache_dir=work / "models"))
    svc.ingestor.ingest([folder], progress=False)
    return svc


def clinic_services(work: Path) -> Services:
    svc = Services(load_settings(data_dir=work / "clinic-var", model_cache_dir=work / "models"))
    svc.ingestor.ingest([svc.settings.docs_dir], progress=False)
    return svc


def answer_latency(svc: Services) -> dict[str, Any]:
    """The answerer alone (expand, embed once, retrieve, compose) and the whole pipeline
    (guardrails, sessions, trace, finalize), each against one query embedding, same run."""
    cases = yaml.safe_load((ROOT / "evals" / "sets" / "clinic_faq.yaml").read_text())["cases"]
    questions = [c["turns"][-1] for c in cases][:50]
    for q in questions[:5]:
        svc.assistant.ask(q)
    embed, answerer, total = [], [], []
    for q in questions:
        start = time.perf_counter()
        svc.embedder.encode([q])
        embed.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        result = svc.searcher.search(q, svc.settings.passages)
        svc.composer.compose(result.expanded_query, result.query_vector, result.passages)
        answerer.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        svc.assistant.ask(q)
        total.append((time.perf_counter() - start) * 1000)
    e50 = percentile(embed, 50)
    out: dict[str, Any] = {"questions": len(questions), "embedding_p50_ms": round(e50, 2)}
    for name, values in (("answerer", answerer), ("full_pipeline", total)):
        p50, p95 = percentile(values, 50), percentile(values, 95)
        print(f"{name:>14}: p50 {p50:.2f} ms ({p50 / e50:.2f}x one query embedding of {e50:.2f} ms), "
              f"p95 {p95:.2f} ms ({p95 / e50:.2f}x)  (target p50 <= 3x)")
        out[name] = {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2), "p50_ratio": round(p50 / e50, 2),
                     "p95_ratio": round(p95 / e50, 2)}
    return out


def question_sets(svc: Services) -> dict[str, Any]:
    out: dict[str, Any] = {}
    scores: dict[str, list[float]] = {"in_domain": [], "out_of_scope": []}
    for name, kind in (("clinic_faq", "in_domain"), ("out_of_scope", "out_of_scope")):
        cases = yaml.safe_load((ROOT / "evals" / "sets" / f"{name}.yaml").read_text())["cases"]
        passed = facts = sections = 0
        for case in cases:
            response = svc.assistant.ask(case["turns"][-1])
            assert response.trace is not None
            scores[kind].append(float(response.trace.get("best_sentence_score", 0.0)))
            expect = case["expect"]
            text = response.answer.split("\n\n")[0].lower()
            if response.action not in expect["action"]:
                continue
            if response.action != "answer":
                passed += 1
                continue
            has_facts = all(any(a.lower() in text for a in g) for g in expect.get("must_mention", []))
            cites = any(s.section in expect.get("sections", []) for s in response.sources)
            facts += has_facts
            sections += cites
            passed += has_facts and cites
        out[name] = {"cases": len(cases), "passed": passed}
        if kind == "in_domain":
            out[name].update(contain_facts=facts, cite_right_section=sections)
            print(f"in-domain set: {passed}/{len(cases)} pass ({facts} contain their facts, "
                  f"{sections} cite a right section)")
        else:
            print(f"out-of-scope set: {passed}/{len(cases)} say the materials do not cover it")
    # Calibration: the floor that best separates in-domain from unrelated health questions
    # (MedQuAD questions on other conditions), by best sentence score alone.
    random.seed(11)
    negatives = [r["question"] for r in random.sample(read_jsonl(MEDQUAD_ALL), 150)]
    neg_scores = []
    refused = 0
    for q in negatives:
        response = svc.assistant.ask(q)
        assert response.trace is not None
        neg_scores.append(float(response.trace.get("best_sentence_score", 0.0)))
        refused += response.action == "no_answer"
    pos = scores["in_domain"]
    best = max((sum(s >= t for s in pos) + sum(s < t for s in neg_scores), t)
               for t in [x / 100 for x in range(10, 80)])
    current = svc.settings.answer_floor
    acc = (sum(s >= current for s in pos) + sum(s < current for s in neg_scores)) / (len(pos) + len(neg_scores))
    print(f"answer floor {current:.2f}: in-domain kept {sum(s >= current for s in pos)}/{len(pos)}, unrelated "
          f"MedQuAD questions below it {sum(s < current for s in neg_scores)}/{len(neg_scores)} "
          f"(accuracy {acc:.3f}; the best single threshold on this data is {best[1]:.2f})")
    print(f"the whole pipeline (floor, unknown topic words, required facts) says 'not in our materials' to "
          f"{refused}/{len(negatives)} unrelated MedQuAD questions")
    out["calibration"] = {"answer_floor": current, "accuracy": round(acc, 4), "best_threshold": best[1],
                          "unrelated_no_answer": refused, "unrelated_total": len(negatives)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--full-index", type=Path, default=None,
                        help="the --work folder of ingest_bench.py, holding the 16k MedQuAD index")
    parser.add_argument("--sample", type=int, default=0, help="questions from the full set (0: all)")
    parser.add_argument("--out", type=Path, default=Path("bench-results/retrieval.json"))
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="faq-retrieval-"))
    results: dict[str, Any] = {}
    print("== 1. Retrieval quality (MedQuAD: each question retrieves its own answer) ==")
    spine = spine_index(work)
    results["spine"] = retrieval_quality(spine, read_jsonl(MEDQUAD_SPINE), "spine subset (199)")
    if args.full_index:
        full = Services(load_settings(data_dir=args.full_index / "var", collection="medquad",
                                      model_cache_dir=args.full_index / "models"), embedder=spine.embedder)
        rows = read_jsonl(MEDQUAD_ALL)
        if args.sample:
            random.seed(5)
            rows = random.sample(rows, args.sample)
        results["all"] = retrieval_quality(full, rows, f"all 16,407 ({len(rows)} q)")
    clinic = clinic_services(work)
    results["clinic_sections"] = clinic_section_recall(clinic)
    print("\n== 2. Answer latency, in-process, clinic knowledge base ==")
    results["latency"] = answer_latency(clinic)
    print("\n== 3. Question sets and answer-floor calibration ==")
    results["sets"] = question_sets(clinic)
    write_json(args.out, results)


if __name__ == "__main__":
    main()
