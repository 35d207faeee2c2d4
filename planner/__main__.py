"""The `planner` command's entry point (and `python -m planner`).

Kept apart from planner.cli so that Ctrl-C while click and the commands are still being
imported ends the command as Ctrl-C at any later moment does: one line, exit status 130.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from planner.cli import main as run

        run()
    except KeyboardInterrupt:
        # Before planner.cli could take it (or after it had finished): no click to print with.
        newline = "\n" if sys.stderr is not None and sys.stderr.isatty() else ""
        if sys.stderr is not None:
            sys.stderr.write(f"{newline}planner: interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
