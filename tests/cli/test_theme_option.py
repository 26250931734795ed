"""`--theme NAME`: an unknown name is a usage error that lists the themes."""

from __future__ import annotations

import pytest

from deepseek_tui.cli import main
from deepseek_tui.config import Paths


def test_an_unknown_theme_is_refused_with_the_names(
    paths: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    paths.themes_dir.mkdir(parents=True)
    (paths.themes_dir / "mine.toml").write_text('name = "mine"\nprimary = "#336699"\n')
    status = main(["--config-dir", str(paths.dir), "--theme", "nope"])
    err = capsys.readouterr().err
    assert status == 2
    assert "unknown theme 'nope'" in err
    for name in ("deepseek-dark", "deepseek-light", "deepseek-high-contrast", "nord", "mine"):
        assert name in err
