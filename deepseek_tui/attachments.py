"""Files attached to a message: read and checked (text only, a size limit, UTF-8 or
said otherwise), kept as the text actually sent, and written into the question as
fenced blocks named after the file."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath

from deepseek_tui.markdown import fence_for
from deepseek_tui.terminal import sanitize

DEFAULT_LIMIT_KB = 200
# How much of a file is looked at for a NUL byte (as git and grep do).
_SNIFF = 8000

# Fence languages by extension; anything else gets none (shown as plain text).
_LANGUAGES = {
    "py": "python", "pyi": "python", "js": "javascript", "mjs": "javascript",
    "cjs": "javascript", "ts": "typescript", "tsx": "tsx", "jsx": "jsx", "rs": "rust",
    "go": "go", "c": "c", "h": "c", "cc": "cpp", "cpp": "cpp", "cxx": "cpp", "hpp": "cpp",
    "java": "java", "kt": "kotlin", "swift": "swift", "rb": "ruby", "php": "php",
    "cs": "csharp", "sh": "bash", "bash": "bash", "zsh": "zsh", "fish": "fish",
    "ps1": "powershell", "sql": "sql", "html": "html", "htm": "html", "css": "css",
    "scss": "scss", "json": "json", "jsonl": "json", "toml": "toml", "yaml": "yaml",
    "yml": "yaml", "xml": "xml", "md": "markdown", "markdown": "markdown", "rst": "rst",
    "tex": "latex", "r": "r", "lua": "lua", "pl": "perl", "hs": "haskell", "ex": "elixir",
    "exs": "elixir", "erl": "erlang", "clj": "clojure", "scala": "scala", "dart": "dart",
    "zig": "zig", "nim": "nim", "vue": "vue", "svelte": "svelte", "ini": "ini", "cfg": "ini",
    "diff": "diff", "patch": "diff", "csv": "csv", "txt": "text", "log": "text",
    "dockerfile": "dockerfile", "makefile": "makefile", "tcss": "css",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file as it was attached: its name (as shown and sent, no folders), its size
    in bytes on disk, the SHA-256 of those bytes, and the text sent."""

    name: str
    size: int
    sha256: str
    text: str

    @property
    def language(self) -> str:
        return language_for(self.name)

    @property
    def label(self) -> str:
        """E.g. `📎 notes.py · 12 KB` (the name as it is: the caller makes it safe)."""
        return f"📎 {self.name} · {format_size(self.size)}"


@dataclass(frozen=True, slots=True)
class Read:
    """An attachment read from disk, with what the user should be told about it:
    `note` is a sentence when the text was changed on the way (not UTF-8)."""

    attachment: Attachment
    note: str = ""


class AttachError(Exception):
    """A file that cannot be attached; `str()` is one sentence saying why."""


class TooLarge(AttachError):
    """Larger than the limit: it may still be attached when the user confirms."""

    def __init__(self, path: Path, size: int | None, limit_kb: int, how: str) -> None:
        # `size` is what stat says; None when stat says less than was read (/proc).
        size_is = f"is {format_size(size)}, over" if size is not None else "is over"
        super().__init__(f"{_shown(path)} {size_is} the {limit_kb} KB limit for attachments; {how}")
        self.size = size


def _shown(path: Path) -> str:
    """A file's name in a sentence: one line, inert (it may hold escapes or newlines)."""
    return sanitize(path.name or str(path), name=True)


