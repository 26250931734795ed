"""What every wire client offers (`ChatClient`), and the one factory that picks the
client for a provider: DeepSeek's (and compatible gateways') or Segmind's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from deepseek_tui.api.events import Reply, StreamEvent
from deepseek_tui.api.request import ChatRequest

if TYPE_CHECKING:
    from deepseek_tui.api.client import BalanceReport
    from deepseek_tui.config import Settings


# Said once when tools are configured but the provider cannot take them.
TOOLS_OFF = "Tools are off with Segmind: it does not forward them to the model."


class ChatClient(Protocol):
    """The surface the session, `ask` and the TUI use. Errors are `ApiError`s."""

    base_url: str
    api_key: str | None  # masked out of the server's error messages
    # What the provider last said is left on the account, as it said it (Segmind's
    # `x-remaining-credits` with each answer); None when it does not say (DeepSeek).
    remaining_credits: str | None
    # Whether `ChatRequest.tools` reach the model: DeepSeek and OpenAI-compatible
    # gateways yes; Segmind does not forward them (its client drops them, and the
    # session says `TOOLS_OFF` once).
    supports_tools: bool

    def stream_chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """One answer as events, ending with `Usage` (if sent) and `Finished`."""
        ...

    async def complete(self, request: ChatRequest) -> Reply:
        """One whole answer, not streamed."""
        ...

    async def list_models(self) -> list[str]:
        """The model ids this provider serves."""
        ...

    async def balance(self) -> BalanceReport | None:
        """What is left on the account; None when the provider has no such call
        (Segmind: its credits come with each answer, `remaining_credits`)."""
        ...

    async def aclose(self) -> None:
        """Close the connection pool."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def client_for(
    settings: Settings,
    base_url: str,
    api_key: str | None,
    provider: str = "deepseek",
    *,
    first_data_timeout: float | None = None,
    max_attempts: int | None = None,
    api: str = "v2",
) -> ChatClient:
    """A client for `provider` with the settings' time limits and retries;
    `first_data_timeout` and `max_attempts` override the settings' (a key test wants
    an answer soon and once). `api` is Segmind's: "v1" (synchronous) or "v2"."""
    connect = settings.connect_timeout
    first_data = settings.first_data_timeout if first_data_timeout is None else first_data_timeout
    attempts = settings.max_attempts if max_attempts is None else max_attempts
    # The profile's kind picks the wire; an unknown name raises `UnknownProvider`.
    profile = settings.profile(provider)
    kind = profile.kind
    api = profile.api or api  # `[providers.segmind] api = "v1"` in config.toml
    # Imported here: the clients pull in httpx, which the TUI's first paint need not wait for.
    if kind == "segmind":
        from deepseek_tui.api.segmind import SegmindClient

        return SegmindClient(
            base_url,
            api_key,
            api=api,
            connect_timeout=connect,
            write_timeout=settings.write_timeout,
            headers_timeout=settings.headers_timeout,
            first_data_timeout=first_data,
            max_attempts=attempts,
        )
    from deepseek_tui.api.client import DeepSeekClient

    return DeepSeekClient(
        base_url,
        api_key,
        connect_timeout=connect,
        write_timeout=settings.write_timeout,
        headers_timeout=settings.headers_timeout,
        first_data_timeout=first_data,
        stall_timeout=settings.stall_timeout,
        max_attempts=attempts,
        provider=provider,
    )
