"""Settings, credentials and the config directory, as a user's files on disk see them."""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import replace
from pathlib import Path

import platformdirs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepseek_tui import config
from deepseek_tui.config import (
    APP_NAME,
    DEFAULT_BASE_URL,
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_CONFIG_DIR,
    ApiKey,
    ConfigError,
    Paths,
    Settings,
    UnknownProvider,
    atomic_write,
    delete_api_key,
    load_api_key,
    load_settings,
    mask_key,
    resolve_base_url,
    save_settings,
    store_api_key,
)
from deepseek_tui.config import files as config_files

# Obviously fake; nothing here may look like a real key.
FAKE_KEY = "sk-test-0000000000000000abcd"
OTHER_FAKE_KEY = "sk-test-1111111111111111wxyz"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's real key or config dir must never leak into (or out of) these tests.
    for name in (ENV_API_KEY, ENV_BASE_URL, ENV_CONFIG_DIR):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "cfg")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# --- Paths -----------------------------------------------------------------------------


def test_paths_name_every_file_inside_the_config_dir(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    assert paths.config_file == tmp_path / "config.toml"
    assert paths.credentials_file == tmp_path / "credentials.toml"
    assert paths.database == tmp_path / "conversations.db"
    assert paths.themes_dir == tmp_path / "themes"


def test_config_dir_flag_beats_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CONFIG_DIR, str(tmp_path / "from-env"))
    assert Paths.resolve(tmp_path / "from-flag").dir == tmp_path / "from-flag"
    assert Paths.resolve(str(tmp_path / "from-flag")).dir == tmp_path / "from-flag"


def test_env_var_beats_platform_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CONFIG_DIR, str(tmp_path / "from-env"))
    assert Paths.resolve().dir == tmp_path / "from-env"


def test_platform_default_when_nothing_is_set() -> None:
    expected = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    assert Paths.resolve().dir == expected.absolute()


def test_blank_env_var_falls_back_to_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CONFIG_DIR, "  ")
    assert Paths.resolve().dir.name == APP_NAME


def test_tilde_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Paths.resolve("~/dsk").dir == tmp_path / "dsk"
    monkeypatch.setenv(ENV_CONFIG_DIR, "~/from-env")
    assert Paths.resolve().dir == tmp_path / "from-env"


def test_resolving_creates_nothing(tmp_path: Path) -> None:
    Paths.resolve(tmp_path / "not-yet")
    assert not (tmp_path / "not-yet").exists()


def test_ensure_dir_creates_parents_owner_only(tmp_path: Path) -> None:
    paths = Paths(tmp_path / "a" / "b")
    paths.ensure_dir()
    assert paths.dir.is_dir()
    assert mode_of(paths.dir) == 0o700
    paths.ensure_dir()  # second call is harmless


def test_ensure_dir_leaves_an_existing_dir_alone(tmp_path: Path) -> None:
    existing = tmp_path / "mine"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)
    Paths(existing).ensure_dir()
    assert mode_of(existing) == 0o755


def test_ensure_dir_fails_when_a_file_is_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError):
        Paths(tmp_path / "file").ensure_dir()


# --- Settings on disk --------------------------------------------------------------------


def test_defaults_when_there_is_no_config_file(paths: Paths) -> None:
    assert load_settings(paths) == Settings()
    assert not paths.dir.exists(), "loading must not create anything"


