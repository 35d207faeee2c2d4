// Read .ics files with ICAL.js, Thunderbird's iCalendar parser, and print what it sees as JSON.
//
// Usage: node read_plan.mjs FILE.ics...
// Prints {"FILE.ics": {"events": [...]}, ...}. Each event's start and end are Unix seconds worked
// out through the VTIMEZONE in the same file (registered before the events are read), or
// YYYY-MM-DD for date-only events. A file ICAL.js can't parse exits with status 1.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function when(time) {
  if (time.isDate) {
    return time.toString();
  }
  return time.toUnixTime();
}

function readCalendar(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  ICAL.TimezoneService.reset();
  const zones = calendar.getAllSubcomponents("vtimezone").map((vtimezone) => {
    const zone = new ICAL.Timezone(vtimezone);
    ICAL.TimezoneService.register(zone);
    return zone.tzid;
  });
  const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const start = event.startDate;
    const zone = start.zone ? start.zone.tzid : null;
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      start: when(start),
      end: when(event.endDate),
      is_date: start.isDate,
      tzid: zone,
      alarms: vevent
        .getAllSubcomponents("valarm")
        .map((alarm) => alarm.getFirstPropertyValue("trigger").toSeconds()),
    };
  });
  return { zones, events };
}

const result = {};
for (const file of process.argv.slice(2)) {
  result[file] = readCalendar(readFileSync(file, "utf8"));
}
process.stdout.write(JSON.stringify(result));
