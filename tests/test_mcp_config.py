"""[mcp_servers.NAME] in config.toml: read and checked like [providers.NAME] (one
sentence naming the file, the table and the key), kept by a save, changed by
`change_config` without losing the rest of the file."""

from __future__ import annotations

import tomllib

import pytest

from deepseek_tui.config import (
    ConfigError,
    Paths,
    Settings,
    allow_tool_always,
    load_settings,
    save_settings,
)

GOOD = """
tool_rounds = 3

[mcp_servers.files]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]
env = { LOG = "1" }
cwd = "/tmp"
enabled_tools = ["read_file"]
startup_timeout_sec = 20
auto_approve = ["read_file"]

[mcp_servers.search]
url = "https://example.com/mcp "
bearer_token_env_var = "SEARCH_TOKEN"
headers = { X-Team = "a" }
approve = "auto"
enabled = false
"""


def test_the_tables_are_read_with_their_defaults(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text(GOOD)
    settings = load_settings(paths)
    files, search = settings.mcp_server_list()
    assert (files.transport, files.command, files.args[-1], files.env) == (
        "stdio",
        "npx",
        "/tmp",
        (("LOG", "1"),),
    )
    assert (files.startup_timeout_sec, files.tool_timeout_sec, files.approve) == (20, 60, "ask")
    assert files.offers("read_file") and not files.offers("write_file")
    assert files.auto_approved("read_file") and not files.auto_approved("list")
    assert (search.transport, search.url, search.enabled) == (
        "http",
        "https://example.com/mcp",
        False,
    )
    assert search.auto_approved("anything")
    assert (settings.tool_rounds, settings.tool_output_limit_kb) == (3, 64)


def test_a_save_keeps_the_tables(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text(GOOD)
    settings = load_settings(paths)
    settings.theme = "nord"
    save_settings(paths, settings)
    again = load_settings(paths)
    assert again.mcp_servers == settings.mcp_servers
    assert again.mcp_server_list() == settings.mcp_server_list()


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('[mcp_servers.x]\nargs = ["a"]\n', "'mcp_servers.x' needs either command"),
        ('[mcp_servers.x]\ncommand = "a"\nurl = "http://h"\n', "not both"),
        ('[mcp_servers.x]\ncommand = "a"\ncomand = "b"\n', "x' has no setting 'comand'"),
        ('[mcp_servers.x]\ncommand = "a"\napprove = "yes"\n', "'mcp_servers.x.approve' must be"),
        ('[mcp_servers.x]\ncommand = "a"\nargs = "b"\n', "'mcp_servers.x.args' must be a list"),
        ('[mcp_servers.x]\ncommand = "a"\nenv = { A = 1 }\n', "x.env' must be a table"),
        ('[mcp_servers.x]\ncommand = "a"\nheaders = {}\n', "x.headers' does not apply"),
        ('[mcp_servers.x]\nurl = "ftp://h"\n', "'mcp_servers.x.url' must start with http"),
        ('[mcp_servers.x]\nurl = "http://h"\ncwd = "/"\n', "'mcp_servers.x.cwd' does not apply"),
        ('[mcp_servers.x]\ncommand = "a"\ntool_timeout_sec = 0\n', "x.tool_timeout_sec' must"),
        ('[mcp_servers.x]\ncommand = "a"\nenabled = "no"\n', "x.enabled' must be true"),
        ('[mcp_servers."a b"]\ncommand = "a"\n', "the MCP server name 'a b'"),
        ("mcp_servers = 3\n", "'mcp_servers' must be a table"),
        ("tool_rounds = 1.5\n", "'tool_rounds' must be a whole number"),
    ],
)
def test_a_wrong_table_is_one_sentence_naming_file_table_and_key(
    paths: Paths, table: str, words: str
) -> None:
    paths.ensure_dir()
    paths.config_file.write_text(table)
    with pytest.raises(ConfigError) as caught:
        load_settings(paths)
    message = str(caught.value)
    assert str(paths.config_file) in message and words in message
    assert "\n" not in message


def test_limits_below_one_are_problems() -> None:
    problems = Settings(tool_rounds=0, tool_output_limit_kb=0).validate()
    assert any(p.startswith("tool_rounds") for p in problems)
    assert any(p.startswith("tool_output_limit_kb") for p in problems)


def test_allow_always_adds_the_tool_and_keeps_the_rest(paths: Paths) -> None:
    paths.ensure_dir()
    paths.config_file.write_text(GOOD + '\n[providers.gw]\nbase_url = "http://gw"\nmodel = "m"\n')
    allow_tool_always(paths, "files", "list_dir")
    allow_tool_always(paths, "files", "list_dir")  # once is enough
    data = tomllib.loads(paths.config_file.read_text())
    assert data["mcp_servers"]["files"]["auto_approve"] == ["read_file", "list_dir"]
    assert data["providers"]["gw"]["model"] == "m" and data["tool_rounds"] == 3
    assert data["mcp_servers"]["search"]["headers"] == {"X-Team": "a"}
