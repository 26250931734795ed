"""Every key the app knows is masked everywhere (issue 19 §2): a gateway's key from
`key_env`, one stored with `key set --provider`, DeepSeek's from the environment and
any Authorization value a server echoes never reach the debug log, a file in the
config dir, stdout or stderr; a key that cannot go into a header is refused at load
with one sentence that does not show it."""

from __future__ import annotations

from pathlib import Path

import pytest
import tomli_w

from deepseek_tui.config import Paths
from deepseek_tui.emulator import Emulator, Faults
from tests.helpers import TEST_KEY, run

ENV_GATEWAY = "gw-env-Key-77aa88bb99cc00dd"
STORED_GATEWAY = "gw-stored-Key-11ee22ff33aa44bb"
ECHOED_HEADER = "zz-never-loaded-5566778899"
KEYS = (TEST_KEY, ENV_GATEWAY, STORED_GATEWAY, ECHOED_HEADER)


def _configure(paths: Paths, emulator: Emulator) -> dict[str, str]:
    paths.ensure_dir()
    gateway = {"base_url": emulator.base_url, "model": "m1"}
    providers = {"gw": {**gateway, "key_env": "GW_KEY"}, "gw2": gateway}
    paths.config_file.write_text(tomli_w.dumps({"providers": providers}), encoding="utf-8")
    stored = run("key", "set", "--provider", "gw2", stdin=STORED_GATEWAY + "\n")
    assert stored.returncode == 0, stored.stderr
    return {"DEEPSEEK_API_KEY": TEST_KEY, "GW_KEY": ENV_GATEWAY}


def _grep(paths: Paths, printed: bytes, keys: tuple[str, ...]) -> None:
    # Every file but the one whose job is to hold the stored key.
    files = [p for p in paths.dir.rglob("*") if p.is_file() and p != paths.credentials_file]
    assert any(path.name == "debug.log" for path in files)
    for key in keys:
        for unsafe in (key.encode(), key.encode("unicode_escape"), repr(key).encode()):
            assert unsafe not in printed, key
            for path in files:
                assert unsafe not in path.read_bytes(), (key, path)


def test_every_known_key_is_masked_in_the_log_the_files_and_the_output(
    emulator: Emulator, paths: Paths
) -> None:
    env = _configure(paths, emulator)
    said = " ".join(KEYS[:3]) + f" headers {{'Authorization': 'Bearer {ECHOED_HEADER}'}}"
    emulator.faults = Faults(error_status=422, error_message=said)
    printed = b""
    for provider in ("deepseek", "gw", "gw2"):
        result = run(
            "ask",
            "--debug",
            "--provider",
            provider,
            "--base-url",
            emulator.base_url,
            "hello",
            env=env,
        )
        assert result.returncode == 1
        assert b"HTTP 422" in result.stderr
        printed += result.stdout + result.stderr
    _grep(paths, printed, KEYS)


@pytest.mark.parametrize(
    "bad", ["gw-key\r\nX-Evil: 1234567890", "gw-key-\u00e9-1234567890"], ids=["crlf", "non-ascii"]
)
@pytest.mark.parametrize("where", ["env", "stored"])
def test_a_key_that_cannot_be_sent_is_refused_in_one_sentence(
    emulator: Emulator, paths: Paths, tmp_path: Path, bad: str, where: str
) -> None:
    env = _configure(paths, emulator)
    if where == "env":
        env["GW_KEY"] = bad
        provider = "gw"
    else:
        # Stored by hand (`key set` refuses it): an old file, or one edited.
        paths.credentials_file.write_text(
            tomli_w.dumps({"providers": {"gw2": {"api_key": bad}}}), encoding="utf-8"
        )
        provider = "gw2"
    result = run("ask", "--debug", "--provider", provider, "hello", env=env)
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert lines[-1].startswith("deepseek-tui: The API key in "), lines
    assert "cannot be sent" in lines[-1]
    for wrong in ("Traceback", "Illegal header", "UnicodeEncodeError", "crash"):
        assert wrong not in result.stderr.decode()
    assert emulator.requests == []
    _grep(paths, result.stdout + result.stderr, (bad, bad.strip()))


def test_a_crash_report_masks_a_gateway_key_it_never_used(paths: Paths) -> None:
    from deepseek_tui.config import load_api_key, write_crash_report

    paths.ensure_dir()
    key = load_api_key(paths, "gw", environ={"GW_KEY": ENV_GATEWAY}, key_env="GW_KEY")
    assert key is not None
    try:
        raise RuntimeError(f"the proxy said {ENV_GATEWAY} and x-api-key: {ECHOED_HEADER}")
    except RuntimeError as error:
        report = write_crash_report(paths, error).read_bytes()
    assert ENV_GATEWAY.encode() not in report and ECHOED_HEADER.encode() not in report
    assert b"gw\xe2\x80\xa6" in report  # masked, still recognisable: gw…00dd
