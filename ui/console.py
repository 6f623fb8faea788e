"""The staff console (Gradio): Ask with the full trace, Knowledge, Evaluations, Conversations and
Settings. Mounted at /staff in `faq serve` behind staff sign-in, or alone with `faq console`.
Every tab calls the same composition root (assistant.wiring.Services) as the API.

Gradio is imported lazily, after its analytics and the hub's telemetry are switched off; the theme
is Gradio's built-in default with system fonts (no Google Fonts), and nothing is shared publicly.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assistant.wiring import Services
from core.errors import FAQError
from core.types import Response
from ui import staff

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

PATH = "/staff"
ACTIONS = ["", "answer", "no_answer", "refuse", "deflect", "escalate"]
CATEGORIES = ["", "faq", "diagnosis", "treatment_decision", "medication", "emergency", "self_harm",
              "prompt_injection", "abuse", "off_topic", "social", "language"]
FEEDBACK = ["", "up", "down", staff.FEEDBACK_WRONG]
CSS = """.trace table, .settings table {border-collapse: collapse; font-size: 0.85em; margin: 0.4em 0}
.trace td, .trace th, .settings td, .settings th {border: 1px solid #ccc; padding: 2px 6px; text-align: left}
.placeholder {background: #fde2e1; color: #8a1c1c; font-weight: bold; padding: 0 3px}
.warn {color: #8a1c1c; font-weight: bold} .final-text {white-space: normal; border-left: 3px solid #1565c0;
padding-left: 8px}"""
F = TypeVar("F", bound=Callable[..., Any])


def quiet_gradio() -> Any:
    """Import gradio with every network feature off."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["GRADIO_SERVER_NAME"] = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    import gradio

    return gradio


def theme(gr: Any) -> Any:
    """The built-in default theme with system fonts, so the page loads nothing from outside."""
    system = ["ui-sans-serif", "system-ui", "sans-serif"]
    return gr.themes.Default(font=system, font_mono=["ui-monospace", "monospace"])


def friendly(gr: Any, fn: F) -> F:
    """Known problems and bad input show as a message in the console, never a stack trace."""

    @functools.wraps(fn)  # keeps the signature, which Gradio reads (inputs, gr.Progress)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (FAQError, ValueError) as exc:
            raise gr.Error(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def build(svc: Services) -> gr.Blocks:
    gr = quiet_gradio()
    settings = svc.settings

    def ask(message: str, history: list[dict[str, Any]] | None, session: str | None,
            replies: list[dict[str, Any]] | None, compare: bool) -> tuple[Any, ...]:
        message = (message or "").strip()
        if not message:
            raise ValueError("type a question first")
        reply = svc.assistant.ask(message, session or None)
        history = [*(history or []), {"role": "user", "content": message},
                   {"role": "assistant", "content": reply.answer}]
        replies = [*(replies or []), reply.model_dump()]
        comparison = ""
        if compare:
            if svc.writer is None:
                comparison = "No LLM is configured (settings llm_provider/llm_model), so there is nothing to compare."
            else:
                offline = svc.assistant.ask(message, None, use_writer=False)
                comparison = (f"**Configured ({(reply.trace or {}).get('composer', '?')})**\n\n{reply.answer}\n\n"
                              f"---\n\n**Offline composer** (asked without the conversation)\n\n{offline.answer}")
        return history, reply.session_id, replies, staff.trace_html(reply), comparison, ""

    def select(replies: list[dict[str, Any]] | None, evt: Any) -> str:
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        position = int(index) // 2
        if not replies or position >= len(replies):
            return staff.trace_html(None)
        return staff.trace_html(Response.model_validate(replies[position]))

    select.__annotations__["evt"] = gr.SelectData  # Gradio injects the selection by this annotation

    def new_conversation() -> tuple[Any, ...]:
        return [], None, [], staff.trace_html(None), ""

    def documents() -> tuple[Any, Any]:
        rows = staff.documents_rows(svc)
        return rows, gr.update(choices=[r[0] for r in rows], value=rows[0][0] if rows else None)

    def chunks(source: str | None) -> list[list[Any]]:
        if not source:
            raise ValueError("choose a document")
        return staff.chunk_rows(svc, source)

    def search(query: str) -> list[list[Any]]:
        return staff.search_rows(svc, query or "")

    def add(files: list[str] | None, progress: Any = gr.Progress(track_tqdm=True)) -> tuple[str, Any, Any]:  # noqa: B008
        progress(0, desc="ingesting")
        result = staff.add_documents(svc, [Path(f) for f in files or []], progress=True)
        rows = staff.documents_rows(svc)
        return result.summary(), rows, gr.update(choices=[r[0] for r in rows])

    def evaluate(names: list[str] | None, uploads: list[str] | None,
                 progress: Any = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        from evals.cases import BASELINE, SETS_DIR
        from evals.report import charts
        from evals.run import InProcess, KnowledgeBases
        from evals.run import evaluate as run_sets

        paths = [SETS_DIR / f"{n}.yaml" for n in names or []] + [Path(u) for u in uploads or []]
        if not paths:
            raise ValueError("choose at least one question set, or upload one")
        out = Path(settings.data_dir) / "eval" / time.strftime("console-%Y%m%d-%H%M%S")
        report = run_sets(InProcess(svc.assistant), paths, baseline=BASELINE, out=out,
                          progress=lambda done, total: progress(done / total, desc=f"{done}/{total} cases"),
                          knowledge=KnowledgeBases(svc))
        m = report.metrics
        verdict = "PASS" if report.gate["passed"] else "FAIL"
        summary = [f"### Gate: {verdict}", f"{m['cases']} cases, pass rate {m['pass_rate']:.1%}, disclaimer "
                   f"{m['disclaimer_rate']:.1%}, latency p50 {m['latency_ms']['p50']} ms"]
        summary += [f"- critical: {x}" for x in report.gate["critical_failures"]]
        summary += [f"- regression: {x}" for x in report.gate["regressions"]]
        diff = report.baseline_diff
        base = ["| set | now | baseline |", "|---|---|---|"] + [
            f"| {k} | {v['now']:.1%} | {'-' if v['baseline'] is None else format(v['baseline'], '.1%')} |"
            for k, v in diff.get("sets", {}).items()]
        base += [f"- newly failing: {x}" for x in diff.get("newly_failing", [])]
        base += [f"- fixed: {x}" for x in diff.get("fixed", [])]
        rows = [[r.set, r.id, r.severity, "pass" if r.passed else "FAIL", f"{r.action}/{r.category}",
                 "; ".join(r.reasons)] for r in report.results]
        images = "".join(f"<img alt='{k} chart' style='max-width:100%' src='data:image/png;base64,{v}'>"
                         for k, v in charts(report).items())
        files = [str(out / "report.html"), str(out / "report.json"), str(out / "report.md")]
        return "\n\n".join(summary), rows, m, images, "\n".join(base), files

    def conversations(days: float, action: str, category: str, feedback: str) -> tuple[Any, Any]:
        rows = staff.transcript_rows(svc, days=float(days or 30), action=action, category=category,
                                     feedback=feedback)
        target = Path(settings.data_dir) / "exports"
        target.mkdir(parents=True, exist_ok=True)
        path = staff.transcripts_csv(rows, target / time.strftime("transcripts-%Y%m%d-%H%M%S.csv"))
        return rows, str(path)

    def wrong(turn_id: str, note: str) -> str:
        return staff.mark_wrong(svc, turn_id or "", note or "")

    def gaps(days: float) -> list[list[Any]]:
        return staff.knowledge_gaps(svc, days=float(days or 90))

    def settings_view() -> str:
        return staff.settings_html(svc)

    def f(fn: F) -> F:
        return friendly(gr, fn)

    from evals.cases import SETS_DIR

    shipped = sorted(p.stem for p in SETS_DIR.glob("*.yaml"))
    with gr.Blocks(title="Spine FAQ: staff console", analytics_enabled=False) as blocks:
        gr.Markdown("## Staff console\nTest what the assistant tells patients, with the reasoning behind every "
                    "reply. Nothing here is shown to patients.")
        with gr.Tab("Ask"):
            session = gr.State(None)
            replies = gr.State([])
            with gr.Row():
                with gr.Column(scale=5):
                    chat = gr.Chatbot(label="Conversation", height=460, elem_id="staff-chat")
                    question = gr.Textbox(label="Question", placeholder="Ask as a patient would",
                                          elem_id="staff-question")
                    with gr.Row():
                        send = gr.Button("Ask", variant="primary", elem_id="staff-ask")
                        reset = gr.Button("New conversation")
                    compare = gr.Checkbox(label="Compare the offline composer with the configured LLM",
                                          value=False, interactive=svc.settings.llm_provider != "")
                    comparison = gr.Markdown()
                with gr.Column(scale=6):
                    trace = gr.HTML(staff.trace_html(None), elem_id="staff-trace")
            outputs = [chat, session, replies, trace, comparison, question]
            send.click(f(ask), [question, chat, session, replies, compare], outputs, api_name="ask")
            question.submit(f(ask), [question, chat, session, replies, compare], outputs, api_name=False)
            chat.select(select, [replies], trace, api_name=False)
            reset.click(new_conversation, None, [chat, session, replies, trace, comparison], api_name="new_conversation")
        with gr.Tab("Knowledge"):
            docs_table = gr.Dataframe(headers=["source", "title", "chunks", "sections", "ingested at", "url"],
                                      interactive=False, wrap=True, label="Documents")
            refresh = gr.Button("Refresh")
            with gr.Row():
                source = gr.Dropdown(label="Browse a document's chunks", choices=[], interactive=True)
                browse = gr.Button("Show chunks")
            chunk_table = gr.Dataframe(headers=["position", "section", "text"], interactive=False, wrap=True)
            with gr.Row():
                query = gr.Textbox(label="Search the index directly", scale=4)
                find = gr.Button("Search")
            hits = gr.Dataframe(headers=["rank", "document", "section", "dense", "BM25", "fused", "text"],
                                interactive=False, wrap=True)
            uploads = gr.File(label="Add or replace documents (.txt .md .html .pdf)", file_count="multiple",
                              file_types=[".txt", ".md", ".markdown", ".html", ".htm", ".pdf"])
            ingest = gr.Button("Add and ingest (no files: re-ingest the folder)", variant="primary")
            ingest_summary = gr.Textbox(label="Result", lines=6, interactive=False)
            refresh.click(f(documents), None, [docs_table, source], api_name="documents")
            browse.click(f(chunks), source, chunk_table, api_name="chunks")
            find.click(f(search), query, hits, api_name="search")
            query.submit(f(search), query, hits, api_name=False)
            ingest.click(f(add), uploads, [ingest_summary, docs_table, source], api_name="ingest")
        with gr.Tab("Evaluations"):
            chosen = gr.CheckboxGroup(shipped, value=["clinic_faq"], label="Shipped question sets")
            uploaded = gr.File(label="Or upload question sets (YAML)", file_count="multiple",
                               file_types=[".yaml", ".yml"])
            run = gr.Button("Run", variant="primary")
            summary = gr.Markdown()
            with gr.Row():
                baseline = gr.Markdown(label="Against the baseline")
                report_files = gr.File(label="Download the report", interactive=False)
            results = gr.Dataframe(headers=["set", "case", "severity", "result", "got", "reasons"],
                                   interactive=False, wrap=True, label="Cases")
            chart_html = gr.HTML()
            metrics = gr.JSON(label="Metrics")
            run.click(f(evaluate), [chosen, uploaded], [summary, results, metrics, chart_html, baseline,
                                                         report_files], api_name="evaluate")
        with gr.Tab("Conversations"):
            with gr.Row():
                days = gr.Number(30, label="Last N days", minimum=0.01)
                action = gr.Dropdown(ACTIONS, value="", label="Action")
                category = gr.Dropdown(CATEGORIES, value="", label="Category")
                feedback = gr.Dropdown(FEEDBACK, value="", label="Feedback")
                show = gr.Button("Show", variant="primary")
            transcripts = gr.Dataframe(headers=staff.TRANSCRIPT_COLUMNS, interactive=False, wrap=True,
                                       label="Redacted transcripts (evaluation runs are left out)")
            export = gr.File(label="CSV export", interactive=False)
            with gr.Row():
                turn = gr.Textbox(label="Turn id")
                note = gr.Textbox(label="What is wrong with this reply?", scale=3)
                mark = gr.Button("Mark as wrong")
            marked = gr.Markdown()
            gap_days = gr.Number(90, label="Knowledge gaps over the last N days", minimum=0.01)
            find_gaps = gr.Button("Group unanswered and down-voted questions")
            gap_table = gr.Dataframe(headers=["count", "given suggestions", "question", "similar questions"], interactive=False,
                                     wrap=True, label="Knowledge gaps: write these articles next")
            show.click(f(conversations), [days, action, category, feedback], [transcripts, export],
                       api_name="transcripts")
            mark.click(f(wrong), [turn, note], marked, api_name="mark_wrong")
            find_gaps.click(f(gaps), gap_days, gap_table, api_name="gaps")
        with gr.Tab("Settings"):
            view = gr.HTML()
            reload = gr.Button("Reload")
            reload.click(f(settings_view), None, view, api_name="settings")
        blocks.load(f(settings_view), None, view, api_name=False)
        blocks.load(f(documents), None, [docs_table, source], api_name=False)
    return blocks  # type: ignore[no-any-return]


def mount(app: FastAPI, svc: Services, path: str = PATH) -> FastAPI:
    """The console on ``app`` at ``path``, behind the staff sign-in from settings."""
    gr = quiet_gradio()
    s = svc.settings
    return gr.mount_gradio_app(  # type: ignore[no-any-return]
        app, build(svc), path=path, auth=(s.staff_username, s.staff_password),
        auth_message="Staff sign-in: the console shows patients' (redacted) questions.", theme=theme(gr), css=CSS,
        ssr_mode=False, mcp_server=False, enable_monitoring=False, max_file_size=s.max_upload_bytes,
        footer_links=[], pwa=False, allowed_paths=[str(Path(s.data_dir).resolve() / "eval"),
                                                   str(Path(s.data_dir).resolve() / "exports")])


def standalone(svc: Services) -> FastAPI:
    """`faq console`: the console alone, at /staff, with / redirecting to it."""
    from fastapi import FastAPI
    from fastapi.responses import RedirectResponse

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse(PATH + "/")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return mount(app, svc)
