"""Write a set of output files all-or-nothing: temporary files first, then renames."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from planner.errors import PlanError


def write_files(folder: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write ``files`` (name -> content) into ``folder``; on any failure none is replaced."""
    if folder.exists() and not folder.is_dir():
        raise PlanError(f"{folder} is a file; name a folder for the plan", where="--out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PlanError(f"can't create {folder} ({err.strerror})", where="--out") from None
    staged: list[tuple[Path, Path]] = []
    try:
        for name, content in files.items():
            fd, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            staged.append((Path(temp_name), folder / name))
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        for temp, target in staged:
            os.replace(temp, target)
    except OSError as err:
        for temp, _ in staged:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise PlanError(f"can't write to {folder} ({err.strerror})", where="--out") from None
    return [target for _, target in staged]
