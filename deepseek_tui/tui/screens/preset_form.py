"""The preset editor's form without its widgets: what its fields hold (`PresetForm`),
`read_preset_form` turning them into the [presets.NAME] tables or the one sentence
that says why not, and the line under Settings' Presets button (`preset_summary`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deepseek_tui.config import BUILTIN_PRESETS, Settings, preset_name_problem
from deepseek_tui.tui.screens.settings_form import FIELD_PROBLEMS


@dataclass(frozen=True)
class PresetForm:
    """What the preset editor's fields hold, as typed. `editing`: the name of the
    preset being edited, None for a new one."""

    editing: str | None
    name: str
    description: str = ""
    system_prompt: str = ""
    model: str = ""  # "" = the default model
    temperature: str = ""  # "" = the settings' (or the server's) default


def read_preset_form(
    settings: Settings, form: PresetForm
) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The [presets.NAME] tables with the edited one saved (in its place; a renamed one
    keeps its place too), or the one sentence that says why not. What the editor does
    not show (thinking, stop…) stays as the preset had it."""
    name = form.name.strip()
    taken = [other for other in settings.preset_names() if other != form.editing]
    problem = preset_name_problem(name, taken)
    if problem:
        return settings.presets, problem
    table: dict[str, Any] = {}
    if form.editing is not None:
        table = {
            key: list(value) if isinstance(value, list) else value
            for key, value in settings.preset(form.editing).items()
        }
    for key in ("description", "system_prompt", "model"):
        value = getattr(form, key).strip() if key != "system_prompt" else getattr(form, key)
        if value.strip():
            table[key] = value
        else:
            table.pop(key, None)
    text = form.temperature.strip()
    if text:
        try:
            table["temperature"] = float(text)
        except ValueError:
            return settings.presets, FIELD_PROBLEMS["temperature"]
    else:
        table.pop("temperature", None)
    problems = Settings().with_preset(name, table).problems()
    if any(setting == "temperature" for setting, _ in problems):
        return settings.presets, FIELD_PROBLEMS["temperature"]
    if problems:
        return settings.presets, problems[0][1]
    presets: dict[str, dict[str, Any]] = {}
    placed = False
    for other, other_table in settings.presets.items():
        if other == form.editing:
            presets[name] = table
            placed = True
        elif other != name:
            presets[other] = other_table
    if not placed:
        presets[name] = table  # new, or a built-in one saved for the first time
    return presets, None


def preset_summary(settings: Settings) -> str:
    """The line under the Presets button: how many there are, which are your own."""
    own = [name for name in settings.presets if name not in BUILTIN_PRESETS]
    changed = [name for name in settings.presets if name in BUILTIN_PRESETS]
    parts = [f"{len(BUILTIN_PRESETS)} built in"]
    if changed:
        parts[0] += f" ({', '.join(changed)} changed)"
    if own:
        parts.append(f"yours: {', '.join(own)}")
    return "^n starts a conversation from one. " + "; ".join(parts) + "."
