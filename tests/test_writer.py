from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import planner.writer
from planner.errors import PlanError
from planner.writer import write_files

NEW = {"plan.ics": b"new ics", "plan.csv": b"new csv"}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def old_plan(tmp_path: Path) -> Path:
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "plan.ics").write_bytes(b"old ics")
    (folder / "plan.csv").write_bytes(b"old csv")
    (folder / "plan.csv").chmod(0o640)
    return folder


def test_writes_every_file_and_keeps_a_replaced_files_mode(old_plan: Path) -> None:
    assert write_files(old_plan, NEW) == [old_plan / "plan.ics", old_plan / "plan.csv"]
    assert snapshot(old_plan) == {"plan.csv": b"new csv", "plan.ics": b"new ics"}
    assert stat.S_IMODE((old_plan / "plan.csv").stat().st_mode) == 0o640


def test_a_new_file_gets_the_umask_mode_not_the_private_temp_mode(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write_files(tmp_path / "new", NEW)
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new" / "plan.ics").stat().st_mode) == 0o644


@pytest.mark.parametrize("failing_call", [1, 2])
def test_a_failed_rename_puts_back_every_file_already_replaced(
    old_plan: Path, monkeypatch: pytest.MonkeyPatch, failing_call: int
) -> None:
    calls = []
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        calls.append(dst)
        if len(calls) == failing_call:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(planner.writer.os, "replace", replace)
    with pytest.raises(PlanError, match=r"out: can't write to .* \(No space left on device\)"):
        write_files(old_plan, NEW)
    assert snapshot(old_plan) == {"plan.csv": b"old csv", "plan.ics": b"old ics"}


def test_a_failed_second_write_leaves_no_temporary_files(
    old_plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_fsync = os.fsync
    calls = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(planner.writer.os, "fsync", fsync)
    with pytest.raises(PlanError, match=r"\(Input/output error\)"):
        write_files(old_plan, NEW)
    assert snapshot(old_plan) == {"plan.csv": b"old csv", "plan.ics": b"old ics"}


def test_a_failure_removes_the_folders_it_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def replace(src: str | Path, dst: str | Path) -> None:
        raise OSError("renames are broken")

    monkeypatch.setattr(planner.writer.os, "replace", replace)
    with pytest.raises(PlanError, match=r"can't write to .* \(renames are broken\)"):
        write_files(tmp_path / "a" / "b", NEW)
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_rolls_back_too(old_plan: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace
    calls = []

    def replace(src: str | Path, dst: str | Path) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(planner.writer.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        write_files(old_plan, NEW)
    monkeypatch.undo()
    assert snapshot(old_plan) == {"plan.csv": b"old csv", "plan.ics": b"old ics"}


def test_a_folder_in_the_way_of_a_file_changes_nothing(old_plan: Path) -> None:
    (old_plan / "plan.csv").unlink()
    (old_plan / "plan.csv").mkdir()
    with pytest.raises(PlanError) as err:
        write_files(old_plan, NEW)
    assert str(err.value) == (
        f"out: {old_plan / 'plan.csv'} is a folder; move it or choose another out"
    )
    assert (old_plan / "plan.ics").read_bytes() == b"old ics"
    assert sorted(p.name for p in old_plan.iterdir()) == ["plan.csv", "plan.ics"]


def test_without_hard_links_a_copy_keeps_the_old_file(
    old_plan: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(1, "Operation not permitted")

    real_replace = os.replace
    calls = []

    def replace(src: str | Path, dst: str | Path) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(planner.writer.os, "link", no_links)
    monkeypatch.setattr(planner.writer.os, "replace", replace)
    with pytest.raises(PlanError):
        write_files(old_plan, NEW)
    assert snapshot(old_plan) == {"plan.csv": b"old csv", "plan.ics": b"old ics"}


@pytest.mark.parametrize("link", ["symlink to the input", "hard link to the input", "input"])
def test_a_kept_input_is_never_replaced_by_any_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, link: str
) -> None:
    source = tmp_path / "mileage.csv"
    source.write_bytes(b"week,miles\n1,10\n")
    out = tmp_path / "out"
    out.mkdir()
    if link == "symlink to the input":
        (out / "plan.csv").symlink_to(source)
    elif link == "hard link to the input":
        os.link(source, out / "plan.csv")
    else:
        source = source.rename(out / "plan.csv")
    monkeypatch.chdir(out)
    with pytest.raises(PlanError) as err:
        write_files(Path("."), NEW, keep=[Path(os.path.relpath(source, out))])
    assert str(err.value) == (
        "out: plan.csv is the input file and would be overwritten; choose another out folder"
    )
    assert source.read_bytes() == b"week,miles\n1,10\n"
    assert not (out / "plan.ics").exists()
