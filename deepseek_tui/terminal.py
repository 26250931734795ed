"""Text from outside (model output, server bodies, titles, files) made inert for a terminal."""

from __future__ import annotations

import re

# C0 controls (but tab and newline) and C1 controls become visible symbols, so an
# ANSI/OSC sequence or a stray backspace in a model's text is shown, never run.
_CONTROLS: dict[int, int | None] = {
    code: 0x2400 + code for code in range(32) if code not in (9, 10)
}
_CONTROLS[0x7F] = 0x2421  # DEL
_CONTROLS.update({code: 0xFFFD for code in range(0x80, 0xA0)})
_CONTROLS[13] = None  # a bare carriage return: drop it (CRLF line ends)
_HAS_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitize(text: str) -> str:
    """Make control characters visible so ANSI/OSC sequences are shown, not run."""
    if _HAS_CONTROL.search(text) is None:
        return text
    return text.translate(_CONTROLS)
