"""The wheel lists its packages by hand (pyproject's `[tool.setuptools] packages`):
a new package folder that is not listed would be missing from the installed app."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def listed() -> tuple[list[str], dict[str, str]]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        setuptools = tomllib.load(file)["tool"]["setuptools"]
    return setuptools["packages"], setuptools.get("package-dir", {})


def test_every_package_folder_is_listed() -> None:
    packages, _ = listed()
    folders = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "deepseek_tui").rglob("__init__.py")
    }
    assert folders - set(packages) == set()


def test_every_listed_package_has_a_folder() -> None:
    packages, package_dir = listed()
    for package in packages:
        folder = ROOT / package_dir.get(package, package.replace(".", "/"))
        assert folder.is_dir(), f"{package} is listed but {folder} does not exist"
