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


def test_the_scripts_and_benchmarks_import() -> None:
    """The README's pictures and figures come from scripts/ and benchmarks/: a name
    moved in the package must not break them unseen (scripts/screenshots.py once
    imported a class from the module it had left). Each is loaded, not run."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    scripts = [root / "scripts" / "screenshots.py", *sorted((root / "benchmarks").glob("*.py"))]
    # As when run: the script's folder first on the path (a benchmark imports its sibling).
    load = (
        "import os, runpy, sys; sys.path.insert(0, os.path.dirname(sys.argv[1])); "
        "runpy.run_path(sys.argv[1], run_name='loaded')"
    )
    for script in scripts:
        done = subprocess.run(
            [sys.executable, "-c", load, str(script)], capture_output=True, text=True, timeout=120
        )
        if "No module named 'pyte'" in done.stderr or "needs pyte" in done.stderr:
            continue  # the [bench] extra is not installed: pyte's benchmarks cannot load
        assert done.returncode == 0, f"{script.name}: {done.stderr[-2000:]}"