def read_attachment(
    path: str | Path,
    *,
    limit_kb: int = DEFAULT_LIMIT_KB,
    allow_large: bool = False,
    how_to_allow: str = "confirm to attach it anyway.",
) -> Read:
    """Read `path` as an attachment. Raises `AttachError` with a sentence for a file
    that is missing, not a file, binary (a NUL byte), or — unless `allow_large` —
    larger than `limit_kb` (`TooLarge`, ending with `how_to_allow`). Text that is not
    UTF-8 is decoded with U+FFFD for what cannot be read, and `Read.note` says so."""
    path = Path(path)
    name = _shown(path)
    try:
        # O_NONBLOCK: a FIFO is refused below instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise AttachError(_open_problem(name, error)) from None
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            os.close(fd)
            what = "a folder" if stat.S_ISDIR(found.st_mode) else "not a regular file"
            raise AttachError(f"{name} is {what}; only files can be attached.")
        with os.fdopen(fd, "rb") as file:
            limit = limit_kb * 1024
            if found.st_size > limit and not allow_large:
                raise TooLarge(path, found.st_size, limit_kb, how_to_allow)
            # The first bytes first: a binary (a 2 GB sparse file) is refused before
            # it is read on. The limit counts what is read, not what stat says (a
            # /proc file is 0 bytes to stat).
            first = file.read(_SNIFF)
            if b"\0" in first:
                raise AttachError(_binary(name))
            rest = file.read() if allow_large else file.read(max(limit + 1 - len(first), 0))
            if len(first) + len(rest) > limit and not allow_large:
                raise TooLarge(path, None, limit_kb, how_to_allow)
            raw = first + rest
    except OSError as error:
        raise AttachError(f"{name} cannot be read: {error.strerror or error}.") from None
    return attachment_from_bytes(path.name or str(path), raw)


def _open_problem(name: str, error: OSError) -> str:
    if error.errno == errno.ENOENT:
        return f"{name} does not exist."
    if error.errno == errno.ELOOP:
        return f"{name} is a symlink loop; only files can be attached."
    if error.errno == errno.EISDIR:
        return f"{name} is a folder; only files can be attached."
    return f"{name} cannot be read: {error.strerror or error}."


def _binary(name: str) -> str:
    return f"{name} looks binary (a NUL byte); only text files can be attached."


def looks_binary(path: Path) -> bool:
    """Whether `read_attachment` would refuse the file as binary (a NUL byte in its
    first bytes); a file that cannot be read is left for it to say why."""
    try:
        with path.open("rb") as file:
            return b"\0" in file.read(_SNIFF)
    except OSError:
        return False


def attachment_from_bytes(name: str, raw: bytes) -> Read:
    """The attachment `raw` makes under `name`; `AttachError` for binary content."""
    if b"\0" in raw[:_SNIFF]:
        raise AttachError(_binary(sanitize(name, name=True)))
    note = ""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        note = f"{name} is not UTF-8: what could not be read was replaced by �."
    digest = hashlib.sha256(raw).hexdigest()
    return Read(Attachment(name, len(raw), digest, text), note)


def language_for(name: str) -> str:
    """The fence language for a file name, from its extension ("" when unknown)."""
    pure = PurePath(name)
    lowered = pure.name.lower()
    if lowered in ("dockerfile", "makefile"):
        return lowered
    return _LANGUAGES.get(pure.suffix.lower().lstrip("."), "")


# The gauge builds the next request each time the draft changes: a file's block is
# made once (finding its fence reads every line), not at every keystroke's pause.
@lru_cache(maxsize=8)
def fenced(attachment: Attachment) -> str:
    """The attachment as a fenced block headed by its name; the fence is longer than
    any run of backticks in the text that could close it."""
    text = attachment.text if attachment.text.endswith("\n") else attachment.text + "\n"
    fence = fence_for(attachment.text)
    info = attachment.language
    return f"{attachment.name}\n{fence}{info}\n{text}{fence}"


def message_text(text: str, attachments: Sequence[Attachment]) -> str:
    """What a question with attachments sends: its text, then each file's block."""
    if not attachments:
        return text
    blocks = "\n\n".join(fenced(attachment) for attachment in attachments)
    return f"{text.rstrip()}\n\n{blocks}" if text.strip() else blocks


def total_size(attachments: Iterable[Attachment]) -> int:
    return sum(attachment.size for attachment in attachments)


def format_size(size: int) -> str:
    """Bytes for people: `812 B`, `12 KB`, `1.4 MB`."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"
