"""Files under the store: atomic replacement, a day-sharded append-only journal, and the lock file.

Each function here blocks on the disk; the Store calls them from a worker thread, never on the event loop.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Journal files are named after the UTC day their batches were committed on.
JOURNAL_SUFFIX = ".jsonl"


class StoreError(Exception):
    """The data file cannot be used; the message says which file and what to do."""


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in a folder survive power loss, not just a crash."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, payload: bytes) -> None:
    """Write to a temporary file, fsync, rename over the target, fsync the folder: all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def day_name(day: int) -> str:
    """Days are counted from the Unix epoch in UTC; files carry the calendar date for operators."""
    return (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat()


class Journal:
    """A folder of append-only day files; each line is one committed batch, written with one fsync.

    A crash can only tear the last line of the newest file. That line was never acknowledged (its fsync did
    not return), so loading ignores it and the next append cuts it off. Any other bad line is damage: the
    store refuses to start and names the file.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sound_length: dict[int, int] = {}

    def file(self, day: int) -> Path:
        return self.folder / f"{day_name(day)}{JOURNAL_SUFFIX}"

    def days(self) -> list[int]:
        """Days that have a file, oldest first."""
        if not self.folder.is_dir():
            return []
        epoch = dt.date(1970, 1, 1)
        found = []
        for entry in self.folder.glob(f"*{JOURNAL_SUFFIX}"):
            with contextlib.suppress(ValueError):
                found.append((dt.date.fromisoformat(entry.name.removesuffix(JOURNAL_SUFFIX)) - epoch).days)
        return sorted(found)

    def replay(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Every committed batch with its day, oldest first; read-only, so a running bot is undisturbed."""
        for day in self.days():
            path = self.file(day)
            raw = path.read_bytes()
            end = raw.rfind(b"\n") + 1
            if end < len(raw):
                log.warning(
                    "%s: ignoring an unfinished last write (%d bytes) left by a crash", path, len(raw) - end
                )
            self._sound_length[day] = end
            for number, line in enumerate(raw[:end].splitlines(), 1):
                try:
                    batch = json.loads(line)
                except ValueError as exc:
                    raise StoreError(
                        f"{path} is damaged at line {number} ({exc}); it was left untouched. Move that file "
                        "aside to start without it: the items it remembers may then be posted again."
                    ) from None
                yield day, batch

    def append(self, day: int, line: bytes) -> None:
        """Add one batch to a day file and fsync it; a torn line left by a crash is cut off first."""
        path = self.file(day)
        created = not path.exists()
        if created:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            sound = self._sound_length.get(day)
            if sound is not None and os.fstat(fd).st_size != sound:
                os.ftruncate(fd, sound)
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._sound_length[day] = self._sound_length.get(day, 0) + len(line)
        if created:
            fsync_dir(self.folder)

    def drop(self, day: int) -> None:
        """Delete an expired day: retention is a file removal, not a rewrite."""
        self.file(day).unlink(missing_ok=True)
        self._sound_length.pop(day, None)
        fsync_dir(self.folder)

    def replace_with(self, batches: dict[int, list[bytes]]) -> None:
        """Build a whole journal aside, then rename it into place (used by migrations)."""
        staging = self.folder.with_name(self.folder.name + ".new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700, parents=True)
        for day, lines in batches.items():
            fd = os.open(staging / self.file(day).name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, b"".join(lines))
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(staging)
        shutil.rmtree(self.folder, ignore_errors=True)
        os.replace(staging, self.folder)
        fsync_dir(self.folder.parent)
        self._sound_length.clear()


def lock_path(data_file: Path) -> Path:
    """The lock file beside the data file; it also holds the pid of the process that owns the data."""
    return data_file.with_name(data_file.name + ".lock")


def _read_pid(fd: int) -> str:
    """The pid the lock's holder wrote, as text; empty when it has not written it yet."""
    return os.read(fd, 32).decode(errors="replace").strip()


def lock_holder(data_file: Path) -> int | None:
    """The pid of the live process holding the data lock, or None when no process holds it."""
    try:
        fd = os.open(lock_path(data_file), os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_pid(fd)
        return int(holder) if holder.isdigit() else None
    finally:
        os.close(fd)
    return None


class DataLock:
    """An exclusive lock beside the data file, so two bots can never write the same state.

    flock is released by the kernel when the process dies, even by SIGKILL, so a crash never leaves a
    stale lock behind.
    """

    def __init__(self, data_file: Path) -> None:
        self.path = lock_path(data_file)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd) or "unknown"
            os.close(fd)
            raise StoreError(
                f"{data_file} is in use by another nashra process (pid {holder}, lock {self.path}); "
                "stop that one first, or give this one its own storage.path"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
