"""Real fixtures: the real embedding model (loaded once per session) and real Chroma stores."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.settings import PACKAGE_ROOT, Settings, load_settings
from assistant.wiring import Services
from knowledge.embeddings import Embedder

CLINIC_DOC = PACKAGE_ROOT / "knowledge" / "docs" / "intra-annular-fibrin-injection.txt"


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """The product's own model cache (var/models): everything in it is named by a hash of what made
    it (the ONNX export, the trained classifier, cached embeddings), so sharing it is safe, and a
    test session does not train the classifier again when `make eval` or an earlier run did."""
    path = PACKAGE_ROOT / "var" / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def embedder(model_cache: Path) -> Embedder:
    """The product's default embedder (ONNX fp32 exported from the bundled weights), once per session."""
    model = Services(load_settings(model_cache_dir=model_cache)).embedder
    model.encode(["warm up"])
    return model


@pytest.fixture
def make_settings(tmp_path: Path, model_cache: Path) -> Callable[..., Settings]:
    def build(**overrides: Any) -> Settings:
        overrides.setdefault("data_dir", tmp_path / "var")
        overrides.setdefault("model_cache_dir", model_cache)
        return load_settings(**overrides)

    return build


@pytest.fixture
def make_services(make_settings: Callable[..., Settings],
                  embedder: Embedder) -> Callable[..., Services]:
    def build(**overrides: Any) -> Services:
        return Services(make_settings(**overrides), embedder=embedder)

    return build


@pytest.fixture(scope="module")
def make_module_services(tmp_path_factory: pytest.TempPathFactory, model_cache: Path,
                         embedder: Embedder) -> Callable[..., Services]:
    """Services for a whole test module (tests that only read, and share the trained models)."""
    def build(**overrides: Any) -> Services:
        overrides.setdefault("data_dir", tmp_path_factory.mktemp("module") / "var")
        overrides.setdefault("model_cache_dir", model_cache)
        return Services(load_settings(**overrides), embedder=embedder)

    return build


def copy_clinic_docs(target: Path) -> Path:
    shutil.copytree(CLINIC_DOC.parent, target)
    return target


def indexed_clinic(build: Callable[..., Services], docs: Path) -> Services:
    """Services over ``docs``, with the clinic's article indexed."""
    svc = build(docs_dir=docs)
    report = svc.ingestor.ingest([docs], progress=False)
    assert report.ingested == ["intra-annular-fibrin-injection.txt"], report
    return svc


@pytest.fixture
def docs_dir(tmp_path: Path) -> Path:
    """A private copy of the clinic's documents that a test may edit."""
    return copy_clinic_docs(tmp_path / "docs")


@pytest.fixture
def clinic_services(make_services: Callable[..., Services], docs_dir: Path) -> Services:
    return indexed_clinic(make_services, docs_dir)


@pytest.fixture(scope="module")
def clinic_module(make_module_services: Callable[..., Services],
                  tmp_path_factory: pytest.TempPathFactory) -> Services:
    """The clinic's documents indexed once for a whole test module: for tests that only ask
    questions (each in its own session) and never change the services."""
    return indexed_clinic(make_module_services, copy_clinic_docs(tmp_path_factory.mktemp("module-docs") / "docs"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for key in list(os.environ):
        if key.startswith("FAQ_"):
            monkeypatch.delenv(key)
    yield monkeypatch


@pytest.fixture(scope="session")
def indexed(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder, model_cache: Path) -> Path:
    """A data folder holding the clinic's index, for tests that start real servers on it."""
    data = tmp_path_factory.mktemp("served") / "var"
    svc = Services(load_settings(data_dir=data, model_cache_dir=model_cache), embedder=embedder)
    svc.ingestor.ingest([svc.settings.docs_dir], progress=False)
    return data
