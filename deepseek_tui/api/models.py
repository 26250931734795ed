"""What we know of a model from its id: whether it thinks, and how to ask it to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BUILTIN_MODELS = ("deepseek-chat", "deepseek-reasoner")

ThinkingMode = Literal["never", "always", "toggle"]


@dataclass(frozen=True, slots=True)
class ModelTraits:
    """`thinking`: never (plain chat), always (a reasoner), toggle (takes the
    `thinking` request field). `default_thinking` applies to toggle models."""

    thinking: ThinkingMode
    default_thinking: bool = False

    def thinks(self, requested: bool | None) -> bool:
        """Whether a request with this thinking setting makes the model think."""
        if self.thinking == "toggle":
            return self.default_thinking if requested is None else requested
        return self.thinking == "always"


def model_traits(model: str) -> ModelTraits:
    """Traits by id. Ids are data (they change with releases), so this only recognises families;
    an unknown id is treated as plain chat and nothing model-specific is sent."""
    name = model.lower().rsplit("/", 1)[-1]
    if "reasoner" in name or "-r1" in name or name.startswith("r1") or "thinking" in name:
        return ModelTraits("always")
    if name.startswith(("deepseek-v4", "deepseek-flash", "deepseek-pro")):
        return ModelTraits("toggle", default_thinking=True)
    if name.startswith(("deepseek-v3.1", "deepseek-v3.2", "deepseek-v3p1", "deepseek-v3p2")):
        return ModelTraits("toggle", default_thinking=False)
    return ModelTraits("never")


def merge_model_ids(*groups: list[str] | tuple[str, ...]) -> list[str]:
    """Model ids from several sources, first appearance kept, no duplicates."""
    seen: dict[str, None] = {}
    for group in groups:
        for model in group:
            model = model.strip()
            if model:
                seen.setdefault(model, None)
    return list(seen)
