"""docs/architecture.md stays true to the tree: every module its listing names exists
where the listing puts it, every module of the package is listed, and every file the
page names anywhere exists.

The listing is the first code block of the page: one line per file or folder, its
name first, indented two spaces under its folder, then what it is for. A line indented
further (a description going on) or starting with something else than a file or
folder name (a note in brackets) is prose. An empty `__init__.py` only marks a
package and need not be listed.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "architecture.md"
PACKAGE = "deepseek_tui"

# A name in the listing's first column: `app.py`, `tui/`, `.ci/run`, `__init__.py`.
NAME = re.compile(r"[\w.][\w.-]*(/[\w.-]+)*/?")
# A file named in the page's text: `tui/balance.py`, chat.tcss, tests/helpers.py.
NAMED_FILE = re.compile(r"(?<![\w./-])[\w./-]*\w\.(?:py|tcss)\b")


def listing() -> list[str]:
    """The lines of the page's first code block (the tree)."""
    text = PAGE.read_text(encoding="utf-8")
    block = re.search(r"^```\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert block, "docs/architecture.md has no code block with the tree"
    return block.group(1).splitlines()


def listed() -> dict[str, int]:
    """Each path the listing names, relative to the repository, with its line number
    in the block; folders end with `/`."""
    found: dict[str, int] = {}
    folders: list[tuple[int, str]] = []  # (indent, path) of the folders open above
    for number, line in enumerate(listing(), start=1):
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        name = line.split()[0]
        deepest = folders[-1][0] if folders else -2
        if indent > deepest + 2 or not NAME.fullmatch(name) or not {".", "/"} & set(name):
            continue  # a description's next line (indented to its column) or a note
        while folders and folders[-1][0] >= indent:
            folders.pop()
        path = (folders[-1][1] if folders else "") + name
        found[path] = number
        if name.endswith("/"):
            folders.append((indent, path))
    return found


def package_modules() -> set[str]:
    """Every module and stylesheet of the package (an empty `__init__.py` aside)."""
    modules = set()
    for path in (ROOT / PACKAGE).rglob("*"):
        if path.suffix not in (".py", ".tcss") or "__pycache__" in path.parts:
            continue
        if path.name == "__init__.py" and not path.read_text(encoding="utf-8").strip():
            continue
        modules.add(path.relative_to(ROOT).as_posix())
    return modules


def test_every_file_and_folder_in_the_listing_exists() -> None:
    missing = [
        f"line {number}: {path}"
        for path, number in listed().items()
        if not (ROOT / path).exists() or (path.endswith("/") and not (ROOT / path).is_dir())
    ]
    assert missing == [], "docs/architecture.md lists what is not there"


def test_every_module_of_the_package_is_in_the_listing() -> None:
    names = listed()
    unlisted = sorted(path for path in package_modules() if path not in names)
    assert unlisted == [], "docs/architecture.md's listing leaves these out"


def test_every_file_the_page_names_exists() -> None:
    """In the text too: `tui/balance.py`, `screens/help.py`, `chat.tcss` must each be
    the end of the path of a file of the project (its folders as far as they go)."""
    files = [
        "/" + path.relative_to(ROOT).as_posix()
        for folder in (PACKAGE, "tests", "benchmarks", "scripts")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in (".py", ".tcss") and "__pycache__" not in path.parts
    ]
    text = PAGE.read_text(encoding="utf-8")
    missing = {
        name
        for name in NAMED_FILE.findall(text)
        if not any(path.endswith("/" + name) for path in files)
    }
    assert sorted(missing) == [], "docs/architecture.md names files that do not exist"
