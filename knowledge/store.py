"""Chroma storage with atomic generations.

Each ingest that changes anything writes a complete new *generation* (a chunk collection
and a document registry collection) and then flips one pointer record. Readers always
follow the pointer, so they see either the old index or the new one, never a mixture; an
ingest killed midway leaves only an orphaned staging generation, removed by the next one.
The same code runs on an embedded persistent client or, when a URL is configured, on a
Chroma server.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlparse

from core.errors import StoreError

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

T = TypeVar("T")
POINTER_ID = "active"
_PLACEHOLDER_VECTOR = [0.0]  # registry and pointer records are looked up by id, never by vector


@dataclass(frozen=True)
class Generation:
    number: int
    chunks: str
    docs: str


def _client(url: str, path: Path) -> ClientAPI:
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if url:
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.hostname:
                raise StoreError(f"FAQ_CHROMA_URL must look like http://host:port, got {url!r}")
            port = parsed.port or (443 if parsed.scheme == "https" else 8000)
            return chromadb.HttpClient(
                host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=chroma_settings
            )
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except StoreError:
        raise
    except Exception as exc:  # chromadb raises plain exceptions for connection problems
        where = url or str(path)
        raise StoreError(f"cannot open the Chroma store at {where}: {exc}") from None


class ChromaStore:
    """The knowledge base in Chroma. The client is created on first use."""

    def __init__(self, base: str, url: str = "", path: Path = Path("var/chroma")) -> None:
        self.base = base
        self.url = url
        self.path = path
        self._client: ClientAPI | None = None
        self._lock = threading.Lock()
        self._collections: dict[str, Collection] = {}
        self._pointer: tuple[float, Generation | None] | None = None

    @property
    def mode(self) -> str:
        return f"server {self.url}" if self.url else f"embedded {self.path}"

    @property
    def client(self) -> ClientAPI:
        with self._lock:
            if self._client is None:
                self._client = _client(self.url, self.path)
            return self._client

    def collection(self, name: str, create: bool = False) -> Collection:
        cached = self._collections.get(name)
        if cached is not None:
            return cached
        try:
            if create:
                coll = self.client.create_collection(
                    name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
                )
            else:
                coll = self.client.get_collection(name, embedding_function=None)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"Chroma collection {name!r} is not available: {exc}") from None
        self._collections[name] = coll
        return coll

    # -- the pointer -------------------------------------------------------------------

    def _meta(self) -> Collection:
        name = f"{self.base}__meta"
        if name not in self._collections:
            try:
                self._collections[name] = self.client.get_or_create_collection(name, embedding_function=None)
            except Exception as exc:
                raise StoreError(f"cannot reach the Chroma store ({self.mode}): {exc}") from None
        return self._collections[name]

    def active(self, max_age: float = 0.0) -> Generation | None:
        """The generation readers should use. ``max_age`` lets a hot path reuse a pointer read
        that recently (safe: a replaced generation is kept until the next ingest stages)."""
        now = time.monotonic()
        if max_age and self._pointer is not None and now - self._pointer[0] <= max_age:
            return self._pointer[1]
        got = self._meta().get(ids=[POINTER_ID], include=["metadatas"])
        metadatas = got.get("metadatas") or []
        gen = None
        if metadatas and metadatas[0] is not None:
            meta = metadatas[0]
            gen = Generation(int(str(meta["generation"])), str(meta["chunks"]), str(meta["docs"]))
        self._pointer = (now, gen)
        return gen

    def _generation_names(self) -> dict[int, list[str]]:
        pattern = re.compile(rf"^{re.escape(self.base)}__g(\d+)(_docs)?$")
        found: dict[int, list[str]] = {}
        for name in self.client.list_collections():
            coll_name = name if isinstance(name, str) else name.name
            if m := pattern.match(coll_name):
                found.setdefault(int(m.group(1)), []).append(coll_name)
        return found

    def stage(self) -> Generation:
        """A fresh, empty generation. Leftovers of interrupted ingests are removed first,
        and so is anything older than the active generation (kept one ingest for readers
        that were mid-query when it was replaced)."""
        current = self.active()
        existing = self._generation_names()
        for number, names in existing.items():
            if current is None or number != current.number:
                for name in names:
                    self.drop(name)
        number = max([*existing.keys(), current.number if current else 0]) + 1
        gen = Generation(number, f"{self.base}__g{number}", f"{self.base}__g{number}_docs")
        self.collection(gen.chunks, create=True)
        self.collection(gen.docs, create=True)
        return gen

    def commit(self, gen: Generation) -> None:
        """Atomically make ``gen`` the generation every reader sees.

        The replaced generation stays until the next ingest stages, so a reader that read
        the old pointer a moment ago can still finish its query."""
        self._pointer = None
        self._meta().upsert(
            ids=[POINTER_ID],
            embeddings=cast(Any, [_PLACEHOLDER_VECTOR]),
            metadatas=[
                {
                    "generation": gen.number,
                    "chunks": gen.chunks,
                    "docs": gen.docs,
                    "committed_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            ],
        )

    def read_active(self, read: Callable[[Generation], T], max_age: float = 0.0) -> T | None:
        """Run ``read`` on the active generation; if it vanished under us (replaced twice
        while we read), follow the pointer once more."""
        for attempt in range(2):
            gen = self.active(max_age if attempt == 0 else 0.0)
            if gen is None:
                return None
            try:
                return read(gen)
            except Exception:
                if attempt:
                    raise
                self._collections.pop(gen.chunks, None)
                self._collections.pop(gen.docs, None)
        return None

    def drop(self, name: str) -> None:
        self._collections.pop(name, None)
        try:
            self.client.delete_collection(name)
        except Exception:  # already gone: nothing to clean
            return

    # -- batched writes and reads ------------------------------------------------------

    @property
    def max_batch(self) -> int:
        try:
            return max(1, min(4000, int(self.client.get_max_batch_size())))
        except Exception:
            return 1000

    def add(self, name: str, ids: list[str], embeddings: Any, documents: list[str] | None,
            metadatas: list[dict[str, Any]]) -> None:
        coll = self.collection(name)
        step = self.max_batch
        for i in range(0, len(ids), step):
            coll.add(
                ids=ids[i : i + step],
                embeddings=embeddings[i : i + step],
                documents=documents[i : i + step] if documents is not None else None,
                metadatas=cast(Any, metadatas[i : i + step]),
            )

    def add_registry(self, name: str, records: list[dict[str, Any]], ids: list[str]) -> None:
        self.add(name, ids, [_PLACEHOLDER_VECTOR] * len(ids), None, records)

    def get(self, name: str, *, ids: list[str] | None = None, where: dict[str, Any] | None = None,
            include: list[str] | None = None) -> dict[str, Any]:
        """All matching records, paged so that large collections do not overflow a response."""
        coll = self.collection(name)
        fields: Any = include or ["metadatas"]
        if ids is not None:
            out: dict[str, list[Any]] = {"ids": []}
            for i in range(0, len(ids), self.max_batch):
                part = coll.get(ids=ids[i : i + self.max_batch], include=fields)
                _extend(out, part, fields)
            return out
        out = {"ids": []}
        offset, page = 0, self.max_batch
        while True:
            part = coll.get(where=where, include=fields, limit=page, offset=offset)
            _extend(out, part, fields)
            if len(part["ids"]) < page:
                return out
            offset += page

    def count(self, name: str) -> int:
        return int(self.collection(name).count())

    def query(self, name: str, vector: list[float], k: int,
              include: tuple[str, ...] = ("documents", "metadatas", "distances")) -> dict[str, Any]:
        result = self.collection(name).query(query_embeddings=cast(Any, [vector]), n_results=k,
                                             include=cast(Any, list(include)))
        return {key: (value[0] if value else []) for key, value in result.items() if isinstance(value, list)}

    def disk_bytes(self) -> int | None:
        if self.url:
            return None
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())


def _extend(out: dict[str, list[Any]], part: Any, fields: list[str]) -> None:
    out["ids"].extend(part["ids"])
    for field in fields:
        values = part.get(field)
        out.setdefault(field, []).extend(list(values) if values is not None else [None] * len(part["ids"]))
