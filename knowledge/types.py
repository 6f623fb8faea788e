"""The shared vocabulary of the knowledge pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

LEAD_SECTION = "Introduction"


@dataclass(frozen=True)
class RawDocument:
    """A file's text after loading, before boilerplate removal and structuring.

    ``markup`` tells the structurer how headings are written: ``markdown`` (``#`` lines,
    also produced from HTML) or ``plain`` (headings detected from the layout).
    """

    text: str
    markup: str
    title: str = ""
    url: str = ""
    questions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # section -> example questions


@dataclass(frozen=True)
class Section:
    heading: str
    heading_path: tuple[str, ...]
    text: str  # paragraphs separated by blank lines; list items as "- " lines, steps as "1. " lines


@dataclass(frozen=True)
class Document:
    source: str  # stable id: path relative to the docs folder, or absolute path elsewhere
    origin: str  # absolute path of the file at ingest time
    title: str
    url: str
    sections: tuple[Section, ...]
    content_hash: str
    questions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # section -> example questions


@dataclass(frozen=True)
class Sentence:
    """One answerable unit of a chunk. ``label`` is the bold-style lead of a list item."""

    text: str
    label: str = ""
    kind: str = "prose"  # prose | item | step

    @property
    def embedding_text(self) -> str:
        return f"{self.label}: {self.text}" if self.label else self.text


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str
    title: str
    url: str
    section: str
    heading_path: tuple[str, ...]
    position: int
    text: str
    sentences: tuple[Sentence, ...] = field(default=())

    @property
    def heading_text(self) -> str:
        return " > ".join(self.heading_path)
