from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.embeddings import (
    Embedder,
    OnnxEmbedder,
    SentenceTransformerEmbedder,
    compose_chunk_vector,
    encode_singly,
    pack_int8,
    unpack_int8,
)

TEXTS = [
    "Is the fibrin injection painful?",
    "Most patients return home the same day.",
    "PRP concentrates growth factors from a patient's own blood to stimulate healing in injured tissue. " * 3,
]


@pytest.mark.slow
def test_the_default_onnx_backend_agrees_with_sentence_transformers(embedder: Embedder) -> None:
    """fp32 ONNX and torch are different kernels on the same weights: they agree to the last
    few bits, as two CPUs do, which is why fp32 is the default (int8 agreed only to 0.97)."""
    reference = SentenceTransformerEmbedder().encode(TEXTS)
    ours = embedder.encode(TEXTS)
    assert ours.shape == reference.shape == (3, 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    assert float(np.min(np.sum(ours * reference, axis=1))) > 0.9999


def test_the_onnx_export_is_cached_and_reused(model_cache: Path, embedder: Embedder) -> None:
    files = sorted(model_cache.glob("minilm-fp32-*.onnx"))
    assert len(files) == 1
    again = OnnxEmbedder(model_cache)
    assert again.onnx_path == files[0]
    assert np.allclose(again.encode(TEXTS[:1]), embedder.encode(TEXTS[:1]), atol=1e-5)
    assert sorted(model_cache.glob("minilm-fp32-*.onnx")) == files


def test_batching_by_length_keeps_each_text_in_place(embedder: Embedder) -> None:
    together = embedder.encode(TEXTS)
    alone = np.vstack([embedder.encode([t]) for t in TEXTS])
    # fp32: padding is masked, so batch-mates leave a vector where it was (int8 moved it to 0.976).
    similarity = np.sum(together * alone, axis=1)
    assert float(similarity.min()) > 0.99999
    assert np.array_equal(np.argmax(together @ alone.T, axis=1), np.arange(len(TEXTS)))


def test_empty_input_gives_an_empty_matrix(embedder: Embedder) -> None:
    assert embedder.encode([]).shape == (0, 384)


def test_int8_packing_keeps_cosine_ranking(embedder: Embedder) -> None:
    vectors = embedder.encode(TEXTS)
    restored = unpack_int8(pack_int8(vectors), 384)
    assert np.min(np.sum(vectors * restored, axis=1)) > 0.999


def test_chunk_vector_is_a_unit_blend_of_sentences_and_heading() -> None:
    sentences = np.eye(4, dtype=np.float32)[:2]
    heading = np.eye(4, dtype=np.float32)[3]
    vector = compose_chunk_vector(sentences, heading, 1.0)
    assert np.isclose(np.linalg.norm(vector), 1.0)
    assert vector[3] > vector[0] > 0 and vector[2] == 0
    assert np.allclose(compose_chunk_vector(sentences[:0], heading, 2.0), heading)


def test_texts_embedded_singly_are_embedded_as_a_message_is(embedder: Embedder) -> None:
    message = "I can't catch my breath"
    alone = embedder.encode([message])[0]
    singly = encode_singly(embedder, [TEXTS[0], message])
    assert singly.shape == (2, 384)
    assert np.array_equal(singly[1], alone)
    assert encode_singly(embedder, []).shape == (0, 384)
