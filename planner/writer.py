"""Write a set of output files all-or-nothing: temporary files first, then renames."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

from planner.errors import SettingError, mention


def check_targets(folder: Path, names: Iterable[str], *, keep: Iterable[Path] = ()) -> None:
    """Refuse, before any work, an output that can't be written or would replace an input."""
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
        raise SettingError("out", f"can't create {folder} ({_reason(err)})") from None
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
            raise SettingError("out", f"can't write to {folder} ({_reason(err)})") from None
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
    """The replaced file's mode, else what the umask gives a new file."""
    try:
        return target.stat().st_mode & 0o7777
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


def _reason(err: OSError) -> str:
    return err.strerror or str(err) or type(err).__name__
