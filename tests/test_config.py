"""The operator's TOML file: the example loads, and every mistake names the key and the fix."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_duration

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"

MINIMAL = """
[[categories]]
slug = "sport"
ar = "رياضة"
en = "Sport"
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def error_for(tmp_path: Path, body: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, body))
    return str(caught.value)


def test_example_config_loads_with_the_arabic_category_set() -> None:
    config = load_config(EXAMPLE)
    slugs = {c.slug for c in config.categories}
    assert {
        "breaking",
        "politics",
        "economy",
        "local",
        "sport",
        "culture",
        "world",
        "health",
        "tech",
    } <= slugs
    assert config.category("sport").ar == "رياضة"
    assert [c.slug for c in config.categories if c.breaking] == ["breaking"]
    assert {s.kind for s in config.sources} == {"feed", "html", "ticker"}
    assert config.telegram.token_env == "NASHRA_BOT_TOKEN"


def test_bad_interval_names_source_key_and_expected_form(tmp_path: Path) -> None:
    body = MINIMAL + '[[sources]]\nname = "a"\nkind = "feed"\nurl = "https://a.example/feed"\n'
    body += '[[sources]]\nname = "b"\nkind = "feed"\nurl = "https://b.example/feed"\ninterval = "soon"\n'
    message = error_for(tmp_path, body)
    assert "config.toml: sources[1].interval" in message
    assert 'expected a duration like "5m"' in message and "'soon'" in message


def test_unknown_category_in_channel_lists_valid_ones(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL + '[[channels]]\nchat = "@sportnews"\ncategories = ["football"]\n')
    assert "channels[0].categories" in message and "'football'" in message and "sport" in message


def test_unknown_category_of_a_source_names_its_key(tmp_path: Path) -> None:
    source = (
        '[[sources]]\nname = "a"\nkind = "feed"\nurl = "https://a.example/feed"\ncategories = ["football"]\n'
    )
    message = error_for(tmp_path, MINIMAL + source)
    assert "sources[0].categories" in message and "'football'" in message and "sport" in message


def test_misspelt_key_is_reported_as_unknown(tmp_path: Path) -> None:
    message = error_for(tmp_path, MINIMAL + '[telegram]\ntoken_evn = "X"\n')
    assert "telegram.token_evn: unknown key" in message


def test_html_source_without_selector_says_which_selector(tmp_path: Path) -> None:
    body = MINIMAL + '[[sources]]\nname = "site"\nkind = "html"\nurl = "https://a.example/"\n'
    assert "link_selector" in error_for(tmp_path, body)


def test_invalid_toml_and_missing_file_are_clear(tmp_path: Path) -> None:
    assert "not valid TOML" in error_for(tmp_path, "[[categories]\n")
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml")


def test_duplicate_source_names_are_rejected(tmp_path: Path) -> None:
    source = '[[sources]]\nname = "x"\nkind = "feed"\nurl = "https://a.example/feed"\n'
    assert "sources[1].name: 'x' is used twice" in error_for(tmp_path, MINIMAL + source + source)


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("5m", 300), ("1h30m", 5400), (45, 45), ("2h", 7200)]
)
def test_durations_read_like_an_operator_writes_them(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )


def test_cli_exits_2_on_broken_config(tmp_path: Path) -> None:
    result = run_cli("run", "-c", str(write(tmp_path, MINIMAL + "[storage]\npath = 3\n")))
    assert result.returncode == 2
    assert "storage.path" in result.stderr


def test_cli_run_without_token_exits_2_naming_the_variable(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = run_cli("run", "-c", str(EXAMPLE), env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "NASHRA_BOT_TOKEN" in result.stderr
