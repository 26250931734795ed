"""What we know of a model from its id: whether it thinks, how to ask it to, and
which of the API's parameters it takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from deepseek_tui.config import REASONING_EFFORTS

__all__ = ["BUILTIN_MODELS", "REASONING_EFFORTS", "ModelTraits", "merge_model_ids", "model_traits"]

BUILTIN_MODELS = ("deepseek-chat", "deepseek-reasoner")

ThinkingMode = Literal["never", "always", "toggle"]


@dataclass(frozen=True, slots=True)
class ModelTraits:
    """`thinking`: never (plain chat), always (a reasoner), toggle (takes the
    `thinking` request field). `default_thinking` applies to toggle models.
    `max_tokens`: the highest `max_tokens` the model takes, None when unknown (a
    gateway's id). `json_output`: takes `response_format` json_object (the R1-era
    reasoner answers 400 "does not support Json Output"). `effort`: takes
    `reasoning_effort` while it thinks. `pass_back_reasoning`: a tool-call turn's
    `reasoning_content` goes back in later requests (`build_messages`): V3.2 and V4
    refuse thinking requests without it; R1 refused the field (and made no tool
    calls), and a model that never thinks has none to send."""

    thinking: ThinkingMode
    default_thinking: bool = False
    max_tokens: int | None = None
    json_output: bool = True
    effort: bool = False
    pass_back_reasoning: bool = False

    def thinks(self, requested: bool | None) -> bool:
        """Whether a request with this thinking setting makes the model think."""
        if self.thinking == "toggle":
            return self.default_thinking if requested is None else requested
        return self.thinking == "always"


def model_traits(model: str) -> ModelTraits:
    """Traits by id. Ids are data (they change with releases), so this only recognises families;
    an unknown id is treated as plain chat and nothing model-specific is sent."""
    name = model.lower().rsplit("/", 1)[-1]
    r1 = "-r1" in name or name.startswith("r1")
    if "reasoner" in name or r1 or "thinking" in name:
        limit = 65536 if name == "deepseek-reasoner" else None
        # `deepseek-reasoner` was R1, then V3.1/V3.2 thinking (which calls tools and
        # needs its reasoning back); R1 never called tools, so passing back is right
        # for the alias whichever model serves it. Only an id that says R1 does not.
        return ModelTraits(
            "always", max_tokens=limit, json_output=False, pass_back_reasoning=not r1
        )
    if name.startswith(("deepseek-v4", "deepseek-flash", "deepseek-pro")):
        limit = 384_000 if name.startswith("deepseek-v4") else None
        return ModelTraits(
            "toggle", default_thinking=True, max_tokens=limit, effort=True, pass_back_reasoning=True
        )
    if name.startswith(("deepseek-v3.1", "deepseek-v3.2", "deepseek-v3p1", "deepseek-v3p2")):
        return ModelTraits("toggle", default_thinking=False, pass_back_reasoning=True)
    return ModelTraits("never", max_tokens=8192 if name == "deepseek-chat" else None)


def merge_model_ids(*groups: list[str] | tuple[str, ...]) -> list[str]:
    """Model ids from several sources, first appearance kept, no duplicates."""
    seen: dict[str, None] = {}
    for group in groups:
        for model in group:
            model = model.strip()
            if model:
                seen.setdefault(model, None)
    return list(seen)


def context_window(model: str) -> int | None:
    """The model's context window in tokens, by family; None when unknown (a gateway's
    id: its profile may say, `[providers.NAME] context_window`). DeepSeek's own 400
    says "maximum context length is 131072 tokens" for the 128K models; V4 has 1M."""
    name = model.lower().rsplit("/", 1)[-1]
    if name in ("deepseek-chat", "deepseek-reasoner") or name.startswith(
        ("deepseek-v3.1", "deepseek-v3.2")
    ):
        return 131_072
    if name.startswith(("deepseek-v4", "deepseek-flash")):
        return 1_048_576
    return None
