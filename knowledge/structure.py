"""Turn cleaned text into titled sections.

Markdown (and HTML, converted to Markdown by the loader) carries its headings. Plain text,
such as an article copied from a website or extracted from a PDF, does not: a heading is
detected as a short line without final punctuation that starts a block and is followed by
body text. Bullets and numbered steps are normalised to "- " and "1. " lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import DocumentError
from knowledge.types import LEAD_SECTION, Section

_BULLET = re.compile(r"^\s*[•·\-\*–▪●◦‣]\s+(?P<text>\S.*)$")
_STEP = re.compile(r"^\s*(?P<n>\d{1,2})[.)]\s+(?P<text>\S.*)$")
_MD_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
_TERMINAL = tuple('.!?;,:"”)…')
MAX_HEADING_WORDS = 14
MAX_HEADING_CHARS = 110


def heading_like(line: str) -> bool:
    text = line.strip()
    if not text or len(text) > MAX_HEADING_CHARS or text.endswith(_TERMINAL):
        return False
    if _BULLET.match(line) or _STEP.match(line):
        return False
    words = text.split()
    return len(words) <= MAX_HEADING_WORDS and (text[0].isupper() or text[0].isdigit())


@dataclass
class _Builder:
    title: str
    sections: list[Section]
    heading: str = LEAD_SECTION
    path: tuple[str, ...] = ()
    blocks: list[str] | None = None

    def start(self, heading: str, path: tuple[str, ...]) -> None:
        self.flush()
        self.heading, self.path = heading, path

    def add(self, block: str, *, joins_previous: bool = False) -> None:
        if self.blocks is None:
            self.blocks = []
        if joins_previous and self.blocks:
            self.blocks[-1] += "\n" + block
        else:
            self.blocks.append(block)

    def flush(self) -> None:
        if self.blocks:
            text = "\n\n".join(self.blocks).strip()
            if text:
                self.sections.append(Section(self.heading, (self.title, *self.path), text))
        self.blocks = None


def _list_line(line: str) -> str | None:
    if m := _BULLET.match(line):
        return "- " + m.group("text").strip()
    if m := _STEP.match(line):
        return f"{m.group('n')}. " + m.group("text").strip()
    return None


def _paragraphs(lines: list[str]) -> list[list[str]]:
    """Blocks of consecutive non-blank lines."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.rstrip())
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _emit_lines(builder: _Builder, lines: list[str]) -> None:
    """Add one block's lines: list items each on their own line, wrapped prose joined."""
    prose: list[str] = []
    previous_was_item = False

    def flush_prose() -> None:
        if prose:
            builder.add(" ".join(p.strip() for p in prose))
            prose.clear()

    for line in lines:
        item = _list_line(line)
        if item is not None:
            flush_prose()
            builder.add(item, joins_previous=previous_was_item)
            previous_was_item = True
        elif previous_was_item and line.startswith((" ", "\t")) and builder.blocks:
            builder.blocks[-1] += " " + line.strip()  # a wrapped list item
        else:
            if previous_was_item:
                previous_was_item = False
            prose.append(line)
    flush_prose()


def parse_plain(text: str, title: str) -> tuple[str, list[Section]]:
    blocks = _paragraphs(text.splitlines())
    if not title and blocks and len(blocks[0]) == 1 and heading_like(blocks[0][0]) and len(blocks) > 1:
        title = blocks.pop(0)[0].strip()
    builder = _Builder(title, [])
    for index, block in enumerate(blocks):
        is_last = index == len(blocks) - 1
        if len(block) == 1 and heading_like(block[0]) and not is_last:
            heading = block[0].strip()
            builder.start(heading, (heading,))
            continue
        # PDF text: a heading line glued to its paragraph (no blank line between them).
        start = 0
        for i, line in enumerate(block):
            prev_ends = i == 0 or block[i - 1].rstrip().endswith(_TERMINAL)
            if i + 1 < len(block) and heading_like(line) and prev_ends and len(block[i + 1]) > len(line):
                _emit_lines(builder, block[start:i])
                heading = line.strip()
                builder.start(heading, (heading,))
                start = i + 1
        _emit_lines(builder, block[start:])
    builder.flush()
    return title, builder.sections


def parse_markdown(text: str, title: str) -> tuple[str, list[Section]]:
    lines = text.splitlines()
    if not title:
        for line in lines:
            m = _MD_HEADING.match(line)
            if m and len(m.group("level")) == 1:
                title = m.group("text").strip()
                break
    builder = _Builder(title, [])
    stack: list[tuple[int, str]] = []
    pending: list[str] = []

    def flush_pending() -> None:
        for block in _paragraphs(pending):
            _emit_lines(builder, block)
        pending.clear()

    for line in lines:
        m = _MD_HEADING.match(line)
        if not m:
            pending.append(line)
            continue
        flush_pending()
        level, heading = len(m.group("level")), m.group("text").strip()
        if level == 1 and heading == title:
            continue
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading))
        builder.start(heading, tuple(h for _, h in stack))
    flush_pending()
    builder.flush()
    return title, builder.sections


def structure(text: str, markup: str, title: str, fallback_title: str) -> tuple[str, list[Section]]:
    parse = parse_markdown if markup == "markdown" else parse_plain
    found_title, sections = parse(text, title)
    final_title = found_title or fallback_title
    sections = [Section(s.heading, (final_title, *s.heading_path[1:]), s.text) for s in sections]
    if not sections:
        raise DocumentError("no text is left after removing site boilerplate")
    return final_title, sections


def title_from_filename(stem: str) -> str:
    words = re.split(r"[-_\s]+", stem.strip())
    return " ".join(w[:1].upper() + w[1:] for w in words if w) or "Untitled"
