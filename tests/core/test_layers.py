"""The layers (../shared/STYLE.md): a lower one never imports an upper one, so knowledge/ and
guardrails/ can be used, and tested, without the assistant, the API or the evaluations."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UPPER = {"core": {"knowledge", "guardrails", "assistant", "ui", "evals", "cli", "benchmarks"},
         "knowledge": {"guardrails", "assistant", "ui", "evals", "cli", "benchmarks"},
         "guardrails": {"assistant", "ui", "evals", "cli", "benchmarks"},
         "assistant": {"ui", "evals", "cli", "benchmarks"}}


def imported(path: Path) -> list[str]:
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


@pytest.mark.parametrize("package", sorted(UPPER))
def test_a_lower_layer_never_imports_an_upper_one(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    wrong = [f"{f.relative_to(ROOT)} imports {name}" for f in files for name in imported(f)
             if name.split(".")[0] in UPPER[package]]
    assert wrong == []
