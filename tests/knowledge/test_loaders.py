from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import DocumentError
from knowledge.loaders import is_supported, load_raw


def test_markdown_front_matter_gives_title_and_url(tmp_path: Path) -> None:
    path = tmp_path / "recovery.md"
    data = b"---\ntitle: Recovery Guide\nurl: https://clinic.example/recovery\n---\n# Recovery\n\nRest well.\n"
    raw = load_raw(path, data)
    assert (raw.title, raw.url, raw.markup) == ("Recovery Guide", "https://clinic.example/recovery", "markdown")
    assert "title:" not in raw.text


def test_sidecar_file_overrides_title_and_url(tmp_path: Path) -> None:
    path = tmp_path / "prp.txt"
    path.write_text("Body text.\n")
    (tmp_path / "prp.meta.yaml").write_text("title: PRP Explained\nurl: https://clinic.example/prp\n")
    raw = load_raw(path, path.read_bytes())
    assert (raw.title, raw.url) == ("PRP Explained", "https://clinic.example/prp")


def test_html_keeps_article_headings_and_lists_and_drops_site_chrome(tmp_path: Path) -> None:
    html = b"""<html><head><title>Stem Cells | Clinic</title>
    <link rel="canonical" href="https://clinic.example/stem-cells"></head>
    <body><nav><a>Home</a><a>Services</a></nav>
    <main><h1>Stem Cells</h1><p>Stem cells may support disc health.</p>
    <h2>Risks</h2><ul><li>Soreness at the site.</li><li>Rare infection.</li></ul>
    <ol><li>Consult</li><li>Inject</li></ol></main>
    <footer>Copyright 2026 Clinic</footer><script>track()</script></body></html>"""
    raw = load_raw(tmp_path / "stem.html", html)
    assert raw.url == "https://clinic.example/stem-cells"
    assert "## Risks" in raw.text and "- Soreness at the site." in raw.text and "1. Consult" in raw.text
    for chrome in ("Home", "Copyright", "track()"):
        assert chrome not in raw.text


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Recovery After Injection\nMost patients go home the same day.")
    pdf.set_title("Recovery Leaflet")
    path = tmp_path / "leaflet.pdf"
    pdf.output(str(path))
    raw = load_raw(path, path.read_bytes())
    assert "go home the same day" in raw.text
    assert raw.title == "Recovery Leaflet"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"   \n\n  ", "empty"),
        ("junk.txt", bytes(range(256)) * 10, "binary"),
        ("broken.pdf", b"%PDF-1.4\n this is not really a pdf", "PDF"),
        ("empty.html", b"<html><body><nav>Menu</nav></body></html>", "no readable text"),
    ],
)
def test_unusable_files_raise_a_one_line_document_error(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    with pytest.raises(DocumentError) as err:
        load_raw(tmp_path / name, data)
    assert reason in str(err.value)
    assert "\n" not in str(err.value)


def test_supported_types_exclude_sidecars_and_unknown_suffixes() -> None:
    assert is_supported(Path("a.txt")) and is_supported(Path("b.HTM")) and is_supported(Path("c.pdf"))
    assert not is_supported(Path("a.meta.yaml")) and not is_supported(Path("a.docx"))
