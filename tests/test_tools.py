"""The tools layer against real MCP servers the tests start (tests/mcp_servers/): one
written with the SDK's MCPServer (stdio and streamable HTTP), one a plain JSON-RPC
script that knows only the 2025 handshake, and the ways a server goes wrong (fails to
start, hangs at start, hangs in a call, dies mid-call, floods stderr). One ToolBox for
the module: the servers start once."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from deepseek_tui.config import McpServer, Paths, Settings, load_settings
from deepseek_tui.tools import ToolBox
from deepseek_tui.tools.stderr_log import LOG_LIMIT
from tests.helpers import MCP_SERVERS as SERVERS
from tests.helpers import wait_process_gone as wait_gone

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEADLINE = 20.0
VALID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def server(script: str, *args: str, **keys: object) -> dict[str, object]:
    return {"command": sys.executable, "args": [str(SERVERS / script), *args], **keys}


@pytest.fixture(scope="module")
def http_url() -> Iterator[str]:
    """The SDK's server over streamable HTTP on 127.0.0.1 (it prints its port)."""
    process = subprocess.Popen(
        [sys.executable, str(SERVERS / "sdk_server.py"), "--http"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        port = process.stdout.readline().strip()  # type: ignore[union-attr]
        assert port.isdigit(), "the HTTP test server did not start"
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    paths = Paths.resolve(tmp_path_factory.mktemp("config"))
    paths.ensure_dir()
    return paths


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def box(paths: Paths, http_url: str) -> AsyncIterator[ToolBox]:
    tables = {
        "sdk": server("sdk_server.py", tool_timeout_sec=1.5, auto_approve=["echo"]),
        "plain": server("plain_server.py", tool_timeout_sec=1.5),
        "web": {"url": http_url, "approve": "auto"},
        "dying": server("plain_server.py"),
        "broken": server("plain_server.py", "fail-start"),
        "stuck": server("plain_server.py", "hang-start", startup_timeout_sec=1.5),
        "flood": server("plain_server.py", "flood", enabled_tools=["echo"]),
        "tokenless": {"url": http_url, "bearer_token_env_var": "DEEPSEEK_TUI_NO_SUCH_TOKEN"},
        "off": server("plain_server.py", enabled=False),
    }
    paths.config_file.write_text("")
    settings = Settings(mcp_servers=tables)
    from deepseek_tui.config import save_settings

    save_settings(paths, settings)
    toolbox = ToolBox.from_settings(load_settings(paths), paths)
    assert toolbox is not None
    await toolbox.start()
    yield toolbox
    await toolbox.aclose()


async def test_servers_start_and_say_how_they_stand(box: ToolBox) -> None:
    states = {s.name: s for s in box.servers()}
    assert list(states) == [
        "sdk",
        "plain",
        "web",
        "dying",
        "broken",
        "stuck",
        "flood",
        "tokenless",
    ]
    for name in ("sdk", "plain", "web", "dying", "flood"):
        assert states[name].state == "connected", (name, states[name].reason)
    assert (states["sdk"].transport, states["web"].transport) == ("stdio", "http")
    assert {t.tool for t in states["sdk"].tools} >= {"echo", "add", "slow", "picture"}
    assert [t.tool for t in states["flood"].tools] == ["echo"]  # enabled_tools
    broken, stuck = states["broken"], states["stuck"]
    assert (broken.state, broken.reason) == ("failed", "it exited as it started")
    assert "cannot open /nowhere/db" in broken.last_stderr
    assert (stuck.state, stuck.reason) == ("failed", "it did not start within 1.5 s")
    assert stuck.last_stderr == "plain_server: waiting for something"
    tokenless = states["tokenless"]
    assert (tokenless.state, tokenless.transport) == ("failed", "http")
    assert tokenless.reason == "$DEEPSEEK_TUI_NO_SUCH_TOKEN (its bearer token) is not set"


async def test_problems_are_one_inert_sentence_per_failed_server(box: ToolBox) -> None:
    problems = box.problems()
    assert len(problems) == 3
    assert problems[0].startswith("MCP server broken is off: it exited as it started.")
    assert "cannot open /nowhere/db" in problems[0]
    assert not any("\x1b" in p or "\n" in p for p in problems)


async def test_specs_are_valid_mapped_and_the_same_bytes_every_time(box: ToolBox) -> None:
    specs = box.specs()
    names = [spec["function"]["name"] for spec in specs]
    assert all(VALID.fullmatch(name) for name in names) and len(set(names)) == len(names)
    assert names[:2] == ["sdk__echo", "sdk__add"]
    assert json.dumps(specs) == json.dumps(box.specs())
    assert specs[0] == {
        "type": "function",
        "function": {
            "name": "sdk__echo",
            "description": "Say the text back.",
            "parameters": specs[0]["function"]["parameters"],
        },
    }
    assert specs[0]["function"]["parameters"]["type"] == "object"
    odd = box.find("plain__dotted_name_with_spaces")
    assert odd is not None and (odd.server, odd.tool) == ("plain", "dotted.name with spaces")
    assert box.find("sdk__echo").auto_approved  # type: ignore[union-attr]
    assert not box.find("sdk__add").auto_approved  # type: ignore[union-attr]
    assert box.find("web__add").auto_approved  # type: ignore[union-attr]
    assert box.find("nobody__nothing") is None
    assert (box.output_limit_kb, box.rounds) == (64, 8)


async def test_calls_over_stdio_and_http(box: ToolBox) -> None:
    echoed = await box.call("sdk__echo", {"text": "hi"})
    assert (echoed.text, echoed.is_error, echoed.reason) == ("hi", False, None)
    assert (await box.call("web__add", {"a": 2, "b": 3})).text == "5"
    assert (await box.call("plain__echo", {"text": "2025"})).text == "2025"
    picture = await box.call("sdk__picture", {})
    assert picture.text == "a picture:\n[image: 2 KB png]"
    failed = await box.call("sdk__fail", {})
    assert failed.is_error and failed.reason is None  # the tool answered: an error result
    unknown = await box.call("sdk__nothing", {})
    assert unknown.is_error and unknown.reason == "no such tool"
    listed = await box.call("sdk__echo", ["not", "an", "object"])  # type: ignore[arg-type]
    assert listed.is_error and listed.reason == "the arguments are not a JSON object"


async def test_a_call_past_its_time_limit_is_an_outcome_and_the_server_goes_on(
    box: ToolBox,
) -> None:
    for name, arguments in (("sdk__slow", {"seconds": 60}), ("plain__hang", {})):
        outcome = await box.call(name, arguments)
        assert outcome.is_error and outcome.reason == "no answer within 1.5 s"
        assert outcome.text == "The tool did not answer within 1.5 s; the call was dropped."
    assert (await box.call("plain__echo", {"text": "still here"})).text == "still here"


async def test_cancelling_a_call_propagates_and_the_server_goes_on(box: ToolBox) -> None:
    call = asyncio.create_task(box.call("plain__hang", {}))
    await asyncio.sleep(0)  # let it start: cancelled before its first step, it never runs
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert (await box.call("plain__echo", {"text": "after"})).text == "after"


async def test_a_server_that_dies_mid_call_is_an_outcome_with_its_last_words(
    box: ToolBox,
) -> None:
    outcome = await box.call("dying__die", {})
    assert outcome.is_error and outcome.reason == "it stopped (the connection closed)"
    assert "plain_server: dying mid-call" in outcome.text
    state = {s.name: s for s in box.servers()}["dying"]
    assert state.state == "failed"
    after = await box.call("dying__echo", {"text": "x"})
    assert after.is_error and "is not running" in after.text


async def test_a_flooding_server_log_is_bounded(box: ToolBox, paths: Paths) -> None:
    flood = {s.name: s for s in box.servers()}["flood"]
    assert flood.last_stderr == "flood: done"
    assert flood.log is not None and flood.log.parent == paths.dir / "logs"
    deadline = time.monotonic() + DEADLINE
    while flood.log.stat().st_size < LOG_LIMIT:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    assert flood.log.stat().st_size < LOG_LIMIT + 200


async def test_allow_always_saves_the_tool_and_approves_it(box: ToolBox, paths: Paths) -> None:
    said = box.allow_always("sdk__add")
    assert said.startswith("add (sdk) will run without asking") and str(paths.config_file) in said
    assert box.find("sdk__add").auto_approved  # type: ignore[union-attr]
    table = load_settings(paths).mcp_servers["sdk"]
    assert table["auto_approve"] == ["echo", "add"]
    assert load_settings(paths).mcp_servers["web"]["approve"] == "auto"  # the rest kept
    # Asked again (the tools panel's a): taken out, the file and the box agree.
    said = box.ask_again("sdk__add")
    assert said.startswith("add (sdk) will ask before each call")
    assert not box.find("sdk__add").auto_approved  # type: ignore[union-attr]
    assert load_settings(paths).mcp_servers["sdk"]["auto_approve"] == ["echo"]


async def test_aclose_stops_every_server_process(paths: Paths) -> None:
    settings = Settings(mcp_servers={"one": server("plain_server.py")})
    toolbox = ToolBox.from_settings(settings, paths)
    assert toolbox is not None
    await toolbox.start()
    pid = int((await toolbox.call("one__pid", {})).text)
    await toolbox.aclose()
    wait_gone(pid)


async def test_restart_and_reload_start_stop_and_start_again(paths: Paths) -> None:
    """The tools panel's r and ctrl+r on real servers: a restarted server is a new
    process; a reload starts the added, stops the removed, restarts the changed."""
    toolbox = ToolBox(
        [McpServer.from_table(n, server("plain_server.py")) for n in ("one", "two")], paths
    )
    await toolbox.start()
    try:
        first = int((await toolbox.call("one__pid", {})).text)
        two = int((await toolbox.call("two__pid", {})).text)
        said = await toolbox.restart("one")
        assert said.startswith("one is connected: ") and said.endswith(" tools.")
        again = int((await toolbox.call("one__pid", {})).text)
        assert again != first
        wait_gone(first)

        changed = server("plain_server.py", tool_timeout_sec=5)
        settings = Settings(mcp_servers={"one": changed, "three": server("plain_server.py")})
        said = await toolbox.reload(settings)
        assert said == "Reloaded config.toml: 1 added, 1 removed, 1 restarted."
        assert {s.name: s.state for s in toolbox.servers()} == {
            "one": "connected",
            "three": "connected",
        }
        wait_gone(two)
        wait_gone(again)  # "one" changed: started again
        assert await toolbox.reload(settings) == "Nothing changed in config.toml's servers."
    finally:
        await toolbox.aclose()


async def test_the_demo_server_answers_its_tools(paths: Paths) -> None:
    assert ToolBox.from_settings(Settings(), paths) is None
    settings = Settings()
    toolbox = ToolBox.from_settings(settings, paths, demo=True)
    assert settings.mcp_servers == {}  # a save in the demo does not write it
    assert toolbox is not None
    await toolbox.start()
    try:
        assert [t.wire_name for t in toolbox.servers()[0].tools] == [
            "demo__current_time",
            "demo__roll_dice",
            "demo__word_count",
        ]
        assert all(t.auto_approved for t in toolbox.servers()[0].tools)
        assert "UTC" in (await toolbox.call("demo__current_time", {})).text
        rolled = await toolbox.call("demo__roll_dice", {"count": 2, "sides": 6})
        assert rolled.text.startswith("Rolled 2d6: ")
        counted = await toolbox.call("demo__word_count", {"text": "one two\nthree"})
        assert counted.text == "3 words, 2 lines, 13 characters."
        wrong = await toolbox.call("demo__roll_dice", {"count": 0})
        assert wrong.is_error and "count must be" in wrong.text
    finally:
        await toolbox.aclose()
