"""plan.ics: one VEVENT per session, times in the plan's zone with its VTIMEZONE in the file."""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

from planner.export.vtimezone import vtimezone
from planner.model import Plan, Session

PRODID = "-//planner//Training plan//EN"


def to_ics(plan: Plan) -> bytes:
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
        calendar.add_component(_event(plan, session, stamp))
    ical: bytes = calendar.to_ical()
    return ical


def _event(plan: Plan, session: Session, stamp: dt.datetime) -> Event:
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
    event.add("description", session.description)
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
