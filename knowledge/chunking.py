"""Section-aware chunking with LangChain splitters, and the sentence units answers are built from."""

from __future__ import annotations

import hashlib
import re

from langchain_text_splitters import RecursiveCharacterTextSplitter

from knowledge.sentences import split_sentences
from knowledge.types import Chunk, Document, Sentence

_ITEM = re.compile(r"^(?:- |(?P<n>\d{1,2})\. )(?P<text>.+)$")
_LABEL = re.compile(r"^(?P<label>[^:.!?]{2,70}):\s+(?P<rest>\S.*)$")
MAX_LABEL_WORDS = 8


def sentence_units(section_text: str) -> list[Sentence]:
    """Every sentence of a section; list items keep their "Label:" lead as a label."""
    units: list[Sentence] = []
    for block in section_text.split("\n\n"):
        for line in block.split("\n"):
            line = line.strip()
            if not line:
                continue
            item = _ITEM.match(line)
            if item is None:
                units.extend(Sentence(s) for s in split_sentences(line))
                continue
            kind = "step" if item.group("n") else "item"
            body, label = item.group("text"), ""
            labelled = _LABEL.match(body)
            if labelled and len(labelled.group("label").split()) <= MAX_LABEL_WORDS:
                label, body = labelled.group("label").strip(), labelled.group("rest")
            units.extend(Sentence(s, label, kind) for s in split_sentences(body))
    return units


def chunk_id(source: str, heading_path: tuple[str, ...], text: str) -> str:
    digest = hashlib.sha256("\x1f".join((source, *heading_path, text)).encode("utf-8"))
    return digest.hexdigest()[:32]


class Chunker:
    """Splits each section on its own, so no chunk ever crosses a section boundary."""

    def __init__(self, chunk_size: int, chunk_overlap: int) -> None:
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size,
            chunk_overlap=min(chunk_overlap, chunk_size // 2),
            separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
            keep_separator="end",
        )

    def chunk(self, doc: Document) -> list[Chunk]:
        chunks: list[Chunk] = []
        for section in doc.sections:
            units = sentence_units(section.text)
            for piece in self._splitter.split_text(section.text):
                text = piece.strip()
                if not text:
                    continue
                flat = " ".join(text.split())
                contained = tuple(u for u in units if " ".join(u.text.split()) in flat)
                chunks.append(
                    Chunk(
                        id=chunk_id(doc.source, section.heading_path, text),
                        source=doc.source,
                        title=doc.title,
                        url=doc.url,
                        section=section.heading,
                        heading_path=section.heading_path,
                        position=len(chunks),
                        text=text,
                        sentences=contained,
                    )
                )
        return chunks
