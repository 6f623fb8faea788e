"""Reading YAML data files: libyaml's C parser when PyYAML was built with it (about ten times faster
than the pure-Python one on the evaluation and personal-data sets, which the overlap check and the
tests read many times), the pure-Python parser otherwise. Same safe subset either way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # also for yaml.compose (line numbers)


def loads(text: str) -> Any:
    return yaml.load(text, Loader=Loader)  # a safe loader (CSafeLoader or SafeLoader), chosen above


def load(path: Path) -> Any:
    return loads(path.read_text(encoding="utf-8"))
