"""The project's own checks: lint, types, and an install that ships the templates."""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planner.export import FORMATS
from planner.routines import default_templates_dir
from tests.conftest import ROOT


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed; it comes with pip install '.[test]'"
    return found


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "planner", "tests"],
        ["ruff", "format", "--check", "planner", "tests"],
        ["mypy"],
    ],
    ids=lambda c: " ".join(c),
)
def test_lint_and_types_are_clean(command: list[str]) -> None:
    done = subprocess.run(
        [_tool(command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_installed_package_ships_the_templates() -> None:
    """`pip install .` (not editable) must put templates/ inside the package."""
    dist = importlib.metadata.distribution("planner")
    direct_url = dist.read_text("direct_url.json")
    editable = bool(direct_url and json.loads(direct_url).get("dir_info", {}).get("editable"))
    if editable:
        # An editable install reads templates/ from the checkout.
        assert default_templates_dir() == ROOT / "templates"
        return
    shipped = {str(f) for f in dist.files or []}
    # Compare with the checkout it was installed from: CI installs this one, but a shared
    # environment may hold another checkout's install.
    url = json.loads(direct_url).get("url", "") if direct_url else ""
    source = Path(url.removeprefix("file://")) if url.startswith("file://") else ROOT
    templates = source / "templates" if (source / "templates").is_dir() else ROOT / "templates"
    for template in (f for f in templates.rglob("*") if f.is_file()):
        relative = template.relative_to(templates).as_posix()
        assert f"planner/templates/{relative}" in shipped, relative


def test_cli_format_names_match_the_exporters() -> None:
    from planner.cli import _FORMAT_NAMES

    assert tuple(FORMATS) == _FORMAT_NAMES


def test_the_model_imports_no_module_that_uses_it() -> None:
    """model.py is the bottom of the flow: the routines' types live there, so it never needs
    routines.py (nor the scheduler, the pipeline or a face), not even for type checking."""
    source = (ROOT / "planner" / "model.py").read_text(encoding="utf-8")
    imported = set(re.findall(r"^\s*from (planner\.[\w.]+) import", source, re.MULTILINE))
    assert imported <= {"planner.errors", "planner.figures"}, imported


FACES = {
    "cli": ["planner/cli.py"],
    "club": ["planner/club.py", "planner/clubpage.py"],
    "server": sorted(str(p.relative_to(ROOT)) for p in (ROOT / "planner" / "server").glob("*.py")),
    "sync": ["planner/sync.py"],
}
"""The faces: each parses its input, calls the pipeline, and writes, serves or syncs."""
FACE_MODULES = {
    "cli": ("planner.cli",),
    "club": ("planner.club", "planner.clubpage"),
    "server": ("planner.server",),
    "sync": ("planner.sync",),
}


@pytest.mark.parametrize("face", sorted(set(FACES) - {"cli"}))
def test_no_face_imports_another(face: str) -> None:
    """The command line starts the other faces (their commands are its commands); no other
    face imports the command line or another face, so each can be used on its own."""
    others = [m for name, modules in FACE_MODULES.items() if name != face for m in modules]
    for path in FACES[face]:
        source = (ROOT / path).read_text(encoding="utf-8")
        imported = re.findall(r"^\s*(?:from|import) (planner(?:\.\w+)*)", source, re.MULTILINE)
        bad = [m for m in imported if any(m == o or m.startswith(o + ".") for o in others)]
        assert not bad, f"{path} imports {bad}"
