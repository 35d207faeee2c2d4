"""The Jinja2 environment of the page templates in ``templates/page/`` (the plan overview, the
routine cards, the club's pages), made one way for every module that renders a page."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from planner.routines import default_templates_dir

if TYPE_CHECKING:
    import jinja2


@cache
def page_environment() -> jinja2.Environment:
    """Autoescaping on, every variable required, blocks without stray blank lines. One for the
    process, so each template is compiled once (a club renders hundreds of pages)."""
    import jinja2  # here, not at the top: only what renders a page needs it

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(default_templates_dir() / "page"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