def test_every_field_survives_save_and_load(paths: Paths) -> None:
    settings = Settings(
        base_url="http://127.0.0.1:8089/v1",
        model="deepseek-reasoner",
        thinking=True,
        temperature=1.3,
        top_p=0.9,
        max_tokens=4096,
        json_mode=True,
        stop=["END", "\n\n"],
        frequency_penalty=0.5,
        presence_penalty=-1.0,
        reasoning_effort="max",
        system_prompt='Be brief.\nQuote "exactly" — and use ünïcode.',
        theme="nord",
        reasoning_expanded=True,
        attach_limit_kb=64,
        model_titles=True,
        connect_timeout=3.5,
        write_timeout=2.5,
        headers_timeout=4.5,
        first_data_timeout=42.0,
        stall_timeout=7.25,
        max_attempts=5,
        models=["deepseek-chat", "my-finetune"],
        prices={"my-finetune": {"cache_hit": 0.01, "cache_miss": 0.2, "output": 1.0}},
        peak_pricing=False,
        provider="serevix",
        providers={
            "serevix": {
                "kind": "openai",
                "title": "Serevix",
                "base_url": "https://gateway.serevixai.ai/v1",
                "model": "deepseek-v3",
                "models": ["deepseek-r1"],
                "key_env": "SEREVIX_API_KEY",
                "supports_prefix": False,
                "prices": {"deepseek-v3": {"cache_miss": 0.3, "output": 1.1}},
                "currency": "CNY",
            },
            "segmind": {"api": "v1"},
        },
        presets={"reviewer": {"system_prompt": "Review.", "stop": ["END"], "thinking": True}},
        mcp_servers={
            "files": {"command": "npx", "args": ["-y", "fs"], "env": {"A": "1"}},
            "web": {"url": "https://example.com/mcp", "headers": {"X-A": "b"}, "approve": "auto"},
        },
        tool_output_limit_kb=16,
        tool_rounds=3,
    )
    # Every field differs from its default, so the round trip really tests each one.
    for name, default in Settings().__dict__.items():
        assert getattr(settings, name) != default, name
    save_settings(paths, settings)
    assert load_settings(paths) == settings
    assert mode_of(paths.dir) == 0o700


def test_thinking_false_is_kept_and_none_is_omitted(paths: Paths) -> None:
    save_settings(paths, Settings(thinking=False))
    written = tomllib.loads(paths.config_file.read_text())
    assert written["thinking"] is False
    assert "temperature" not in written
    assert "max_tokens" not in written
    assert load_settings(paths).thinking is False


def test_to_toml_dict_omits_none_and_copies_lists() -> None:
    settings = Settings(models=["a"])
    data = settings.to_toml_dict()
    assert not {"thinking", "temperature", "top_p", "max_tokens"} & data.keys()
    data["models"].append("b")
    assert settings.models == ["a"]


def test_save_overwrites_previous_settings(paths: Paths) -> None:
    save_settings(paths, Settings(model="one"))
    save_settings(paths, Settings(model="two"))
    assert load_settings(paths).model == "two"
    assert sorted(p.name for p in paths.dir.iterdir()) == ["config.toml"]


def test_parse_error_names_file_and_line_and_leaves_file_untouched(paths: Paths) -> None:
    paths.ensure_dir()
    broken = b'model = "deepseek-chat"\ntheme = "nord"\nthis is not toml\n'
    paths.config_file.write_bytes(broken)
    before = snapshot(paths.config_file)

    with pytest.raises(ConfigError) as caught:
        load_settings(paths)

    message = str(caught.value)
    assert str(paths.config_file) in message
    assert "line 3" in message
    assert "column" not in message
    assert message.endswith("(fix or remove the file).")
    assert caught.value.path == paths.config_file
    assert snapshot(paths.config_file) == before
    assert [p.name for p in paths.dir.iterdir()] == ["config.toml"]


