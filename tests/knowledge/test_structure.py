from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.settings import PACKAGE_ROOT
from knowledge.chunking import Chunker, sentence_units
from knowledge.cleaning import Cleaner, load_rules
from knowledge.documents import DocumentReader
from knowledge.structure import parse_markdown, parse_plain
from knowledge.types import Document, Section
from tests.conftest import CLINIC_DOC

CLINIC_HEADINGS = [
    "Introduction",
    "Why Conservative Treatments Often Fall Short for Disc Conditions",
    "Understanding Annular Tears and Discogenic Pain",
    "Biologic Disc Repair: A Non-Surgical Option for Structural Disc Damage",
    "How Intra-Annular Fibrin Injection Works",
    "Expert Take",
    "How Fibrin Treatment Compares to Other Regenerative Options",
    "Evaluating Candidacy: Who May Be Appropriate for This Approach",
    "What to Expect During and After the Procedure",
    "Our Approach to Non-Surgical Disc Care",
]


def clinic_document() -> Document:
    reader = DocumentReader(
        Cleaner.from_rules(load_rules(PACKAGE_ROOT / "knowledge" / "boilerplate.yaml")),
        "test", CLINIC_DOC.parent, "https://clinic.example/{slug}", 10**7,
    )
    return reader.parse(CLINIC_DOC, CLINIC_DOC.read_bytes(), "hash")


def test_plain_text_article_headings_are_detected() -> None:
    doc = clinic_document()
    assert [s.heading for s in doc.sections] == CLINIC_HEADINGS
    assert doc.title == "Intra-Annular Fibrin Injection"
    assert doc.source == "intra-annular-fibrin-injection.txt"
    assert "PLACEHOLDER" in doc.url


def test_lead_in_lines_ending_in_a_colon_are_not_headings() -> None:
    headings = {s.heading for s in clinic_document().sections}
    assert "Common expectations include:" not in headings
    assert "The procedure follows a structured sequence:" not in headings


def test_bullets_and_numbered_steps_are_normalised() -> None:
    works = next(s for s in clinic_document().sections if s.heading == "How Intra-Annular Fibrin Injection Works")
    assert "1. Image-guided access: Using fluoroscopic guidance" in works.text
    assert "3. Scaffold formation:" in works.text
    units = sentence_units(works.text)
    steps = [u for u in units if u.kind == "step"]
    assert [u.label for u in steps][:2] == ["Image-guided access", "Fibrin sealant delivery"]
    assert steps[0].text.startswith("Using fluoroscopic guidance")


def test_markdown_headings_build_a_heading_path() -> None:
    title, sections = parse_markdown("# Guide\n\nIntro.\n\n## Recovery\n\n### Week one\n\nRest.\n\n## Risks\n\nFew.", "")
    assert title == "Guide"
    assert [(s.heading, s.heading_path) for s in sections] == [
        ("Introduction", ("Guide",)),
        ("Week one", ("Guide", "Recovery", "Week one")),
        ("Risks", ("Guide", "Risks")),
    ]


def test_pdf_style_text_finds_a_heading_glued_to_its_paragraph() -> None:
    text = "Recovery After Injection\nMost patients go home the same day. Some soreness\nis common for a few days.\n"
    _, sections = parse_plain(text + "\nRisks and Side Effects\nInfection is rare but possible and is treated.\n", "Leaflet")
    assert [s.heading for s in sections] == ["Recovery After Injection", "Risks and Side Effects"]
    assert sections[0].text == "Most patients go home the same day. Some soreness is common for a few days."


def test_chunks_never_cross_sections_and_record_their_heading_path() -> None:
    doc = clinic_document()
    chunks = Chunker(300, 50).chunk(doc)
    by_heading = {s.heading: s for s in doc.sections}
    assert len(chunks) > len(doc.sections)
    for chunk in chunks:
        section = by_heading[chunk.section]
        assert chunk.heading_path == section.heading_path
        assert " ".join(chunk.text.split()) in " ".join(section.text.split())
        assert chunk.sentences, chunk.text
        for sentence in chunk.sentences:
            assert " ".join(sentence.text.split()) in " ".join(chunk.text.split())


def test_chunk_ids_are_stable_and_depend_on_source_section_and_text() -> None:
    first = [c.id for c in Chunker(900, 150).chunk(clinic_document())]
    second = [c.id for c in Chunker(900, 150).chunk(clinic_document())]
    assert first == second and len(set(first)) == len(first)


_WORDS = st.text(alphabet=st.characters(categories=("Ll", "Lu", "Nd")), min_size=1, max_size=12)
_SENTENCE = st.builds(lambda ws, end: " ".join(ws) + end, st.lists(_WORDS, min_size=1, max_size=25),
                      st.sampled_from([".", "?", "!", ""]))
_PARAGRAPH = st.builds(" ".join, st.lists(_SENTENCE, min_size=1, max_size=8))


@settings(max_examples=60, deadline=None)
@given(sections=st.lists(st.lists(_PARAGRAPH, min_size=1, max_size=4), min_size=1, max_size=4),
       size=st.integers(200, 1200), overlap=st.integers(0, 150))
def test_chunking_any_text_keeps_every_word_in_its_own_section(sections: list[list[str]], size: int,
                                                               overlap: int) -> None:
    doc = Document(source="prop.md", origin="/prop.md", title="Prop", url="", content_hash="h", sections=tuple(
        Section(f"Part {i}", ("Prop", f"Part {i}"), "\n\n".join(paragraphs)) for i, paragraphs in enumerate(sections)))
    chunks = Chunker(size, overlap).chunk(doc)
    for section in doc.sections:
        mine = [c for c in chunks if c.section == section.heading]
        assert mine and all(c.heading_path == section.heading_path for c in mine)
        covered = " ".join(" ".join(c.text.split()) for c in mine)
        for word in section.text.split():  # nothing is lost...
            assert word in covered
        for chunk in mine:  # ...and nothing comes from another section
            assert " ".join(chunk.text.split()) in " ".join(section.text.split())
    assert [c.id for c in chunks] == [c.id for c in Chunker(size, overlap).chunk(doc)]  # stable ids
