/**
 * The session's calendar file (RFC 5545), one event per half-day, sent with the convocation
 * and downloadable from the session page. Times are written in UTC, which every calendar
 * application converts to the reader's zone.
 */
export interface CalendarSession {
  sessionId: string;
  trainingTitle: string;
  place: string;
  trainers: string[];
  url: string;
  slots: { id: string; startsAt: Date; endsAt: Date; label: string }[];
  /** CANCEL tells calendars to remove the events (a cancelled enrolment). */
  method?: 'PUBLISH' | 'CANCEL';
}

export function sessionCalendar(session: CalendarSession, now: Date): string {
  const method = session.method ?? 'PUBLISH';
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//ESPER Pro//ESPER Parcours//FR', 'CALSCALE:GREGORIAN', `METHOD:${method}`];
  for (const slot of session.slots) {
    const description = [
      `${session.trainingTitle} (${slot.label})`,
      session.trainers.length ? `Formation animée par ${session.trainers.join(', ')}.` : '',
      'Pensez à émarger à chaque demi-journée.',
      session.url,
    ]
      .filter(Boolean)
      .join('\n');
    lines.push(
      'BEGIN:VEVENT',
      `UID:${slot.id}@esper-parcours`,
      `DTSTAMP:${utc(now)}`,
      `DTSTART:${utc(slot.startsAt)}`,
      `DTEND:${utc(slot.endsAt)}`,
      `SUMMARY:${escapeText(`${session.trainingTitle} – ${slot.label}`)}`,
      `LOCATION:${escapeText(session.place)}`,
      `DESCRIPTION:${escapeText(description)}`,
      `URL:${session.url}`,
      `STATUS:${method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
      'SEQUENCE:0',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}

function utc(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Lines longer than 75 octets are folded (continuation lines start with a space), never inside a character. */
function fold(line: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(line).length <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let size = 0;
  for (const char of line) {
    const bytes = encoder.encode(char).length;
    const limit = parts.length === 0 ? 75 : 74;
    if (size + bytes > limit) {
      parts.push(current);
      current = '';
      size = 0;
    }
    current += char;
    size += bytes;
  }
  parts.push(current);
  return parts.join('\r\n ');
}
