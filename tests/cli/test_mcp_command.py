"""`deepseek-tui mcp list|add|remove|import`: through the real command. `list` runs as
a subprocess and starts the test servers for real; the others change config.toml
through `main()` and keep the rest of the file."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest

from deepseek_tui.cli import main
from tests.helpers import MCP_SERVERS, run


def config_of(tmp_path: Path) -> dict:
    return tomllib.loads((tmp_path / "config" / "config.toml").read_text())


def test_add_remove_keep_the_rest_of_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config").mkdir(mode=0o700)
    (tmp_path / "config" / "config.toml").write_text('theme = "nord"\n')
    assert (
        main(["mcp", "add", "files", "--env", "A=1", "--", "npx", "-y", "fs", "--root", "/"]) == 0
    )
    assert main(["mcp", "add", "web", "--url", "https://example.com/mcp"]) == 0
    assert "Added the MCP server web to" in capsys.readouterr().out
    data = config_of(tmp_path)
    assert data["theme"] == "nord"
    assert data["mcp_servers"]["files"] == {
        "command": "npx",
        "args": ["-y", "fs", "--root", "/"],
        "env": {"A": "1"},
    }
    assert data["mcp_servers"]["web"] == {"url": "https://example.com/mcp"}

    assert main(["mcp", "add", "web", "--url", "https://example.com/other"]) == 1
    assert "there is an MCP server called web already" in capsys.readouterr().err
    assert main(["mcp", "remove", "web"]) == 0
    assert main(["mcp", "remove", "web"]) == 1
    assert "there is no MCP server called web" in capsys.readouterr().err
    assert list(config_of(tmp_path)["mcp_servers"]) == ["files"]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["mcp", "add", "x"], "give the server's command after --"),
        (["mcp", "add", "x", "--url", "http://h", "--", "cmd"], "give the server's command"),
        (["mcp", "add", "a b", "--", "cmd"], "cannot name a server"),
        (["mcp", "add", "x", "--env", "NOVALUE", "--", "cmd"], "--env takes KEY=VALUE"),
        (["mcp", "add", "x", "--url", "ftp://h"], "'mcp_servers.x.url' must start with http"),
    ],
)
def test_add_refuses_what_cannot_work(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(argv) in (1, 2)
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "config" / "config.toml").exists()


def test_import_reads_claude_desktop_cursor_and_oterm_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "claude_desktop_config.json"
    file.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "filesystem": {
                        "command": "npx",
                        "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
                        "env": {"DEBUG": "1"},
                    },
                    "remote": {"url": "https://example.com/mcp", "headers": {"X-Key": "k"}},
                    "old": {"type": "sse", "url": "https://example.com/sse"},
                    "nothing": {"args": []},
                    "off": {"command": "uvx", "args": ["thing"], "disabled": True},
                }
            }
        )
    )
    (tmp_path / "config").mkdir(mode=0o700)
    (tmp_path / "config" / "config.toml").write_text('[mcp_servers.off]\ncommand = "mine"\n')
    assert main(["mcp", "import", str(file)]) == 0
    out = capsys.readouterr().out
    assert "Imported filesystem, remote into" in out
    assert "Skipped old: SSE servers are not supported" in out
    assert "Skipped nothing: it has neither a command nor a url" in out
    assert "Skipped off: there is one of that name already" in out
    servers = config_of(tmp_path)["mcp_servers"]
    assert servers["filesystem"]["env"] == {"DEBUG": "1"}
    assert servers["remote"] == {"url": "https://example.com/mcp", "headers": {"X-Key": "k"}}
    assert servers["off"] == {"command": "mine"}

    file.write_text("{not json")
    assert main(["mcp", "import", str(file)]) == 1
    assert "is not JSON" in capsys.readouterr().err


def test_list_starts_each_server_and_says_how_it_stands(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir(mode=0o700)
    python = json.dumps(sys.executable)
    plain = json.dumps(str(MCP_SERVERS / "plain_server.py"))
    (config / "config.toml").write_text(
        f"[mcp_servers.sdk]\ncommand = {python}\n"
        f"args = [{json.dumps(str(MCP_SERVERS / 'sdk_server.py'))}]\n"
        'auto_approve = ["echo"]\n'
        f'[mcp_servers.broken]\ncommand = {python}\nargs = [{plain}, "fail-start"]\n'
        f"[mcp_servers.off]\ncommand = {python}\nargs = [{plain}]\nenabled = false\n"
        f'[mcp_servers.noisy]\ncommand = {python}\nargs = [{plain}, "noisy"]\n'
    )
    listed = run("mcp", "list")
    assert listed.returncode == 0, listed.stderr
    text = listed.stdout.decode()
    lines = text.splitlines()
    assert lines[0].startswith("sdk  stdio  connected, 7 tools")
    assert any(line.startswith("  sdk__echo (auto)  Say the text back.") for line in lines)
    assert "broken  stdio  failed: it exited as it started" in text
    assert "  last stderr: plain_server: ␛[31mcannot open /nowhere/db" in text  # inert
    assert "off  stdio  off (enabled = false)" in text
    assert "noisy  stdio  connected, 7 tools" in text
    # The servers' stderr went to their logs, and the SDK's own complaints (a line of
    # stdout that is not JSON) to no handler of ours: nothing reached the terminal.
    assert listed.stderr == b""

    as_json = run("mcp", "list", "--json")
    rows = json.loads(as_json.stdout)
    assert [(r["name"], r["state"]) for r in rows] == [
        ("sdk", "connected"),
        ("broken", "failed"),
        ("off", "off"),
        ("noisy", "connected"),
    ]
    assert rows[0]["tools"][0] == {
        "name": "echo",
        "wire_name": "sdk__echo",
        "description": "Say the text back.",
        "auto_approved": True,
    }
    assert rows[1]["reason"] == "it exited as it started"
    assert rows[1]["last_stderr"] == "plain_server: \x1b[31mcannot open /nowhere/db"
    assert rows[1]["log"] == str(config / "logs" / "mcp-broken.log")


def test_list_without_servers_says_how_to_add_one() -> None:
    listed = run("mcp", "list")
    assert listed.returncode == 0
    assert b"deepseek-tui mcp add NAME -- COMMAND" in listed.stdout
    assert run("mcp", "list", "--json").stdout == b"[]\n"
