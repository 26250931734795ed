"""The config directory and its files: where it is, reading TOML, writing files so a
crash leaves the old or the new one, permissions, leftovers of interrupted saves."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "deepseek-tui"
ENV_CONFIG_DIR = "DEEPSEEK_TUI_CONFIG_DIR"


class ConfigError(Exception):
    """A settings or credentials file that exists but cannot be used as it is.

    ``str()`` is one sentence meant for the user: it names the file and what to fix.
    """

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Paths:
    """The config directory and the files inside it."""

    dir: Path

    @property
    def config_file(self) -> Path:
        return self.dir / "config.toml"

    @property
    def credentials_file(self) -> Path:
        return self.dir / "credentials.toml"

    @property
    def database(self) -> Path:
        return self.dir / "conversations.db"

    @property
    def themes_dir(self) -> Path:
        return self.dir / "themes"

    @classmethod
    def resolve(cls, override: str | os.PathLike[str] | None = None) -> Paths:
        """Pick the directory: ``override`` > ``$DEEPSEEK_TUI_CONFIG_DIR`` > the platform's.

        Nothing is created here, so read-only commands leave no trace on disk.
        """
        if override is not None and str(override).strip():
            chosen = Path(override)
        elif os.environ.get(ENV_CONFIG_DIR, "").strip():
            chosen = Path(os.environ[ENV_CONFIG_DIR].strip())
        else:
            # appauthor=False: without it Windows nests the app name twice.
            chosen = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
        # Absolute so that every message naming a file gives the full path.
        return cls(chosen.expanduser().absolute())

    def ensure_dir(self) -> None:
        """Create the directory (owner-only, it holds credentials) if it is missing."""
        try:
            self.dir.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            if not self.dir.is_dir():
                raise
            # A directory the user made is theirs: we don't change its mode here
            # (`tighten_permissions` takes group/other access away once it holds ours).
            return
        # mkdir's mode is filtered through the umask; make it exactly 0700.
        os.chmod(self.dir, 0o700)


_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|(end of document))\)\s*$")


# config.toml and credentials.toml are a few kB: a file past this (or a FIFO, a device)
# is not one of ours, and is not read on.
MAX_CONFIG_BYTES = 1_000_000


def _read_bounded(path: Path) -> bytes | None:
    """The file's bytes, or None for what is not a regular file or is over
    `MAX_CONFIG_BYTES`; opened without blocking (a FIFO nobody writes to)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as file:
        raw = file.read(MAX_CONFIG_BYTES + 1)
    return None if len(raw) > MAX_CONFIG_BYTES else raw


def edited_toml(path: Path, data: Mapping[str, Any], *, keep: Callable[[str], bool]) -> str:
    """The TOML text of `data`, written over the file at `path` as an edit: its
    comments, order and layout stay, a value is set only where it changed, a key
    `data` lacks is removed unless `keep(key)` (a top-level key only). A file that
    is missing or not plain text is written anew. (Writing `data` out whole dropped
    every comment a user had put in config.toml at each settings save.)"""
    import tomlkit  # the save path only, never the start's
    from tomlkit.exceptions import TOMLKitError

    try:
        raw = _read_bounded(path)
        document = tomlkit.parse(raw.decode("utf-8-sig")) if raw is not None else None
    except (OSError, UnicodeDecodeError, TOMLKitError):
        document = None
    if document is None:
        return tomlkit.dumps(dict(data))
    for key in list(document.keys()):
        if key not in data and not keep(key):
            del document[key]
    _edit_table(document, data)
    return tomlkit.dumps(document)


def _edit_table(table: Any, data: Mapping[str, Any]) -> None:
    """Set in `table` what `data` changes; a table within both is edited in turn (its
    keys `data` lacks removed), so the comments in it stay."""
    for key, value in data.items():
        old = table.get(key)
        if isinstance(value, Mapping) and isinstance(old, dict):
            for gone in [name for name in old if name not in value]:
                del old[gone]
            _edit_table(old, value)
        elif old is None or not _same(_plain(old), value):
            table[key] = value


def _plain(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def _same(old: Any, new: Any) -> bool:
    """Equal as TOML values: `true` is not `1` (Python's `True == 1` kept a file's
    `peak_pricing = 1`, which does not load, over the setting's `true`)."""
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, dict) and isinstance(new, Mapping):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(map(_same, old, new))
    return bool(old == new)


