"""The HTTP API. ``create_app(settings)`` builds it; nothing lives at module level.

    POST /v1/chat            the answer contract as JSON
    POST /v1/chat/stream     Server-Sent Events: meta, token..., done (the disclaimer is streamed too)
    POST /v1/feedback        up/down on a turn
    GET  /healthz /readyz    process alive / model loaded and store reachable
    GET  /metrics            Prometheus
    POST /v1/admin/reindex, GET /v1/admin/transcripts   staff only (X-Admin-Key)
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant import logs
from assistant.logs import REQUEST_ID
from assistant.settings import Settings
from assistant.wiring import Services
from core.errors import FAQError, InputError
from core.types import Response as Reply
from core.types import new_id
from ui.schemas import ChatRequest, ErrorBody, ErrorDetail, FeedbackRequest, errors

log = logging.getLogger("faq.api")
T = TypeVar("T")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}
# The staff console (Gradio) needs inline scripts and styles, but nothing from outside this server.
CONSOLE_PATH = "/staff"
CONSOLE_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
                               "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
                               "connect-src 'self'; frame-ancestors 'none'",
    "Cache-Control": "private, no-cache",
}
WORDS_PER_TOKEN_EVENT = 3
# How `faq serve` runs uvicorn (also the load benchmark's API-overhead server). uvicorn picks uvloop
# and httptools, both installed. With several workers uvicorn's supervisor pings each one and kills a
# worker that does not answer within timeout_worker_healthcheck (default 5 s); the answer comes from a
# thread that needs the GIL, and on a busy 2-core machine warming two workers it was measured at 3.2 s,
# and a worker killed mid-request drops its client's connection (CI failure 2026-12-01). 60 s still
# replaces a worker that has truly hung.
SERVE_OPTIONS: dict[str, Any] = {"log_level": "warning", "proxy_headers": False, "timeout_keep_alive": 30,
                                 "timeout_graceful_shutdown": 10, "log_config": None,
                                 "timeout_worker_healthcheck": 60}


class Metrics:
    """Prometheus metrics in a registry of this app's own (no process-global state). HTTP requests
    are counted by prometheus-fastapi-instrumentator, labelled by route template, every unknown
    path under one label ("none"). With several workers (`faq serve` sets PROMETHEUS_MULTIPROC_DIR)
    the values live in files that /metrics sums over the workers."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("faq_answer_seconds", "Answer latency by action", ["action"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.verdicts = Counter("faq_guardrail_verdicts", "Guardrail checks that fired", ["check", "category"],
                                registry=self.registry)
        self.errors = Counter("faq_errors", "Errors by kind", ["kind"], registry=self.registry)

    def instrument(self, app: FastAPI) -> None:
        from prometheus_fastapi_instrumentator import Instrumentator

        Instrumentator(should_group_status_codes=False, should_group_untemplated=True,
                       excluded_handlers=["/metrics"], registry=self.registry).instrument(app)

    def exposition(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
            return generate_latest(merged)
        return generate_latest(self.registry)


class MovingWindow:
    """Requests per client in the last minute, in this process's memory: the times of each client's
    accepted requests in a deque. No threads: the `limits` library's memory storage starts a timer
    thread on nearly every hit, which cost the event loop a thread start per request."""

    WINDOW = 60.0

    def __init__(self, per_minute: int) -> None:
        self.limit = per_minute
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        cutoff = now - self.WINDOW
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= cutoff:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            self._calls += 1
            if self._calls % 4096 == 0:  # forget clients idle for a minute, so memory stays bounded
                for key in [k for k, v in self._hits.items() if not v or v[-1] <= cutoff]:
                    del self._hits[key]
        return True


class RateLimiter:
    """Requests per client per minute (a moving window): counters in this process's memory by
    default, or in Redis (FAQ_REDIS_URL) shared by every process, through the `limits` library's
    asyncio client (a Redis round trip never blocks the event loop). When Redis cannot be reached
    the request is let through and the error counted: a patient is never refused because the
    limiter is down."""

    def __init__(self, per_minute: int, storage_url: str = "") -> None:
        self.local: MovingWindow | None = None
        if not storage_url:
            self.local = MovingWindow(per_minute)
            return
        from limits import RateLimitItemPerMinute, storage
        from limits.aio import strategies

        self.item = RateLimitItemPerMinute(per_minute)
        shared = storage.storage_from_string(f"async+{storage_url}", implementation="redispy")
        self.strategy = strategies.MovingWindowRateLimiter(shared)

    async def allow(self, client: str) -> bool:
        if self.local is not None:
            return self.local.allow(client)
        return bool(await self.strategy.hit(self.item, "chat", client))


class Unauthorized(Exception):
    """A missing or wrong admin key (raised by the staff-only dependency, answered with 401)."""


class AnswerPool:
    """Answers are computed on ``threads`` threads of their own, first come first served, and at
    most ``limit`` are admitted at once per process (computing or waiting their turn). A request
    that finds every slot taken waits up to ``grace`` seconds for one to free, in order, and is
    then turned away (503, Retry-After) instead of queueing into multi-second waits.

    Why a small pool of its own rather than the shared 40-thread one: an answer is CPU work that
    mostly holds the GIL, so N answers on N threads each take ~N times as long (the GIL is handed
    round every 5 ms), the tail waits longest, and the event loop queues for the GIL behind them.
    With few threads a request waits its turn in order and is then computed at full speed, and the
    loop keeps answering (and shedding) quickly. Why the short grace: a client that retries at once
    after a 503 (a load generator, an impatient script) would otherwise have the loop shed its
    requests hundreds of times a second, CPU the answers need. ``enter`` and the release run on the
    event loop's thread only."""

    def __init__(self, threads: int, limit: int, grace: float = 0.0) -> None:
        self.limit = limit
        self.grace = grace
        self.admitted = 0
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="faq-answer")

    async def enter(self) -> bool:
        """Take a slot (True), or False when none freed within the grace period."""
        if self.admitted < self.limit and not self._waiting:
            self.admitted += 1
            return True
        if self.grace <= 0:
            return False
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            await asyncio.wait([waiter], timeout=self.grace)
        except asyncio.CancelledError:  # the request itself was cancelled: pass on a slot it was handed
            if waiter.done() and not waiter.cancelled():
                self._leave()
            else:
                waiter.cancel()
                self._waiting.remove(waiter)
            raise
        if waiter.done() and not waiter.cancelled():
            return True  # handed a slot by _leave (the count already includes it)
        waiter.cancel()
        self._waiting.remove(waiter)
        return False

    def _leave(self) -> None:
        while self._waiting:  # the slot passes to the longest-waiting request
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.admitted -= 1

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the pool (with this request's context variables: its request id);
        the slot taken by ``enter`` is given back when the work ends, even if the request is
        cancelled meanwhile."""
        loop = asyncio.get_running_loop()
        job = self._executor.submit(contextvars.copy_context().run, fn, *args)
        job.add_done_callback(lambda _: loop.call_soon_threadsafe(self._leave))
        return await asyncio.wrap_future(job)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class Envelope:
    """Every HTTP request: a request id (header X-Request-ID and every log line), the body-size
    limit (413 before anything reads it), the security headers, and a 500 with the request id
    instead of a stack trace. Plain ASGI: Starlette's BaseHTTPMiddleware (`@app.middleware`)
    costs a task, a memory stream and a response wrapper per request."""

    def __init__(self, app: ASGIApp, *, settings: Settings, on_error: Callable[[Request], Response]) -> None:
        self.app = app
        self.settings = settings
        self.on_error = on_error
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        self.console_headers = [(k.lower().encode(), v.encode()) for k, v in CONSOLE_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_id()
        scope.setdefault("state", {})["request_id"] = request_id
        REQUEST_ID.set(request_id)
        staff_console = scope["path"].startswith(CONSOLE_PATH)
        defaults = self.console_headers if staff_console else self.headers
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-request-id"]
                present = {k.lower() for k, _ in headers}
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend((k, v) for k, v in defaults if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        limit = self.settings.max_upload_bytes + 65_536 if staff_console else self.settings.max_body_bytes
        length = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        if length.isdigit() and int(length) > limit:
            response = error(413, "payload_too_large", f"The request is larger than {limit:,} bytes.",
                             Request(scope))
            await response(scope, receive, send_with_headers)
            return
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # never a stack trace to the client; the log has it, with the request id
            log.exception("request failed")
            if started:
                raise
            await self.on_error(Request(scope))(scope, receive, send_with_headers)


def error(status: int, code: str, message: str, request: Request, disclaimer: str | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message), request_id=request.state.request_id,
                     disclaimer=disclaimer)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status)


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def stream_events(reply: Reply) -> Iterator[str]:
    """meta first, then the text in small token events, then done with the whole reply. An
    emergency reply is sent whole, in one token event, so nothing delays it."""
    yield sse("meta", {"turn_id": reply.turn_id, "session_id": reply.session_id, "action": reply.action,
                       "category": reply.category, "sources": [s.model_dump() for s in reply.sources]})
    if reply.action == "escalate":
        yield sse("token", {"text": reply.answer})
    else:
        words = reply.answer.split(" ")
        for i in range(0, len(words), WORDS_PER_TOKEN_EVENT):
            chunk = " ".join(words[i : i + WORDS_PER_TOKEN_EVENT])
            yield sse("token", {"text": chunk + (" " if i + WORDS_PER_TOKEN_EVENT < len(words) else "")})
    yield sse("done", reply.model_dump(exclude={"trace"}))


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    svc = services or Services(settings)
    metrics = Metrics()
    limiter = RateLimiter(settings.rate_limit_per_minute, settings.redis_url)
    pool = AnswerPool(settings.answer_threads, settings.max_inflight, settings.shed_wait_ms / 1000)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(svc.warm_up)
        purged = await run_in_threadpool(svc.sessions.purge, settings.retention_days)
        log.info("started; purged %d turns older than %s days", purged, settings.retention_days)
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(title="Spine clinic FAQ assistant", version="0.1.0", lifespan=lifespan)
    app.state.services = svc
    metrics.instrument(app)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], max_age=600)

    def internal_error(request: Request) -> Response:
        metrics.errors.labels("unhandled").inc()
        return error(500, "internal_error", svc.assistant.error_text(svc.assistant.message("server_error")), request,
                     svc.clinic.disclaimer)

    app.add_middleware(Envelope, settings=settings, on_error=internal_error)

    if settings.trusted_proxies:
        # outermost: the client address every later step sees (the rate limit's key, the log) is the
        # one X-Forwarded-For names, but only when the request came through a trusted proxy
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        metrics.errors.labels("validation").inc()
        return error(422, "invalid_request", f"{where}: {first.get('msg')}" if where else str(first.get("msg")),
                     request, svc.clinic.disclaimer)

    def client_key(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def is_staff(key: str | None) -> bool:
        return bool(key) and secrets.compare_digest(str(key), settings.admin_key)

    async def rate_limited(request: Request) -> JSONResponse | None:
        # Staff tools (the evaluation runner over HTTP) send the admin key and are not throttled.
        if is_staff(request.headers.get("x-admin-key")):
            return None
        try:
            if await limiter.allow(client_key(request)):
                return None
        except Exception:  # the shared counter store is down: let the patient through, say so in the log
            log.exception("rate limiter unavailable")
            metrics.errors.labels("rate_limiter").inc()
            return None
        metrics.errors.labels("rate_limited").inc()
        response = error(429, "rate_limited", svc.assistant.error_text(svc.assistant.message("rate_limited")),
                         request, svc.clinic.disclaimer)
        response.headers["Retry-After"] = "30"
        return response

    async def answer(request: Request, body: ChatRequest) -> Reply | JSONResponse:
        limited = await rate_limited(request)
        if limited is not None:
            return limited
        if not await pool.enter():
            metrics.errors.labels("busy").inc()
            response = error(503, "busy", svc.assistant.error_text(svc.assistant.message("busy")), request,
                             svc.clinic.disclaimer)
            response.headers["Retry-After"] = "5"
            return response
        started = time.perf_counter()
        try:
            reply = await pool.run(svc.assistant.ask, body.message, body.session_id)
        except InputError as exc:
            return error(422, "invalid_message", svc.assistant.error_text(exc), request, svc.clinic.disclaimer)
        metrics.latency.labels(reply.action).observe(time.perf_counter() - started)
        for verdict in (reply.trace or {}).get("verdicts", []):
            if verdict.get("fired"):
                metrics.verdicts.labels(verdict["check"], str(verdict.get("category"))).inc()
        log.info("turn %s: %s/%s", reply.turn_id, reply.action, reply.category)
        return reply

    @app.post("/v1/chat", response_model=Reply, response_model_exclude={"trace"}, responses=errors(422, 429, 503))
    async def chat(request: Request, body: ChatRequest) -> Any:
        return await answer(request, body)

    @app.post("/v1/chat/stream", response_class=StreamingResponse, responses=errors(422, 429, 503))
    async def chat_stream(request: Request, body: ChatRequest) -> Any:
        reply = await answer(request, body)
        if isinstance(reply, JSONResponse):
            return reply
        return StreamingResponse(stream_events(reply), media_type="text/event-stream",
                                 headers={"X-Accel-Buffering": "no"})

    @app.post("/v1/feedback", responses=errors(404, 422))
    async def feedback(request: Request, body: FeedbackRequest) -> Any:
        found = await run_in_threadpool(svc.sessions.feedback, body.turn_id, body.rating, body.comment)
        if not found:
            return error(404, "unknown_turn", "There is no reply with that turn id.", request)
        return {"ok": True, "turn_id": body.turn_id}

    widget_dir = Path(__file__).resolve().parent / "widget"
    assets = {name: (widget_dir / name).read_bytes() for name in ("widget.js", "widget.css", "demo.html")}

    @app.get("/", include_in_schema=False)
    async def demo() -> Response:
        return Response(assets["demo.html"], media_type="text/html; charset=utf-8", headers={
            "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                       "connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"})

    @app.get("/widget.js", include_in_schema=False)
    async def widget_js() -> Response:
        return Response(assets["widget.js"], media_type="application/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300"})

    @app.get("/widget.css", include_in_schema=False)
    async def widget_css() -> Response:
        return Response(assets["widget.css"], media_type="text/css; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300"})

    @app.get("/v1/greeting")
    async def greeting() -> dict[str, str]:
        """The widget's opening message: what it can and cannot help with, and the emergency number."""
        return {"greeting": svc.assistant.greeting(), "disclaimer": svc.clinic.disclaimer,
                "offline": svc.assistant.error_text(svc.assistant.message("offline"))}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", responses=errors(503))
    async def readyz(request: Request) -> Any:
        try:
            ready = await run_in_threadpool(svc.ready)
        except FAQError as exc:
            return error(503, "not_ready", str(exc), request)
        if not ready:
            return error(503, "not_ready", "The knowledge base is empty: run `faq ingest`.", request)
        return {"status": "ready"}

    @app.get("/metrics", response_class=PlainTextResponse)
    async def prometheus() -> Response:
        return PlainTextResponse(metrics.exposition().decode(), media_type=CONTENT_TYPE_LATEST)

    def staff(x_admin_key: Annotated[str | None, Header()] = None) -> None:
        if not is_staff(x_admin_key):
            raise Unauthorized

    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        response = error(401, "unauthorized", "A valid X-Admin-Key header is required.", request)
        response.headers["WWW-Authenticate"] = "X-Admin-Key"
        return response

    staff_only = [Depends(staff)]

    @app.post("/v1/admin/reindex", dependencies=staff_only, responses=errors(401))
    async def reindex() -> Any:
        report = await run_in_threadpool(svc.ingestor.ingest, [settings.docs_dir], progress=False)
        return {"summary": report.summary(), "ingested": report.ingested, "unchanged": report.unchanged,
                "failed": [{"path": p, "reason": r} for p, r in report.failed], "removed": report.removed}

    @app.get("/v1/admin/transcripts", dependencies=staff_only, responses=errors(401, 422))
    async def transcripts(action: str | None = None, category: str | None = None,
                          feedback: str | None = None, days: float = 30, limit: int = 200) -> Any:
        since = time.time() - days * 86400
        rows = await run_in_threadpool(lambda: svc.sessions.transcripts(
            since=since, action=action, category=category, feedback=feedback, limit=min(limit, 1000)))
        return {"transcripts": rows}

    if settings.console_enabled and settings.workers == 1:
        from ui.console import mount

        mount(app, svc)
    elif settings.console_enabled:  # Gradio keeps each browser session's queue in one process
        log.warning("the staff console is not mounted with %d workers: run `faq console` beside the API",
                    settings.workers)
    return app


def app_from_environment() -> FastAPI:
    """The uvicorn factory for `faq serve` (each worker builds its own app from the environment)."""
    from assistant.settings import load_settings

    settings = load_settings()
    services = Services(settings)
    logs.configure(detector=lambda: services.pii)  # the one detector of this worker
    return create_app(settings, services)
