"""Read .txt, .md, .html/.htm and .pdf files into RawDocuments.

Each loader raises DocumentError with a one-line reason; the ingest reports it and goes on.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from core.errors import DocumentError
from knowledge.types import RawDocument

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
SIDECAR_SUFFIX = ".meta.yaml"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.DOTALL)


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.endswith(SIDECAR_SUFFIX)


def decode_text(data: bytes) -> str:
    if not data.strip():
        raise DocumentError("the file is empty")
    if b"\x00" in data[:8192]:
        raise DocumentError("the file is binary, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.01 * min(len(text), 8192):
        raise DocumentError("the file is binary, not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError:
        raise DocumentError("the front matter is not valid YAML") from None
    if not isinstance(meta, dict):
        raise DocumentError("the front matter must be a mapping")
    return {str(k): str(v) for k, v in meta.items() if v is not None}, text[match.end() :]


def _load_plain(data: bytes) -> RawDocument:
    meta, body = _front_matter(decode_text(data))
    return RawDocument(body, "plain", meta.get("title", ""), meta.get("url", ""))


def _load_markdown(data: bytes) -> RawDocument:
    meta, body = _front_matter(decode_text(data))
    return RawDocument(body, "markdown", meta.get("title", ""), meta.get("url", ""))


_HTML_DROP = ("script", "style", "noscript", "nav", "header", "footer", "form", "aside", "iframe", "svg", "button")
_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "pre", "td", "dt", "dd")


def _load_html(data: bytes) -> RawDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(data), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    canonical = soup.find("link", rel="canonical")
    url = str(canonical.get("href", "")) if canonical is not None else ""
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    lines: list[str] = []
    for el in root.find_all(_HTML_BLOCKS):
        if el.find(_HTML_BLOCKS):  # a container of other blocks: its children speak for it
            continue
        words = " ".join(el.get_text(" ", strip=True).split())
        if not words:
            continue
        if el.name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            lines.append("#" * int(el.name[1]) + " " + words)
        elif el.name == "li":
            ordered = el.find_parent("ol") is not None
            lines.append(("1. " if ordered else "- ") + words)
            continue
        else:
            lines.append(words)
        lines.append("")
    text = "\n".join(lines)
    if not text.strip():
        raise DocumentError("the HTML page holds no readable text")
    return RawDocument(text, "markdown", title, url)


def _load_pdf(data: bytes) -> RawDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError("the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata: Any = reader.metadata or {}
        title = str(metadata.get("/Title", "") or "")
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"the PDF cannot be read ({type(exc).__name__})") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise DocumentError("the PDF has no extractable text (scanned images are not supported)")
    return RawDocument(text, "plain", title, "")


_LOADERS: dict[str, Callable[[bytes], RawDocument]] = {
    ".txt": _load_plain,
    ".md": _load_markdown,
    ".markdown": _load_markdown,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
}


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def sidecar_metadata(path: Path) -> dict[str, Any]:
    """From ``<name>.meta.yaml`` next to the file, if present: ``title`` and ``url`` (strings) and
    ``questions`` (section heading -> example questions that section answers, offered to patients
    as suggestions)."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return {}
    try:
        meta = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        raise DocumentError(f"its sidecar {sidecar.name} is not readable YAML") from None
    if not isinstance(meta, dict):
        raise DocumentError(f"its sidecar {sidecar.name} must be a mapping")
    out: dict[str, Any] = {k: str(meta[k]) for k in ("title", "url") if meta.get(k)}
    questions = meta.get("questions") or {}
    if not isinstance(questions, dict) or not all(
        isinstance(v, list) and all(isinstance(q, str) and q.strip() for q in v) for v in questions.values()
    ):
        raise DocumentError(f"its sidecar {sidecar.name}: questions must map a section heading to a list of questions")
    out["questions"] = {str(k): tuple(q.strip() for q in v) for k, v in questions.items()}
    return out


def load_raw(path: Path, data: bytes) -> RawDocument:
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentError(f"unsupported file type {path.suffix or '(none)'}")
    raw = loader(data)
    side = sidecar_metadata(path)
    return RawDocument(
        raw.text,
        raw.markup,
        side.get("title") or raw.title,
        side.get("url") or raw.url,
        side.get("questions", {}),
    )
