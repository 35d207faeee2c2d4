"""Minimal hand-written serializers of the same bytes as planner's exporters: the floor.

These exist only to measure against. They know exactly the properties planner writes (in the
order icalendar sorts them) and nothing else, skip every check, and are never used by the
product: planner's .ics is written and read by icalendar. benchmarks/run.py checks that each
floor returns byte-for-byte what the real exporter returns before timing either, so the ratio
compares like with like.
"""

from __future__ import annotations

from planner.model import Descriptions, Plan

FOLD_AT = 75  # octets, as icalendar folds (RFC 5545 section 3.1)


def _escape(text: str) -> str:
    return (
        text.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """icalendar's folding: at most 74 octets a line, never ending a line on a backslash."""
    if line.isascii():
        if len(line) < FOLD_AT:
            return line
        parts = []
        start = 0
        while len(line) - start >= FOLD_AT:
            end = start + FOLD_AT - 1
            if line[end - 1] in "\\^" and end - 1 > start:
                end -= 1
            parts.append(line[start:end])
            start = end
        parts.append(line[start:])
        return "\r\n ".join(parts)
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if current and size + width >= FOLD_AT:
            if len(current) > 1 and current[-1] in "\\^":
                parts.append(current[:-1])
                current, size = current[-1], 1
            else:
                parts.append(current)
                current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def ics(plan: Plan, vtimezone: bytes, style: Descriptions) -> bytes:
    """plan.ics for a timed plan (no --all-day, no cancelled events), in ``style``.

    ``vtimezone`` is the plan's VTIMEZONE block, rendered once outside the timing: both
    writers include the same bytes for it.
    """
    if plan.all_day:
        raise ValueError("the floor writer covers timed plans only")
    name = _escape(plan.name)
    zone = plan.timezone
    stamp = plan.generated_at.strftime("%Y%m%dT%H%M%SZ")
    out = [
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//planner//Training plan//EN\r\n"
        f"CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n{_fold('NAME:' + name)}\r\n"
        f"{_fold('X-WR-CALNAME:' + name)}\r\n{_fold('X-WR-TIMEZONE:' + zone)}\r\n",
        vtimezone.decode("utf-8"),
    ]
    alarm = (
        f"BEGIN:VALARM\r\nACTION:DISPLAY\r\n{{}}\r\nTRIGGER:-PT{plan.remind_minutes}M\r\n"
        "END:VALARM\r\n"
        if plan.remind_minutes is not None
        else ""
    )
    for s in plan.sessions:
        summary = _escape(s.title)
        out.append(
            f"BEGIN:VEVENT\r\n{_fold('SUMMARY:' + summary)}\r\n"
            f"DTSTART;TZID={zone}:{s.start:%Y%m%dT%H%M%S}\r\n"
            f"DTEND;TZID={zone}:{s.end:%Y%m%dT%H%M%S}\r\n"
            f"DTSTAMP:{stamp}\r\n{_fold('UID:' + s.uid)}\r\nSEQUENCE:{s.sequence}\r\n"
            f"CATEGORIES:{','.join(s.categories)}\r\n"
            f"{_fold('DESCRIPTION:' + _escape(s.description_for(style)))}\r\n"
            f"X-PLANNER-ACTIVITY:{s.activity.value}\r\n"
            f"X-PLANNER-DAYS-BEFORE-RACE:{s.days_before_race}\r\n"
            f"{_fold('X-PLANNER-PLAN:' + name)}\r\n"
        )
        if alarm:
            out.append(alarm.format(_fold("DESCRIPTION:" + summary)))
        out.append("END:VEVENT\r\n")
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode("utf-8")


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HEADER = (
    "date,start,end,timezone,week,weeks_to_race,weekday,activity,title,distance,unit,details,uid"
)


def _cell(text: str) -> str:
    """The exporter's guard against spreadsheet formulas, then csv's minimal quoting."""
    return _quote("'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text)


def _quote(text: str) -> str:
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def plan_csv(plan: Plan) -> bytes:
    """plan.csv as one f-string a row, dates formatted from their fields."""
    zone, unit = _quote(plan.timezone), plan.unit.value
    rows = [_HEADER]
    for s in plan.sessions:
        if s.cancelled:
            continue
        start, end = s.start, s.end
        distance = "," if s.distance is None else f"{s.distance.normalize():f},{unit}"
        rows.append(
            f"{start.year:04d}-{start.month:02d}-{start.day:02d},"
            f"{start.hour:02d}:{start.minute:02d},{end.hour:02d}:{end.minute:02d},{zone},"
            f"{s.week},{s.weeks_to_race},{_WEEKDAYS[start.weekday()]},{s.activity.value},"
            f"{_cell(s.title)},{distance},{_cell(s.details)},{_quote(s.uid)}"
        )
    rows.append("")
    return "\r\n".join(rows).encode("utf-8")
