// Read an iCalendar document the way calendar web apps do, with ical.js.
// Usage: node ical.mjs <feed.ics>
// Prints one JSON line per VEVENT: its UID, the TZID of its start and the start as an instant
// (UTC), as ical.js computes it from the document's own VTIMEZONE.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const calendar = new ICAL.Component(ICAL.parse(readFileSync(process.argv[2], "utf8")));
for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}
for (const vevent of calendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  const start = event.startDate;
  const utc = start.convertToZone(ICAL.Timezone.utcTimezone);
  const zone = start.zone;
  console.log(
    JSON.stringify({
      uid: event.uid,
      tzid: zone.tzid,
      utc: utc.toString(),
    }),
  );
}
