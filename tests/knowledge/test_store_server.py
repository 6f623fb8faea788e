"""Server mode: the same code against a real `chroma run` on a free loopback port."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.wiring import Services
from core.errors import StoreError
from tests.conftest import free_port
from tests.knowledge.test_ingest import all_chunks, top_sections
from tests.knowledge.test_structure import CLINIC_HEADINGS


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("chroma server did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_ingest_and_query_through_a_chroma_server(chroma_server: str, make_services: Callable[..., Services],
                                                  docs_dir: Path) -> None:
    svc = make_services(chroma_url=chroma_server, docs_dir=docs_dir)
    assert svc.store.mode.startswith("server")
    report = svc.ingestor.ingest([docs_dir], progress=False)
    assert report.ingested == ["intra-annular-fibrin-injection.txt"]
    assert {c["section"] for c in all_chunks(svc).values()} == set(CLINIC_HEADINGS)
    assert top_sections(svc, "Do patients stay awake during the injection?", 3)[0] == (
        "What to Expect During and After the Procedure"
    )
    assert not (svc.settings.data_dir / "chroma").exists()  # nothing was written to the embedded store
    again = svc.ingestor.ingest([docs_dir], progress=False)
    assert again.unchanged == ["intra-annular-fibrin-injection.txt"] and again.chunks_embedded == 0


def test_an_unreachable_server_gives_a_store_error(make_services: Callable[..., Services]) -> None:
    svc = make_services(chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match=r"127\.0\.0\.1"):
        svc.store.active()


def test_a_malformed_server_url_gives_a_store_error(make_services: Callable[..., Services]) -> None:
    with pytest.raises(StoreError, match=re.escape("http://host:port")):
        make_services(chroma_url="chroma.local:8000").store.active()
