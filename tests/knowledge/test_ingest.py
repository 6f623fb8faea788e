from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.wiring import Services
from tests.conftest import CLINIC_DOC, PACKAGE_ROOT
from tests.knowledge.test_cleaning import BOILERPLATE
from tests.knowledge.test_structure import CLINIC_HEADINGS


def all_chunks(svc: Services) -> dict[str, dict[str, object]]:
    active = svc.store.active()
    assert active is not None
    got = svc.store.get(active.chunks, include=["documents", "metadatas"])
    return {cid: {"text": t, **m} for cid, t, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)}


def top_sections(svc: Services, question: str, k: int = 3) -> list[str]:
    active = svc.store.active()
    assert active is not None
    vector = svc.embedder.encode([question])[0].tolist()
    return [m["section"] for m in svc.store.query(active.chunks, vector, k)["metadatas"]]


def test_clinic_document_chunks_hold_every_section_and_no_boilerplate(clinic_services: Services) -> None:
    chunks = all_chunks(clinic_services)
    assert {c["section"] for c in chunks.values()} == set(CLINIC_HEADINGS)
    for chunk in chunks.values():
        for text in BOILERPLATE:
            assert text not in str(chunk["text"])
            assert text not in str(chunk["sentences"])
        assert chunk["heading_path"].startswith("Intra-Annular Fibrin Injection")  # type: ignore[union-attr]
        sentences = json.loads(str(chunk["sentences"]))
        assert sentences and len(sentences) * 384 <= len(str(chunk["sentence_vectors"])) * 3 / 4


def test_dense_search_finds_the_right_section(clinic_services: Services) -> None:
    assert top_sections(clinic_services, "how does the fibrin sealant get into the disc?")[0] == (
        "How Intra-Annular Fibrin Injection Works"
    )
    assert "How Fibrin Treatment Compares to Other Regenerative Options" in top_sections(
        clinic_services, "PRP versus stem cells"
    )


def test_unchanged_reingest_embeds_nothing_and_keeps_the_generation(clinic_services: Services, docs_dir: Path) -> None:
    before = clinic_services.store.active()
    report = clinic_services.ingestor.ingest([docs_dir], progress=False)
    assert report.unchanged == ["intra-annular-fibrin-injection.txt"] and not report.ingested
    assert report.chunks_embedded == 0
    assert clinic_services.store.active() == before


def test_edited_document_replaces_its_chunks_and_reuses_unchanged_ones(clinic_services: Services,
                                                                       docs_dir: Path) -> None:
    before = all_chunks(clinic_services)
    doc = docs_dir / CLINIC_DOC.name
    doc.write_text(doc.read_text().replace("Expert Take\n\nThe value of", "Expert Take\n\nThe real value of"))
    report = clinic_services.ingestor.ingest([docs_dir], progress=False)
    assert report.ingested == [CLINIC_DOC.name]
    assert report.chunks_embedded == 1 and report.chunks_reused == len(before) - 1
    after = all_chunks(clinic_services)
    assert any("The real value of" in str(c["text"]) for c in after.values())
    assert not any("Expert Take\n\nThe value of" in str(c["text"]) for c in after.values())
    assert len(after) == len(before)


def test_deleted_document_loses_its_chunks(clinic_services: Services, docs_dir: Path) -> None:
    (docs_dir / "extra.md").write_text("# Parking\n\nThe clinic has a car park behind the building.\n")
    assert clinic_services.ingestor.ingest([docs_dir], progress=False).ingested == ["extra.md"]
    assert any(c["source"] == "extra.md" for c in all_chunks(clinic_services).values())
    (docs_dir / "extra.md").unlink()
    report = clinic_services.ingestor.ingest([docs_dir], progress=False)
    assert report.removed == ["extra.md"]
    assert {c["source"] for c in all_chunks(clinic_services).values()} == {CLINIC_DOC.name}


def test_bad_files_are_reported_and_the_rest_is_ingested(make_services: Callable[..., Services],
                                                         tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.md").write_text("# Hours\n\nOur team answers messages on weekdays.\n")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.txt").write_bytes(os.urandom(4000).replace(b"\n", b"\x00"))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 truncated")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    svc = make_services(docs_dir=folder)
    report = svc.ingestor.ingest([folder], progress=False)
    assert report.ingested == ["good.md"]
    assert sorted(Path(p).name for p, _ in report.failed) == ["broken.pdf", "empty.txt", "junk.txt"]
    assert [Path(p).name for p in report.skipped] == ["notes.docx"]
    assert report.succeeded
    assert "ingested 1, unchanged 0, skipped 1, failed 3" in report.summary()


def test_a_document_that_breaks_keeps_its_last_good_version(clinic_services: Services, docs_dir: Path) -> None:
    count = len(all_chunks(clinic_services))
    (docs_dir / CLINIC_DOC.name).write_bytes(b"")
    report = clinic_services.ingestor.ingest([docs_dir], progress=False)
    assert [Path(p).name for p, _ in report.failed] == [CLINIC_DOC.name]
    assert not report.removed and len(all_chunks(clinic_services)) == count


def test_queries_keep_working_during_an_ingest(clinic_services: Services, docs_dir: Path) -> None:
    for i in range(40):
        (docs_dir / f"note{i}.md").write_text(f"# Note {i}\n\nNote number {i} is about parking bay {i}.\n" * 3)
    errors: list[BaseException] = []
    answers: list[str] = []
    done = threading.Event()

    def query_loop() -> None:
        while not done.is_set():
            try:
                answers.append(top_sections(clinic_services, "what happens after the procedure?", 1)[0])
            except BaseException as exc:
                errors.append(exc)

    reader = threading.Thread(target=query_loop)
    reader.start()
    try:
        report = clinic_services.ingestor.ingest([docs_dir], progress=False)
    finally:
        done.set()
        reader.join()
    assert len(report.ingested) == 40
    assert not errors and len(answers) >= 2
    assert "What to Expect During and After the Procedure" in answers


@pytest.mark.slow
def test_an_ingest_killed_midway_leaves_the_previous_index_whole(clinic_services: Services, docs_dir: Path,
                                                               tmp_path: Path) -> None:
    before = all_chunks(clinic_services)
    generation = clinic_services.store.active()
    assert generation is not None
    for i in range(400):
        (docs_dir / f"bulk{i:03}.md").write_text(f"# Bulk {i}\n\n" + f"Sentence {i} about spines. " * 40)
    env = {**os.environ, "FAQ_DATA_DIR": str(clinic_services.settings.data_dir), "FAQ_DOCS_DIR": str(docs_dir),
           "FAQ_MODEL_CACHE_DIR": str(clinic_services.settings.models_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "-v", "ingest", "--quiet", str(docs_dir)],
        cwd=PACKAGE_ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    for line in proc.stderr:
        if "staged" in line or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    fresh = Services(clinic_services.settings, embedder=clinic_services.embedder)
    assert fresh.store.active() == generation
    assert all_chunks(fresh) == before
    assert top_sections(fresh, "is the fibrin procedure done as an outpatient?", 1) == [
        "What to Expect During and After the Procedure"
    ]
    report = fresh.ingestor.ingest([docs_dir], progress=False)
    assert len(report.ingested) == 400 and report.unchanged == [CLINIC_DOC.name]
    # The interrupted staging generation is gone; only the new one and its predecessor remain.
    active = fresh.store.active()
    assert active is not None and sorted(fresh.store._generation_names()) == [generation.number, active.number]
