"""Write a set of output files all-or-nothing: temporary files first, then renames."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from planner.errors import PlanError, SettingError, mention
from planner.files import reason

try:
    import fcntl
except ImportError:  # Windows: builds into one folder are not kept apart there
    fcntl = None  # type: ignore[assignment]

LOCK_WAIT_SECONDS = 30.0
"""How long a build waits for another one writing the same folder (a build takes a second)."""
_held: set[tuple[int, int]] = set()
"""The folders (device, inode) this process holds the lock of: taking it again is a no-op."""
_TEMP = re.compile(r"\.[^/]+\.[a-z0-9_]{8}\.tmp")
"""tempfile.mkstemp's names, as write_files asks for them: .NAME.XXXXXXXX.tmp."""


@contextlib.contextmanager
def folder_lock(folder: Path, wait: float | None = None) -> Iterator[None]:
    """Keep other planner processes from writing ``folder`` meanwhile (all of them take
    this lock before they read the folder's plan.ics and until their files are renamed),
    so two builds never mix their files. Waits up to ``wait`` seconds (LOCK_WAIT_SECONDS),
    then raises PlanError. A folder that doesn't exist yet has nothing to keep apart.
    """
    if fcntl is None:
        yield
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # missing, or not a folder: write_files reports what is wrong
        yield
        return
    try:
        info = os.fstat(fd)
        key = (info.st_dev, info.st_ino)
        if key in _held:
            yield
            return
        deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    waited = LOCK_WAIT_SECONDS if wait is None else wait
                    raise PlanError(
                        f"another planner build is writing to it; waited {waited:g} s,"
                        " try again once it has finished",
                        where=str(folder),
                    ) from None
                time.sleep(0.05)
            except OSError:  # a file system without locks (some network shares)
                break
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
    finally:
        os.close(fd)  # which lets go of the lock


def check_targets(folder: Path, names: Iterable[str], *, keep: Iterable[Path] = ()) -> None:
    """Refuse, before any work, an output that can't be written or would replace an input."""
    try:
        _check_targets(folder, names, keep)
    except OSError as err:  # a name too long for the system, a folder planner may not enter
        raise SettingError("out", f"can't use this folder ({reason(err)})") from None


def _check_targets(folder: Path, names: Iterable[str], keep: Iterable[Path]) -> None:
    if folder.exists() and not folder.is_dir():
        raise SettingError("out", f"{folder} is a file; name a folder for the plan")
    kept_files = list(keep)
    for name in names:
        for kept_file in kept_files:
            if _same_file(folder / name, kept_file):
                raise SettingError(
                    "out",
                    f"{folder / name} is the input file and would be overwritten;"
                    f" choose another {mention('out')} folder",
                )
        if (folder / name).is_dir():
            raise SettingError(
                "out", f"{folder / name} is a folder; move it or choose another {mention('out')}"
            )


def write_files(
    folder: Path, files: Mapping[str, bytes], *, keep: Iterable[Path] = ()
) -> list[Path]:
    """Write ``files`` (name -> content) into ``folder``; on any failure nothing changes.

    ``keep`` names files (the inputs) that must never be replaced, whatever path leads to them.

    Every file is written to a temporary file in the folder before any is renamed into place.
    The files a build replaces are kept as hard links until all the renames are done, so a
    rename that fails half-way can put back the ones already replaced. A folder this call
    created is removed again on failure. (Only a crash or power cut between two renames can
    leave a mix, with the old file still there as ``.NAME.*.keep``.)
    """
    check_targets(folder, files, keep=keep)
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SettingError("out", f"can't create {folder} ({reason(err)})") from None
    with folder_lock(folder):
        _remove_stale_temporaries(folder, files)
        return _write_locked(folder, files, created)


def _remove_stale_temporaries(folder: Path, names: Iterable[str]) -> None:
    """Temporary files a killed build left (no build is writing: this one holds the lock)."""
    for name in names:
        for path in folder.glob(f".{glob.escape(name)}.*.tmp"):
            if _TEMP.fullmatch(path.name) and path.name.startswith(f".{name}."):
                with contextlib.suppress(OSError):
                    path.unlink()


def _write_locked(folder: Path, files: Mapping[str, bytes], created: list[Path]) -> list[Path]:
    staged: list[tuple[Path, Path]] = []
    kept: dict[Path, Path | None] = {}
    replaced: list[Path] = []
    try:
        for name, content in files.items():
            target = folder / name
            fd, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            staged.append((Path(temp_name), target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            # mkstemp makes the file private (0600); give it the mode a new file would get.
            os.chmod(temp_name, _mode_for(target))
        for _, target in staged:
            kept[target] = _keep(target)
        for temp, target in staged:
            os.replace(temp, target)
            replaced.append(target)
    except BaseException as err:
        for target in reversed(replaced):
            with contextlib.suppress(OSError):
                backup = kept.get(target)
                if backup is not None:
                    os.replace(backup, target)
                else:
                    target.unlink()
        for path in [temp for temp, _ in staged] + [b for b in kept.values() if b is not None]:
            with contextlib.suppress(OSError):
                path.unlink()
        for path in created:
            with contextlib.suppress(OSError):
                path.rmdir()
        if isinstance(err, OSError):
            raise SettingError("out", f"can't write to {folder} ({reason(err)})") from None
        raise
    for backup in kept.values():
        if backup is not None:
            with contextlib.suppress(OSError):
                backup.unlink()
    _sync_folder(folder)
    return [target for _, target in staged]


def _same_file(a: Path, b: Path) -> bool:
    """Through symlinks, hard links and case-insensitive names alike."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them doesn't exist, so it can't be overwritten
        return False


def _keep(target: Path) -> Path | None:
    """A second name for ``target``'s current content (None if there is no such file)."""
    if not target.exists() and not target.is_symlink():
        return None
    backup = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.keep")
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError:  # a file system without hard links: a copy serves as well
        shutil.copy2(target, backup, follow_symlinks=False)
    return backup


def _mode_for(target: Path) -> int:
    """The replaced file's permissions, else what the umask gives a new file; never the
    setuid, setgid or sticky bit (plan.csv may have been a link to any file)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make the renames durable (POSIX only; Windows can't open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