def read_toml(path: Path) -> dict[str, Any] | None:
    """Parse a TOML file; ``None`` if it does not exist, ``ConfigError`` if unusable."""
    try:
        raw = _read_bounded(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        why = "a symlink loop" if exc.errno == errno.ELOOP else exc.strerror or exc
        raise ConfigError(f"Cannot read {path}: {why}.", path=path) from exc
    if raw is None:
        raise ConfigError(
            f"Cannot read {path}: it is not a regular file, or over "
            f"{MAX_CONFIG_BYTES // 1_000_000} MB (fix or remove it).",
            path=path,
        )
    try:
        # utf-8-sig: editors on Windows like to add a BOM that tomllib would reject.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"Cannot read {path}: it is not UTF-8 text (fix or remove the file).", path=path
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError only carries the position inside its message.
        reason = str(exc)
        where = ""
        match = _TOML_POSITION.search(reason)
        if match:
            reason = reason[: match.start()]
            where = f"line {match[1]}: " if match[1] else "end of file: "
        raise ConfigError(
            f"Cannot read {path}: {where}{reason.rstrip('.')} (fix or remove the file).",
            path=path,
        ) from exc


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` so readers see either the old or the new bytes.

    The temporary file is created with ``mode`` from the start, so a secret is never
    readable by others, not even for a moment.
    """
    path = Path(path)
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, mode)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 48 random bits
        raise FileExistsError(f"Cannot create a temporary file next to {path}.")
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) or not isinstance(exc, Exception):
            raise  # keep OSErrors as they are, and never swallow Ctrl-C
        raise OSError(f"Cannot write {path}: {exc}") from exc
    _fsync_dir(path.parent)


def tighten_permissions(paths: Paths) -> str | None:
    """Take group and other access away from the config dir (it holds keys and
    history) and from `credentials.toml` when they have it; returns one line saying
    what changed, or None. Only what the user owns is changed, and only those bits
    (a read-only dir stays read-only). The history's files are reached through the
    dir only, and are not touched (a damaged one is left exactly as it is). A folder
    holding none of our files is left alone (`--config-dir .` must not chmod it)."""
    if os.name != "posix":
        return None
    ours = (paths.credentials_file, paths.database, paths.config_file)
    if not any(file.is_file() for file in ours):
        return None
    candidates = [paths.dir]
    if paths.credentials_file.is_file():
        candidates.append(paths.credentials_file)
    changed: list[str] = []
    for path in candidates:
        try:
            found = path.stat()
            mode = found.st_mode & 0o7777
            if found.st_uid != os.geteuid() or not mode & 0o077:
                continue
            os.chmod(path, mode & ~0o077)
        except OSError:
            continue
        name = str(path) if path == paths.dir else path.name
        changed.append(f"{name} {mode & 0o777:o}→{mode & ~0o077 & 0o777:o}")
    if not changed:
        return None
    return "Made private what other users could read: " + ", ".join(changed) + "."


# What `atomic_write` names its temporary files: ".<name>.<12 hex digits>.tmp".
_TEMP_FILE = re.compile(r"\..+\.[0-9a-f]{12}\.tmp")
# A save takes milliseconds; a temporary file this old belongs to no running save.
LEFTOVER_AGE = 60.0


def remove_leftover_temp_files(paths: Paths, *, older_than: float = LEFTOVER_AGE) -> list[Path]:
    """Delete the temporary files of saves that were interrupted (a kill, a power cut):
    a half-written ``.credentials.toml.….tmp`` may hold a key. Files younger than
    ``older_than`` seconds are left alone: another process may be saving right now.
    Returns what was removed."""
    import time

    removed: list[Path] = []
    try:
        entries = list(os.scandir(paths.dir))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not _TEMP_FILE.fullmatch(entry.name):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False) and (
                now - entry.stat(follow_symlinks=False).st_mtime >= older_than
            ):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _fsync_dir(directory: Path) -> None:
    """Persist the rename itself; without this a power cut can bring back the old file."""
    if os.name != "posix":
        return  # Windows cannot open a directory; NTFS journals the rename anyway
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        # Some filesystems refuse fsync on directories; the new file is already in place.
        pass
    finally:
        os.close(dir_fd)
