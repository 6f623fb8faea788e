"""Question sets: YAML files under evals/sets/, validated strictly.

A case: ``id``, ``turns`` (the patient's messages, in order), ``expect`` on the last reply,
``tags`` and ``severity`` (``critical`` cases may never fail). Unknown keys are errors that
name the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core import yamlfile
from core.errors import ConfigError
from core.types import Action, Category
from guardrails.policy import check_patterns

EVALS_DIR = Path(__file__).resolve().parent
SETS_DIR = EVALS_DIR / "sets"
BASELINE = EVALS_DIR / "baselines" / "report.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(_Strict):
    action: list[Action] = Field(min_length=1)
    category: Category | None = None
    not_category: list[Category] = Field(default_factory=list)
    must_mention: list[list[str]] = Field(default_factory=list)  # every group, any alternative within it
    must_not_mention: list[str] = Field(default_factory=list)
    must_not_match: list[str] = Field(default_factory=list)  # regular expressions, case-insensitive
    sections: list[str] = Field(default_factory=list)  # a cited source must come from one of these
    documents: list[str] = Field(default_factory=list)  # source ids; one must be among the top retrieved passages
    consultation: bool | None = None  # None: the default rule (every reply but an emergency)
    input_error: bool = False  # True: "I couldn't read that message" is an acceptable reply (junk, encodings)

    @field_validator("must_not_match")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        check_patterns({repr(p): p for p in patterns})
        return patterns


class Case(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    turns: list[str] = Field(min_length=1)
    expect: Expect
    tags: list[str] = Field(default_factory=list)
    severity: Literal["critical", "normal"] = "normal"


class QuestionSet(_Strict):
    name: str
    description: str = ""
    tolerance: float = Field(0.02, ge=0, le=1, description="allowed drop in a metric against the baseline")
    knowledge: str | None = Field(None, description="a folder of documents (relative to evals/) to answer from "
                                  "instead of the clinic's knowledge base; in-process runs only")
    source: str = Field("", description="where the cases come from, with licence")
    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> QuestionSet:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"case id {case.id!r} appears twice")
            seen.add(case.id)
        return self

    def knowledge_dir(self) -> Path | None:
        return (EVALS_DIR / self.knowledge).resolve() if self.knowledge else None


def _line(node: Any, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at a pydantic error location."""
    line = int(node.start_mark.line) + 1
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:
                key_node = next((k for k, _ in node.value if k.value == key), None)
                return int(key_node.start_mark.line) + 1 if key_node is not None else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = int(node.start_mark.line) + 1
    return line


def load_set(path: Path) -> QuestionSet:
    try:
        text = path.read_text(encoding="utf-8")
        raw = yamlfile.loads(text)
        tree = yaml.compose(text, Loader=yamlfile.Loader)
    except OSError as exc:
        raise ConfigError(f"cannot read question set {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        qset = QuestionSet.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = _line(tree, loc) if tree is not None else None
        where = ".".join(str(p) for p in loc)
        raise ConfigError(f"{path}:{line}: {where}: {err['msg']}") from None
    folder = qset.knowledge_dir()
    if folder is not None and not folder.is_dir():
        raise ConfigError(f"{path}: knowledge folder {qset.knowledge!r} does not exist (looked for {folder})")
    return qset


def resolve(names: list[str]) -> list[Path]:
    """Set names (``clinic_faq``) or paths; no names means every shipped set."""
    if not names:
        return sorted(SETS_DIR.glob("*.yaml"))
    paths = []
    for name in names:
        path = Path(name)
        if not path.suffix:
            path = SETS_DIR / f"{name}.yaml"
        if not path.is_file():
            raise ConfigError(f"no question set {name!r} (looked for {path})")
        paths.append(path)
    return paths
