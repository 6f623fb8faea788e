from __future__ import annotations

from pathlib import Path

import pytest

from assistant.clinic import load_clinic_profile
from assistant.settings import PACKAGE_ROOT, load_settings
from core.errors import ConfigError


def test_defaults_work_offline(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.data_dir == Path("var") and settings.chroma_url == ""
    assert settings.docs_dir.is_dir() and settings.clinic_profile.is_file()


def test_environment_overrides_with_the_faq_prefix(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("FAQ_DATA_DIR", str(tmp_path))
    clean_env.setenv("FAQ_CHROMA_URL", "http://127.0.0.1:9999")
    clean_env.setenv("FAQ_CHUNK_SIZE", "600")
    settings = load_settings()
    assert (settings.data_dir, settings.chroma_url, settings.chunk_size) == (tmp_path, "http://127.0.0.1:9999", 600)


def test_a_yaml_config_file_is_read_and_env_wins_over_it(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "faq.yaml"
    config.write_text("collection: otherclinic\nchunk_size: 700\n")
    clean_env.setenv("FAQ_CONFIG", str(config))
    clean_env.setenv("FAQ_CHUNK_SIZE", "800")
    settings = load_settings()
    assert settings.collection == "otherclinic" and settings.chunk_size == 800


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("chunk_size: lots\n", "chunk_size"),
        ("no_such_setting: 1\n", "no_such_setting"),
        ("collection: 'bad name!'\n", "collection"),
    ],
)
def test_a_broken_config_file_gives_a_clear_error(clean_env: pytest.MonkeyPatch, tmp_path: Path,
                                                 content: str, message: str) -> None:
    config = tmp_path / "faq.yaml"
    config.write_text(content)
    clean_env.setenv("FAQ_CONFIG", str(config))
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_a_missing_config_file_is_named(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("FAQ_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigError, match=r"nope\.yaml"):
        load_settings()


def test_the_shipped_clinic_profile_marks_unknown_details_as_placeholders() -> None:
    profile = load_clinic_profile(PACKAGE_ROOT / "assistant" / "clinic.yaml")
    assert {"booking_url", "phone", "website"} <= set(profile.placeholders())
    assert profile.emergency.number == "911" and profile.crisis_line.number == "988"
    assert "PLACEHOLDER" in profile.article_url("x")


def test_an_invalid_clinic_profile_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    text = (PACKAGE_ROOT / "assistant" / "clinic.yaml").read_text().replace('phone: "PLACEHOLDER-clinic-phone"', "")
    path.write_text(text)
    with pytest.raises(ConfigError, match="phone"):
        load_clinic_profile(path)


def test_a_broken_model_file_is_a_clear_error(tmp_path: Path) -> None:
    from assistant.answerability import FEATURES
    from assistant.linear import LinearModel, StaleModel

    bad = tmp_path / "answerability.yaml"
    bad.write_text("features: [a, b]\nmean: [0, 0]\n")
    with pytest.raises(StaleModel, match="other features"):
        LinearModel.load(bad, FEATURES)
    bad.write_text("- not a mapping\n")
    with pytest.raises(ConfigError, match="not a model file"):
        LinearModel.load(bad, FEATURES)
    assert LinearModel.load(PACKAGE_ROOT / "assistant" / "answerability.yaml", FEATURES).settings["answer_from"] > 0
