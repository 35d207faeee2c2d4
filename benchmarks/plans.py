"""Synthetic mileage CSVs of any length, shaped like the sample plans.

Four-week blocks that build for three weeks and cut back in the fourth, a peak, a two-week
taper and race week, with a note now and then: the same mix of runs, long runs, strength days
and notes as a real plan, so the per-week cost measured on 16 weeks and on 104 weeks compares
like with like.
"""

from __future__ import annotations

from pathlib import Path

RACE_DATE = "2027-10-31"
BUILD_OPTIONS = (
    "--race-date",
    RACE_DATE,
    "--timezone",
    "Europe/Berlin",
    "--race-distance",
    "marathon",
)


def mileage_csv(weeks: int) -> str:
    """A marathon plan of ``weeks`` weeks in miles (3 <= weeks <= 104)."""
    if not 3 <= weeks <= 104:
        raise ValueError(f"weeks must be 3 to 104, found {weeks}")
    rows = ["week,miles,long_run,runs,notes"]
    build = weeks - 3  # the rest is two taper weeks and race week
    for number in range(1, weeks + 1):
        if number <= build:
            block, step = divmod(number - 1, 4)
            # Grow slowly over the blocks, flattening out at a marathon peak.
            base = min(20 + 2 * block, 50)
            miles = base - 4 if step == 3 else base + 2 * step
            long_run = min(round(miles * 0.35), 22)
            runs = 4 if step == 3 or miles < 30 else 5
            note = "Cutback week: recover and absorb" if step == 3 else ""
            if step == 1 and block % 3 == 0:
                note = "Practise race pace for the middle miles of the long run"
        elif number < weeks:
            taper = number - build
            miles = 40 - 10 * taper
            long_run = 16 - 4 * taper
            runs = 4
            note = "Taper: less distance, same rhythm"
        else:
            miles, long_run, runs, note = 36, 0, 4, "Race week"
        rows.append(
            f'{number},{miles},{long_run},{runs},"{note}"'
            if note
            else f"{number},{miles},{long_run},{runs},"
        )
    return "\n".join(rows) + "\n"


def write_plans(folder: Path, lengths: tuple[int, ...]) -> dict[int, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for weeks in lengths:
        path = folder / f"plan_{weeks}w.csv"
        path.write_text(mileage_csv(weeks), encoding="utf-8")
        paths[weeks] = path
    return paths
