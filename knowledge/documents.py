"""From a file on disk to a structured Document: load, clean, structure, name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from core.errors import DocumentError
from knowledge.cleaning import Cleaner
from knowledge.loaders import load_raw, sidecar_path
from knowledge.structure import structure, title_from_filename
from knowledge.types import Document

# Bump when loading, cleaning or structuring changes what a file turns into, so that an
# ingest re-reads every document instead of trusting the stored content hashes.
PIPELINE_VERSION = "3"  # 3: example questions from the sidecar


@dataclass(frozen=True)
class DocumentReader:
    cleaner: Cleaner
    rules_fingerprint: str
    docs_dir: Path
    url_template: str
    max_bytes: int

    def source_id(self, path: Path) -> str:
        resolved = path.resolve()
        try:
            return resolved.relative_to(self.docs_dir.resolve()).as_posix()
        except ValueError:
            return resolved.as_posix()

    def fingerprint(self, data: bytes, path: Path | None = None) -> str:
        """Changes when the file, its sidecar, or anything that shapes its chunks changes."""
        digest = hashlib.sha256(data)
        digest.update(f"\x1f{PIPELINE_VERSION}\x1f{self.rules_fingerprint}".encode())
        sidecar = sidecar_path(path) if path is not None else None
        if sidecar is not None and sidecar.is_file():
            try:
                digest.update(b"\x1f" + sidecar.read_bytes())
            except OSError:
                raise DocumentError(f"its sidecar {sidecar.name} cannot be read") from None
        return digest.hexdigest()

    def read_bytes(self, path: Path) -> bytes:
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                raise DocumentError(f"the file is larger than {self.max_bytes:,} bytes")
            return path.read_bytes()
        except PermissionError:
            raise DocumentError("permission denied") from None
        except OSError as exc:
            raise DocumentError(exc.strerror or "cannot be read") from None

    def parse(self, path: Path, data: bytes, content_hash: str) -> Document:
        raw = load_raw(path, data)
        cleaned = self.cleaner.clean(raw.text)
        title, sections = structure(cleaned, raw.markup, raw.title, title_from_filename(path.stem))
        slug = path.stem.lower().replace(" ", "-")
        return Document(
            source=self.source_id(path),
            origin=path.resolve().as_posix(),
            title=title,
            url=raw.url or self.url_template.format(slug=slug),
            sections=tuple(sections),
            content_hash=content_hash,
            questions=raw.questions,
        )
