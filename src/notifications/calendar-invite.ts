import ical, { ICalAttendeeRole, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';

export interface Invite {
  method: 'REQUEST' | 'CANCEL';
  /** One UID per booking, so calendars update or remove the same event. */
  uid: string;
  /** Goes up with each change, so calendars apply the newest. */
  sequence: number;
  start: Date;
  end: Date;
  summary: string;
  description: string;
  location: string;
  organizer: { name: string; email: string };
  attendee: { name: string; email: string };
}

/**
 * A parameter value (a CN) as RFC 6868 writes it: `^` as `^^`, `"` as `^'`, a line break as
 * `^n`, so that a name can neither end the quoted value nor the line (and add parameters or
 * properties of its own). Other control characters are dropped.
 */
export function encodeParameterValue(value: string): string {
  return value
    .replace(/\^/g, '^^')
    .replace(/"/g, "^'")
    .replace(/\r\n|\r|\n/g, '^n')
    .replace(/\p{Cc}/gu, '');
}

/** An iCalendar (RFC 5545) invite with times in UTC. */
export function calendarInvite(invite: Invite): string {
  const calendar = ical({
    prodId: { company: 'clinic-booking', product: 'booking', language: 'EN' },
    method: invite.method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  calendar.createEvent({
    id: invite.uid,
    sequence: invite.sequence,
    start: invite.start,
    end: invite.end,
    stamp: new Date(),
    summary: invite.summary,
    description: invite.description,
    location: invite.location,
    organizer: { ...invite.organizer, name: encodeParameterValue(invite.organizer.name) },
    attendees: [
      {
        ...invite.attendee,
        name: encodeParameterValue(invite.attendee.name),
        rsvp: false,
        role: ICalAttendeeRole.REQ,
      },
    ],
    status: invite.method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  return calendar.toString();
}
