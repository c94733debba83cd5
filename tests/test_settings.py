import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.startswith("FEDALERT_"):
            monkeypatch.delenv(name)
    path = tmp_path / "settings.toml"
    path.write_text("")
    monkeypatch.setenv("FEDALERT_CONFIG", str(path))
    return path


def test_example_file_is_valid(clean_env, monkeypatch):
    """As the command line reads it: with the topics' own sections ([macro], [markets])."""
    from bot.topics.macro.settings import MacroSettings
    from bot.topics.markets import MarketsSettings
    from bot.topics.packages import settings_sections

    monkeypatch.setenv("FEDALERT_CONFIG", str(ROOT / "config/settings.example.toml"))
    settings = load_settings(sections=settings_sections())
    assert settings.telegram.api_url == "https://api.telegram.org"
    assert settings.registry.default_timezone == "Asia/Taipei"
    assert settings.section("macro", MacroSettings).burst_seconds == 900
    assert settings.section("markets", MarketsSettings).divergence_points == 15
    assert settings.line.webhook_listen == "127.0.0.1:8081"


def test_environment_wins_over_file(clean_env, monkeypatch):
    clean_env.write_text('[telegram]\napi_url = "https://file.example"\n')
    assert load_settings().telegram.api_url == "https://file.example"
    monkeypatch.setenv("FEDALERT_TELEGRAM__API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("FEDALERT_BINANCE__WS_URL", "ws://127.0.0.1:9001")
    settings = load_settings()
    assert settings.telegram.api_url == "http://127.0.0.1:8081"
    assert settings.binance.ws_url == "ws://127.0.0.1:9001"


def test_tokens_are_refused_in_the_file(clean_env):
    clean_env.write_text('[telegram]\ntoken = "123:abc"\n')
    with pytest.raises(ConfigError, match="FEDALERT_TELEGRAM__TOKEN"):
        load_settings()


def test_token_from_file_and_never_in_repr(clean_env, monkeypatch, tmp_path):
    secret = tmp_path / "token"
    secret.write_text("777:SECRET-TOKEN\n")
    monkeypatch.setenv("FEDALERT_TELEGRAM__TOKEN_FILE", str(secret))
    settings = load_settings()
    assert settings.telegram.token.get_secret_value() == "777:SECRET-TOKEN"
    assert "SECRET" not in repr(settings) and "SECRET" not in str(settings.model_dump())


def test_bad_setting_exits_2_with_one_line_naming_the_key(clean_env):
    env = {"FEDALERT_CONFIG": str(clean_env), "FEDALERT_OUTBOX__MAX_ATTEMPTS": "many",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "bot", "check"], env=env,
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "outbox.max_attempts" in lines[0] and "FEDALERT_OUTBOX__MAX_ATTEMPTS" in lines[0]


def test_secrets_are_masked_in_logs(capsys):
    import logging

    from bot.logs import setup_logging

    setup_logging("INFO", ["777:SECRET-TOKEN"])
    logging.getLogger("httpx").warning(
        "HTTP Request: POST https://api.telegram.org/bot777:SECRET-TOKEN/sendMessage")
    try:
        raise RuntimeError("failed with 777:SECRET-TOKEN")
    except RuntimeError:
        logging.getLogger("x").exception("oops")
    err = capsys.readouterr().err
    assert "SECRET" not in err and "bot***/sendMessage" in err


@pytest.mark.parametrize(("variables", "expected"), [
    ({"FEDALERT_REDIS_ULR": "redis://127.0.0.1:6379/0"},
     "FEDALERT_REDIS_ULR is not a fedalert setting; did you mean FEDALERT_REDIS_URL?"),
    ({"FEDALERT_TELEGRAM__TOKN": "1:x"}, "did you mean FEDALERT_TELEGRAM__TOKEN?"),
    ({"FEDALERT_REDIS_URL": "notaurl"}, "redis_url: not a Redis URL"),
    ({"FEDALERT_REDIS_URL": "http://user:hunter2@example:6379"}, "not a Redis URL"),
    ({"FEDALERT_ODDS__SOURCE": "file"}, "source=file needs odds.file"),
    ({"FEDALERT_REDIS__CONNECT_TIMEOUT": "0"}, "redis.connect_timeout"),
    ({"FEDALERT_TELEGRAM__TOKEN": "bot123:hunter2"},
     "telegram.token: not a bot token: BotFather gives one like 123456789:AAH"),
    ({"FEDALERT_TELEGRAM__TOKEN": '"123:hunter2"'}, "[FEDALERT_TELEGRAM__TOKEN]"),
    ({"FEDALERT_REDIS_URL": "redis://:hunter2@127.0.0.1:99999/0"},
     "redis_url: the port must be a number from 1 to 65535"),
    ({"FEDALERT_REDIS_URL": "redis://:hunter2@127.0.0.1:abc/0"}, "the port must be a number"),
    ({"FEDALERT_REDIS_URL": "redis+cluster://:hunter2@h:0"}, "the port must be a number"),
])
def test_start_up_mistakes_are_one_line(clean_env, monkeypatch, variables, expected):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert expected in message and "\n" not in message and "hunter2" not in message


def test_a_named_settings_file_must_exist(clean_env, monkeypatch):
    monkeypatch.setenv("FEDALERT_CONFIG", str(clean_env.parent / "typo.toml"))
    with pytest.raises(ConfigError, match=r"typo\.toml does not exist"):
        load_settings()


@pytest.mark.parametrize(("content", "expected"), [
    (b'log_level = "INFO\n', r"settings\.toml: Illegal character"),
    (b"\xff\xfe\x00", r"settings\.toml: 'utf-8' codec can't decode"),
    (b'[telegram]\napi_ulr = "http://x"\n',
     r"telegram\.api_ulr: unknown setting; did you mean api_url\?"),
    (b'log_levle = "INFO"\n', r"log_levle: unknown setting; did you mean log_level\?"),
])
def test_a_bad_settings_file_is_named_in_one_line(clean_env, content, expected):
    clean_env.write_bytes(content)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_settings()
    assert "\n" not in str(caught.value)


def test_a_folder_as_the_settings_file_is_said_so(clean_env, monkeypatch):
    monkeypatch.setenv("FEDALERT_CONFIG", str(clean_env.parent))
    with pytest.raises(ConfigError, match="is a folder, not a file"):
        load_settings()


@pytest.mark.parametrize("url", ["redis://:p@ss@host:6379/0", "redis://user:p@ss@host/0",
                                 "redis+cluster://:p@ss@node:7000"])
def test_a_password_holding_an_at_sign_is_masked_whole(url):
    from bot.store.server import shown_url

    shown = shown_url(url)
    assert "p@ss" not in shown and "ss@" not in shown and shown.endswith(url.split("@")[-1])


def test_json_log_lines_are_masked_objects():
    import io
    import json
    import logging

    from bot.logs import setup_logging

    out = io.StringIO()
    setup_logging("INFO", ["777:SECRET-TOKEN"], stream=out, json_lines=True)
    try:
        raise RuntimeError("failed with 777:SECRET-TOKEN")
    except RuntimeError:
        logging.getLogger("bot.test").exception("sending with 777:SECRET-TOKEN failed")
    entry = json.loads(out.getvalue().strip().splitlines()[-1])
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.test"
    assert "SECRET" not in out.getvalue() and "***" in entry["message"]
    setup_logging("WARNING")


def test_empty_variables_mean_unset(monkeypatch):
    """docker compose passes ${FEDALERT_TELEGRAM__TOKEN:-} as an empty string when a
    platform is not used: that is no token, not a malformed one."""
    from bot.config import load_settings

    for name in ("FEDALERT_TELEGRAM__TOKEN", "FEDALERT_DISCORD__TOKEN",
                 "FEDALERT_LINE__CHANNEL_SECRET", "FEDALERT_LINE__ACCESS_TOKEN",
                 "FEDALERT_LINE__PUBLIC_URL"):
        monkeypatch.setenv(name, "")
    settings = load_settings()
    assert settings.telegram.token is None and settings.line.access_token is None
    assert settings.line.public_url is None
