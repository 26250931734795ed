"""The README shows every screenshot the script makes, and nothing that is not there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_shows_every_screenshot() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = set(re.findall(r"!\[[^\]]*\]\((screenshots/[^)]+\.svg)\)", readme))
    made = {f"screenshots/{path.name}" for path in (ROOT / "screenshots").glob("*.svg")}
    assert len(made) >= 8
    assert shown == made