def test_parse_error_at_end_of_file(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text("model = ")
    with pytest.raises(ConfigError, match=r"config\.toml: (line 1|end of file): "):
        load_settings(paths)


def test_config_that_is_not_utf8_is_reported(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_bytes(b'model = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(paths)


def test_config_with_bom_still_loads(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_bytes(b'\xef\xbb\xbfmodel = "m"\n')
    assert load_settings(paths).model == "m"


def test_unreadable_config_is_a_config_error(paths: Paths) -> None:
    # A directory where the file should be: unreadable even for root.
    paths.config_file.mkdir(parents=True)
    with pytest.raises(ConfigError) as caught:
        load_settings(paths)
    assert str(caught.value).startswith(f"Cannot read {paths.config_file}: ")


@pytest.mark.parametrize(
    ("toml", "key", "expected"),
    [
        ('temperature = "hot"', "temperature", "must be a number, got 'hot'."),
        ("temperature = true", "temperature", "must be a number, got True."),
        ("max_tokens = 1.5", "max_tokens", "must be a whole number, got 1.5."),
        ("max_attempts = false", "max_attempts", "must be a whole number, got False."),
        ("thinking = 1", "thinking", "must be true or false, got 1."),
        ("model = 3", "model", "must be a string, got 3."),
        ('models = "deepseek-chat"', "models", "must be a list of strings"),
        ("models = [1, 2]", "models", "must be a list of strings, got [1, 2]."),
    ],
)
def test_wrong_type_names_the_file_and_the_key(
    paths: Paths, toml: str, key: str, expected: str
) -> None:
    paths.ensure_dir()
    paths.config_file.write_text(toml + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(paths)
    message = str(caught.value)
    assert str(paths.config_file) in message
    assert f"{key!r} {expected}" in message


def test_ints_are_accepted_for_float_settings(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text("temperature = 1\nstall_timeout = 30\n")
    settings = load_settings(paths)
    assert settings.temperature == 1.0
    assert isinstance(settings.temperature, float)
    assert isinstance(settings.stall_timeout, float)


def test_unknown_keys_from_a_newer_version_are_ignored(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text('model = "m"\nfuture_option = 1\n[future_table]\nx = 2\n')
    assert load_settings(paths) == Settings(model="m")


def test_from_toml_dict_names_the_path_it_was_given(tmp_path: Path) -> None:
    where = tmp_path / "elsewhere.toml"
    with pytest.raises(ConfigError) as caught:
        Settings.from_toml_dict({"top_p": "high"}, path=where)
    assert caught.value.path == where
    assert str(where) in str(caught.value)


# --- validate() ------------------------------------------------------------------------


def test_defaults_are_valid() -> None:
    assert Settings().validate() == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"temperature": 2.5}, "temperature must be between 0 and 2, got 2.5."),
        ({"temperature": -0.1}, "temperature must be between 0 and 2, got -0.1."),
        ({"temperature": float("nan")}, "temperature must be between 0 and 2, got nan."),
        ({"top_p": 0.0}, "top_p must be greater than 0 and at most 1, got 0.0."),
        ({"top_p": 1.5}, "top_p must be greater than 0 and at most 1, got 1.5."),
        ({"max_tokens": 0}, "max_tokens must be at least 1, got 0."),
        ({"connect_timeout": 0.0}, "connect_timeout must be a positive number of seconds"),
        ({"first_data_timeout": -1.0}, "first_data_timeout must be a positive number"),
        ({"stall_timeout": float("inf")}, "stall_timeout must be a positive number"),
        ({"max_attempts": 0}, "max_attempts must be at least 1, got 0."),
        ({"base_url": "api.deepseek.com"}, "base_url: The base URL 'api.deepseek.com' is not"),
        ({"base_url": "http://127.0.0.1:99999"}, "base_url: The base URL 'http://127.0.0.1:99"),
        ({"base_url": "http://[::1"}, "base_url: The base URL 'http://[::1' is not a valid"),
        ({"model": " "}, "model must not be empty."),
    ],
)
def test_validate_explains_each_problem(overrides: dict[str, object], expected: str) -> None:
    problems = Settings(**overrides).validate()  # type: ignore[arg-type]
    assert len(problems) == 1
    assert problems[0].startswith(expected)
    assert problems[0].endswith(".")


def test_validate_accepts_the_edges() -> None:
    edges = Settings(temperature=0.0, top_p=1.0, max_tokens=1, max_attempts=1)
    assert edges.validate() == []
    assert Settings(temperature=2.0, base_url="http://localhost:1").validate() == []


def test_validate_reports_every_problem() -> None:
    assert len(Settings(temperature=9.0, top_p=0.0, max_attempts=0).validate()) == 3


# --- atomic_write ----------------------------------------------------------------------


def test_atomic_write_leaves_only_the_target(tmp_path: Path) -> None:
    target = tmp_path / "f.toml"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["f.toml"]
    # The umask may only take permissions away, as for any file the user creates.
    umask = os.umask(0)
    os.umask(umask)
    assert mode_of(target) == 0o644 & ~umask


def test_atomic_write_uses_the_mode_from_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real_replace = os.replace

    def spying_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        seen.append(mode_of(Path(src)))  # the temp file, before it becomes the target
        real_replace(src, dst)

    monkeypatch.setattr(config_files.os, "replace", spying_replace)
    atomic_write(tmp_path / "secret", b"x", mode=0o600)
    assert seen == [0o600]


def test_failed_write_keeps_old_content_and_removes_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "config.toml"
    target.write_bytes(b"old")

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(config_files.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="Input/output error"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_unexpected_errors_come_out_as_oserror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_replace(src: object, dst: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(config_files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="boom"):
        atomic_write(tmp_path / "f", b"data")
    assert list(tmp_path.iterdir()) == []


def test_failed_settings_save_keeps_the_previous_settings(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_settings(paths, Settings(model="kept"))

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(config_files.os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        save_settings(paths, Settings(model="lost"))
    monkeypatch.undo()
    assert load_settings(paths).model == "kept"


# --- API keys ----------------------------------------------------------------------------


def test_no_key_anywhere(paths: Paths) -> None:
    assert load_api_key(paths, environ={}) is None


def test_stored_key_is_loaded_from_the_file(paths: Paths) -> None:
    store_api_key(paths, f"  {FAKE_KEY}\n")
    key = load_api_key(paths, environ={})
    assert key == ApiKey(FAKE_KEY, "file")
    assert tomllib.loads(paths.credentials_file.read_text()) == {
        "providers": {"deepseek": {"api_key": FAKE_KEY}}
    }


def test_credentials_file_is_owner_only(paths: Paths) -> None:
    store_api_key(paths, FAKE_KEY)
    assert mode_of(paths.credentials_file) == 0o600
    assert mode_of(paths.dir) == 0o700
    assert sorted(p.name for p in paths.dir.iterdir()) == ["credentials.toml"]


def test_storing_again_tightens_a_loose_file(paths: Paths) -> None:
    store_api_key(paths, FAKE_KEY)
    os.chmod(paths.credentials_file, 0o644)
    store_api_key(paths, OTHER_FAKE_KEY)
    assert mode_of(paths.credentials_file) == 0o600


def test_env_key_wins_over_the_file(paths: Paths) -> None:
    store_api_key(paths, FAKE_KEY)
    key = load_api_key(paths, environ={ENV_API_KEY: f" {OTHER_FAKE_KEY} "})
    assert key == ApiKey(OTHER_FAKE_KEY, "env")


def test_env_key_is_read_from_os_environ_by_default(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_API_KEY, FAKE_KEY)
    assert load_api_key(paths) == ApiKey(FAKE_KEY, "env")


def test_env_key_is_never_written(paths: Paths) -> None:
    assert load_api_key(paths, environ={ENV_API_KEY: FAKE_KEY}) is not None
    assert not paths.dir.exists()


def test_env_key_only_applies_to_deepseek(paths: Paths) -> None:
    store_api_key(paths, OTHER_FAKE_KEY, provider="other")
    key = load_api_key(paths, "other", environ={ENV_API_KEY: FAKE_KEY})
    assert key == ApiKey(OTHER_FAKE_KEY, "file")


def test_blank_keys_count_as_absent(paths: Paths) -> None:
    paths.ensure_dir()
    paths.credentials_file.write_text('[providers.deepseek]\napi_key = "   "\n')
    assert load_api_key(paths, environ={ENV_API_KEY: "  \n"}) is None


def test_env_key_works_even_with_a_broken_credentials_file(paths: Paths) -> None:
    paths.ensure_dir()
    paths.credentials_file.write_text("garbage garbage\n")
    assert load_api_key(paths, environ={ENV_API_KEY: FAKE_KEY}) == ApiKey(FAKE_KEY, "env")


def test_broken_credentials_file_is_reported_and_never_overwritten(paths: Paths) -> None:
    paths.ensure_dir()
    paths.credentials_file.write_text('[providers.deepseek]\napi_key = "unterminated\n')
    before = snapshot(paths.credentials_file)
    with pytest.raises(ConfigError) as caught:
        load_api_key(paths, environ={})
    assert str(paths.credentials_file) in str(caught.value)
    assert "line 2" in str(caught.value)
    with pytest.raises(ConfigError):
        store_api_key(paths, FAKE_KEY)
    with pytest.raises(ConfigError):
        delete_api_key(paths)
    assert snapshot(paths.credentials_file) == before


def test_credentials_with_the_wrong_shape_are_reported_without_the_secret(paths: Paths) -> None:
    paths.ensure_dir()
    paths.credentials_file.write_text("[providers.deepseek]\napi_key = 123456789\n")
    with pytest.raises(ConfigError) as caught:
        load_api_key(paths, environ={})
    assert "'providers.deepseek.api_key' must be a string" in str(caught.value)
    assert "123456789" not in str(caught.value)
    paths.credentials_file.write_text('providers = "x"\n')
    with pytest.raises(ConfigError, match="'providers' must be a table"):
        load_api_key(paths, environ={})


def test_storing_keeps_other_providers(paths: Paths) -> None:
    store_api_key(paths, OTHER_FAKE_KEY, provider="other")
    store_api_key(paths, FAKE_KEY)
    assert load_api_key(paths, "other", environ={}) == ApiKey(OTHER_FAKE_KEY, "file")
    assert load_api_key(paths, environ={}) == ApiKey(FAKE_KEY, "file")


@pytest.mark.parametrize("bad", ["", "   \n", "sk-test 0000", "sk-test\x000000", "sk-\ttest"])
def test_storing_rejects_empty_or_mangled_keys(paths: Paths, bad: str) -> None:
    with pytest.raises(ValueError) as caught:
        store_api_key(paths, bad)
    assert str(caught.value).endswith(".")
    assert not paths.dir.exists()


def test_a_mangled_key_gets_the_one_invalid_key_sentence(paths: Paths) -> None:
    assert config.key_problem(f"  {FAKE_KEY}\n") is None
    assert config.key_problem("") is None  # empty: the caller decides what that means
    assert config.key_problem("sk-test 0000") == config.INVALID_KEY
    with pytest.raises(ValueError, match="spaces or control characters") as caught:
        store_api_key(paths, "sk-\ttest")
    assert str(caught.value) == config.INVALID_KEY


def test_delete_removes_the_stored_key(paths: Paths) -> None:
    store_api_key(paths, FAKE_KEY)
    assert delete_api_key(paths) is True
    assert load_api_key(paths, environ={}) is None
    assert delete_api_key(paths) is False


def test_delete_when_nothing_was_stored(paths: Paths) -> None:
    assert delete_api_key(paths) is False
    assert not paths.dir.exists()


def test_delete_keeps_other_providers(paths: Paths) -> None:
    store_api_key(paths, OTHER_FAKE_KEY, provider="other")
    store_api_key(paths, FAKE_KEY)
    assert delete_api_key(paths) is True
    assert load_api_key(paths, "other", environ={}) == ApiKey(OTHER_FAKE_KEY, "file")
    assert mode_of(paths.credentials_file) == 0o600


def test_delete_never_touches_the_env_key(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_API_KEY, FAKE_KEY)
    assert delete_api_key(paths) is False
    assert os.environ[ENV_API_KEY] == FAKE_KEY
    assert load_api_key(paths) == ApiKey(FAKE_KEY, "env")


def test_api_key_repr_hides_the_secret() -> None:
    key = ApiKey(FAKE_KEY, "file")
    assert FAKE_KEY not in repr(key)
    assert FAKE_KEY not in str(key)
    assert key.masked == "sk-…abcd"


# --- mask_key ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        (FAKE_KEY, "sk-…abcd"),
        ("abcdefghijklmnop", "ab…mnop"),
        ("abcdefghijkl", "ab…ijkl"),
        ("abcdefghijk", "…hijk"),
        ("abcdefgh", "…efgh"),
        ("sk-abcdefgh", "sk-…efgh"),
        ("sk-abcdef", "sk-…ef"),
        ("abcdefg", "…fg"),
        ("abcdef", "…ef"),
        ("abcde", "****"),
        ("sk-", "****"),
        ("", "****"),
    ],
)
def test_mask_key_cases(key: str, masked: str) -> None:
    assert mask_key(key) == masked


def _split(key: str) -> tuple[str, str]:
    prefix = "sk-" if key.startswith("sk-") else ""
    return prefix, key[len(prefix) :]


@given(st.text())
def test_mask_never_shows_more_than_four_trailing_chars(key: str) -> None:
    masked = mask_key(key)
    if masked == "****":
        return
    head, _, tail = masked.partition("…")
    prefix, secret = _split(key)
    assert len(tail) <= 4
    assert secret.endswith(tail)
    assert head in (prefix, secret[:2])
    # At least half of the secret always stays hidden.
    shown = len(tail) + (0 if head == prefix else len(head))
    assert len(secret) - shown >= len(secret) / 2


@given(
    st.lists(
        st.characters(min_codepoint=0x21, max_codepoint=0x2FFF, exclude_characters="…"),
        unique=True,
        min_size=8,
    ).map("".join),
    st.booleans(),
)
def test_middle_of_a_key_never_appears(chars: str, with_prefix: bool) -> None:
    # Distinct characters, so any middle character in the output would be a real leak.
    key = ("sk-" + chars) if with_prefix else chars
    prefix, secret = _split(key)
    middle = secret[2:-4]  # the first two may be shown as a hint when there is no "sk-"
    masked = mask_key(key)
    assert not set(middle) & set(masked.removeprefix(prefix))
    assert masked.endswith(secret[-4:])


# --- base URL ------------------------------------------------------------------------------


def test_base_url_precedence() -> None:
    settings = Settings(base_url="http://from-settings/")
    env = {ENV_BASE_URL: "http://from-env//"}
    assert resolve_base_url(settings, "http://from-flag/", environ=env) == "http://from-flag"
    assert resolve_base_url(settings, environ=env) == "http://from-env"
    assert resolve_base_url(settings, environ={}) == "http://from-settings"
    assert resolve_base_url(settings, " ", environ={ENV_BASE_URL: ""}) == "http://from-settings"
    assert resolve_base_url(Settings(), environ={}) == DEFAULT_BASE_URL


def test_base_url_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_BASE_URL, "http://127.0.0.1:9/")
    assert resolve_base_url(Settings()) == "http://127.0.0.1:9"


def test_a_bad_price_table_names_the_key(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text('[prices."deepseek-chat"]\noutput = "cheap"\n')
    with pytest.raises(ConfigError, match="'prices' must be a table of model prices"):
        load_settings(paths)


# --- provider profiles ------------------------------------------------------------------


SEREVIX = """
[providers.serevix]
base_url = "https://gateway.serevixai.ai/v1/"
model = "deepseek-v3"
models = ["deepseek-r1"]
key_env = "SEREVIX_API_KEY"
supports_prefix = false
currency = "CNY"
reasoning_pass_back = false

[providers.serevix.prices."deepseek-v3"]
cache_miss = 2.0
output = 8.0
"""


def test_a_gateway_profile_from_config_toml(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text(SEREVIX)
    settings = load_settings(paths)
    assert settings.provider_names() == ["deepseek", "segmind", "serevix"]
    profile = settings.profile("serevix")
    assert profile.kind == "openai"
    assert profile.base_url == "https://gateway.serevixai.ai/v1"
    assert (profile.model, profile.models) == ("deepseek-v3", ("deepseek-r1", "deepseek-v3"))
    assert (profile.key_env, profile.supports_prefix, profile.currency) == (
        "SEREVIX_API_KEY",
        False,
        "CNY",
    )
    assert profile.prices == {"deepseek-v3": {"cache_miss": 2.0, "output": 8.0}}
    assert not profile.builtin_prices, "DeepSeek's price table is not the gateway's"
    assert profile.reasoning_pass_back is False
    assert settings.profile("deepseek").reasoning_pass_back is None  # the model's traits say
    assert resolve_base_url(settings, provider="serevix", environ={ENV_BASE_URL: "http://x"}) == (
        "https://gateway.serevixai.ai/v1"
    )
    assert resolve_base_url(settings, "http://flag/", provider="serevix") == "http://flag"
    save_settings(paths, settings)
    assert load_settings(paths) == settings


def test_built_in_profiles_and_their_tables() -> None:
    settings = Settings(
        base_url="http://ds", model="deepseek-reasoner", providers={"segmind": {"api": "v1"}}
    )
    deepseek = settings.profile("deepseek")
    assert (deepseek.base_url, deepseek.model, deepseek.key_env) == (
        "http://ds",
        "deepseek-reasoner",
        ENV_API_KEY,
    )
    assert deepseek.supports_prefix and deepseek.builtin_prices
    segmind = settings.profile("segmind")
    assert (segmind.kind, segmind.api, segmind.key_env) == ("segmind", "v1", "SEGMIND_API_KEY")
    assert "deepseek-reasoner" not in segmind.models


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[providers.x]\nmodel = "m"\n', "'providers.x' needs base_url"),
        ('[providers.x]\nbase_url = "http://h"\n', "'providers.x' needs model"),
        ('[providers.x]\nbase_url = "http://h"\nmodel = "m"\nkind = "grpc"\n', "kind' must be"),
        ('[providers.x]\nbase_url = "http://h"\nmodel = "m"\nbase-url = "y"\n', "no setting"),
        ('[providers.segmind]\napi = "v3"\n', '\'providers.segmind.api\' must be "v1" or "v2"'),
        ('[providers.x]\nbase_url = "http://h"\nmodel = "m"\nkey_env = "A B"\n', "key_env"),
        ('[providers.x]\nbase_url = "http://h"\nmodel = 3\n', "'providers.x.model' must be a"),
        ("providers = 1\n", "'providers' must be a table"),
        (
            '[providers.deepseek]\nreasoning_pass_back = "no"\n',
            "'providers.deepseek.reasoning_pass_back' must be true or false",
        ),
    ],
)
def test_a_wrong_profile_is_named_precisely(paths: Paths, table: str, message: str) -> None:
    paths.ensure_dir()
    paths.config_file.write_text(table)
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        load_settings(paths)
    assert str(paths.config_file) in str(caught.value)


def test_an_unknown_provider_names_the_known_ones() -> None:
    settings = Settings(providers={"serevix": {"base_url": "http://h", "model": "m"}})
    with pytest.raises(UnknownProvider, match="choose deepseek, segmind or serevix"):
        settings.profile("nope")
    settings.provider = "nope"
    assert any("unknown provider 'nope'" in problem for problem in settings.validate())


def test_each_provider_reads_its_own_key_variable(paths: Paths) -> None:
    store_api_key(paths, FAKE_KEY)
    environ = {"SEREVIX_API_KEY": OTHER_FAKE_KEY}
    assert load_api_key(paths, "serevix", environ={}, key_env="SEREVIX_API_KEY") is None
    found = load_api_key(paths, "serevix", environ=environ, key_env="SEREVIX_API_KEY")
    assert found is not None and found.value == OTHER_FAKE_KEY


def test_a_profiles_base_url_gets_the_same_check(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text('[providers.x]\nbase_url = "http://[::1"\nmodel = "m"\n')
    try:
        problems = load_settings(paths).validate()
    except ConfigError as error:  # refused at load: also fine, if it says why
        problems = [str(error)]
    assert any("providers.x" in p and "Invalid IPv6 URL" in p for p in problems), problems


COMMENTED = """\
# My settings: nord at night.
theme = "nord"  # the dark one
from_a_newer_version = true

[providers.work]
# The gateway at work; ask Sam for a key.
base_url = "https://gateway.example/v1"
model = "ds-chat"

[mcp_servers.files]
command = "npx"  # node 20
args = ["-y", "files"]

[mcp_servers.old]
command = "old-server"
"""


def test_saving_edits_config_toml_and_keeps_its_comments(paths: Paths) -> None:
    # A settings save, a tool allowed always and a server removed each wrote the file
    # out whole: every comment the user had put there was gone.
    from deepseek_tui.config.settings import allow_tool_always, change_config

    paths.ensure_dir()
    paths.config_file.write_text(COMMENTED, encoding="utf-8")
    settings = config.load_settings(paths)
    config.save_settings(paths, replace(settings, theme="gruvbox", temperature=0.3))
    allow_tool_always(paths, "files", "read")
    change_config(paths, lambda data: data["mcp_servers"].pop("old"))
    text = paths.config_file.read_text(encoding="utf-8")
    for line in (
        "# My settings: nord at night.",
        "# The gateway at work; ask Sam for a key.",
        'command = "npx"  # node 20',
        "from_a_newer_version = true",  # a key this version does not know stays
    ):
        assert line in text, text
    assert 'theme = "gruvbox"' in text and "old-server" not in text
    saved = tomllib.loads(text)
    assert saved["temperature"] == 0.3
    assert saved["mcp_servers"]["files"]["auto_approve"] == ["read"]
    assert config.load_settings(paths).providers["work"]["model"] == "ds-chat"


@pytest.mark.parametrize(
    ("old", "new"),
    [("peak_pricing = 1\n", True), ("json_mode = 0\n", False), ("max_attempts = true\n", 1)],
)
def test_a_value_equal_but_of_another_type_is_written(
    tmp_path: Path, old: str, new: object
) -> None:
    # 1 == True in Python: the file's wrong-typed value was kept as it was.
    from deepseek_tui.config.files import edited_toml

    path = tmp_path / "config.toml"
    path.write_text(old)
    key = old.split(" =")[0]
    text = edited_toml(path, {key: new}, keep=lambda _key: False)
    value = tomllib.loads(text)[key]
    assert type(value) is type(new) and value == new


def test_saving_settings_mends_a_value_of_the_wrong_type(paths: Paths) -> None:
    # The file was edited by hand into one that does not load; a save wrote it anew.
    paths.ensure_dir()
    paths.config_file.write_text("# mine\npeak_pricing = 1\n")
    with pytest.raises(ConfigError):
        config.load_settings(paths)
    config.save_settings(paths, Settings(peak_pricing=True))
    assert config.load_settings(paths).peak_pricing is True
    assert "# mine" in paths.config_file.read_text()
