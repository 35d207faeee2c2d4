"""plan.ics: one VEVENT per session, times in the plan's zone with its VTIMEZONE in the file.

Google Calendar imports files of up to about 1 MB. A long plan's full descriptions (every
pose's steps in every yoga event) would pass that, so plan.ics gets the richest description
style that keeps it within SIZE_BUDGET: a pure function of the plan, decided from the bytes
themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from icalendar import Alarm, Calendar, Event

from planner.export.vtimezone import vtimezone
from planner.model import Descriptions, Plan, Session

PRODID = "-//planner//Training plan//EN"
SIZE_BUDGET = 900_000
"""What plan.ics aims to stay within: a tenth below Google Calendar's 1 MB (IMPORT_LIMIT in
planner.export), as headroom for a limit that is only known roughly."""
_STYLES = (Descriptions.FULL, Descriptions.COMPACT, Descriptions.BRIEF)


def to_ics(plan: Plan) -> bytes:
    """The plan as iCalendar bytes, in ``plan.descriptions`` or else the style that fits."""
    if plan.descriptions is not None:
        return _render(plan, plan.descriptions)
    return _fitted(plan)[1]


def description_style(plan: Plan) -> Descriptions:
    """``plan.descriptions``, else the richest style whose .ics fits SIZE_BUDGET (the
    shortest when none does)."""
    return plan.descriptions if plan.descriptions is not None else _fitted(plan)[0]


def fit_descriptions(plan: Plan) -> Plan:
    """The plan with its description style fixed, so that every calendar file carries the
    same text and the choice is made once."""
    return dataclasses.replace(plan, descriptions=description_style(plan))


def _fitted(plan: Plan) -> tuple[Descriptions, bytes]:
    for style in _STYLES[:-1]:
        # The descriptions' own bytes only grow with escaping and folding: when they alone
        # pass the budget, skip rendering (the full style of a long plan is several MB).
        text = sum(len(s.description_for(style).encode("utf-8")) for s in plan.sessions)
        if text > SIZE_BUDGET:
            continue
        data = _render(plan, style)
        if len(data) <= SIZE_BUDGET:
            return style, data
    return _STYLES[-1], _render(plan, _STYLES[-1])


def _render(plan: Plan, style: Descriptions) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", plan.name)
    calendar.add("x-wr-calname", plan.name)
    if not plan.all_day:
        calendar.add("x-wr-timezone", plan.timezone)
        first, last = plan.span  # cancelled events kept by a regeneration may lie outside
        calendar.add_component(vtimezone(plan.timezone, first - dt.timedelta(days=1), last))
    stamp = plan.generated_at.astimezone(dt.UTC)
    for session in plan.sessions:
        calendar.add_component(_event(plan, session, stamp, style))
    ical: bytes = calendar.to_ical()
    return ical


def _event(plan: Plan, session: Session, stamp: dt.datetime, style: Descriptions) -> Event:
    event = Event()
    event.add("uid", session.uid)
    event.add("dtstamp", stamp)
    event.add("sequence", session.sequence)
    if plan.all_day:
        day = session.start.date()
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        event.add("dtstart", session.start)
        event.add("dtend", session.end)
    event.add("summary", session.title)
    event.add("description", session.description_for(style))
    event.add("categories", list(session.categories))
    if session.cancelled:
        event.add("status", "CANCELLED")
    # What `planner reschedule` needs to re-time an exported plan without its CSV.
    event.add("x-planner-plan", plan.name)
    event.add("x-planner-activity", session.activity.value)
    event.add("x-planner-days-before-race", str(session.days_before_race))
    if plan.remind_minutes is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", session.title)
        alarm.add("trigger", -dt.timedelta(minutes=plan.remind_minutes))
        event.add_component(alarm)
    return event
