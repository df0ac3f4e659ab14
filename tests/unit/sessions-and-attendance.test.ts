import { describe, expect, it } from 'vitest';
import ICAL from 'ical.js';
import { codeAt, codeCounter, codeMatches, currentCode, newCodeSecret, normalizeCode } from '../../src/lib/attendance/codes.ts';
import { attendanceRate, hoursAttended, slotHours } from '../../src/lib/attendance/hours.ts';
import { sessionCalendar } from '../../src/lib/sessions/calendar.ts';
import { slotProblems } from '../../src/lib/sessions/training-sessions.ts';
import { slugify, splitObjectives, trainingFields } from '../../src/lib/sessions/trainings.ts';
import { frenchHours, frenchPercent, parisDay, parisInstant } from '../../src/lib/time.ts';

const at = (iso: string) => new Date(iso);

describe('half-day hours', () => {
  const morning = { startsAt: at('2026-12-03T08:00:00Z'), endsAt: at('2026-12-03T11:30:00Z') };

  it('a morning from 09:00 to 12:30 is 3.5 hours', () => {
    expect(slotHours(morning)).toBe(3.5);
  });

  it('counts the whole half-day for a presence, from the arrival for a late one, nothing for an absence', () => {
    expect(hoursAttended(morning, { status: 'present', arrivedAt: null })).toBe(3.5);
    expect(hoursAttended(morning, { status: 'late', arrivedAt: at('2026-12-03T09:00:00Z') })).toBe(2.5);
    expect(hoursAttended(morning, { status: 'late', arrivedAt: at('2026-12-03T12:00:00Z') })).toBe(0);
    expect(hoursAttended(morning, { status: 'absent_justified', arrivedAt: null })).toBe(0);
    expect(hoursAttended(morning, { status: 'absent_unjustified', arrivedAt: null })).toBe(0);
    expect(hoursAttended(morning, null)).toBe(0);
  });

  it('the attendance rate is the share of planned hours, bounded to [0, 1]', () => {
    expect(attendanceRate(10.5, 14)).toBe(0.75);
    expect(attendanceRate(0, 0)).toBe(0);
    expect(attendanceRate(20, 14)).toBe(1);
  });

  it('refuses half-days that overlap, end before they start, or last more than 8 hours', () => {
    expect(slotProblems([morning, { startsAt: at('2026-12-03T12:30:00Z'), endsAt: at('2026-12-03T16:00:00Z') }])).toEqual([]);
    expect(slotProblems([])).toEqual(['Indiquez au moins une demi-journée.']);
    expect(slotProblems([morning, { startsAt: at('2026-12-03T11:00:00Z'), endsAt: at('2026-12-03T15:00:00Z') }])).toEqual(['Deux demi-journées se chevauchent.']);
    expect(slotProblems([{ startsAt: morning.endsAt, endsAt: morning.startsAt }])).toEqual(['Chaque demi-journée doit finir après son début.']);
    expect(slotProblems([{ startsAt: at('2026-12-03T06:00:00Z'), endsAt: at('2026-12-03T15:00:00Z') }])).toEqual(['Une demi-journée dure 8 heures au plus.']);
  });
});

describe('rotating sign-in codes', () => {
  const secret = newCodeSecret();

  it('are six digits and change every 30 seconds', () => {
    const t = at('2026-12-03T08:10:00Z');
    const now = currentCode(secret, t);
    expect(now.code).toMatch(/^\d{6}$/);
    expect(now.secondsLeft).toBe(30);
    expect(currentCode(secret, new Date(t.getTime() + 29_000)).code).toBe(now.code);
    expect(currentCode(secret, new Date(t.getTime() + 30_000)).code).not.toBe(now.code);
  });

  it('are accepted during their period and the next, not after', () => {
    const t = at('2026-12-03T08:10:00Z');
    const code = codeAt(secret, codeCounter(t));
    expect(codeMatches(secret, code, t)).toBe(true);
    expect(codeMatches(secret, code, new Date(t.getTime() + 59_000))).toBe(true);
    expect(codeMatches(secret, code, new Date(t.getTime() + 60_000))).toBe(false);
    expect(codeMatches(secret, code, new Date(t.getTime() - 1_000))).toBe(false);
  });

  it('differ between slots, and are spread over the million possible values', () => {
    const other = newCodeSecret();
    const counter = codeCounter(at('2026-12-03T08:10:00Z'));
    const codes = new Set(Array.from({ length: 2000 }, (_, i) => codeAt(secret, counter + i)));
    expect(codes.size).toBeGreaterThan(1990);
    const same = Array.from({ length: 200 }, (_, i) => codeAt(secret, counter + i) === codeAt(other, counter + i)).filter(Boolean);
    expect(same.length).toBeLessThan(3);
  });

  it('read what people type: spaces and dashes are fine, anything else is not a code', () => {
    expect(normalizeCode('123 456')).toBe('123456');
    expect(normalizeCode(' 123-456 ')).toBe('123456');
    expect(normalizeCode('12345')).toBeNull();
    expect(normalizeCode('12345a')).toBeNull();
    expect(codeMatches(secret, 'abcdef', new Date())).toBe(false);
  });
});

describe('Paris time', () => {
  it('turns a day and a time typed in Paris into the right instant, in winter and in summer', () => {
    expect(parisInstant('2026-12-03', '09:00')!.toISOString()).toBe('2026-12-03T08:00:00.000Z');
    expect(parisInstant('2026-06-15', '09:00')!.toISOString()).toBe('2026-06-15T07:00:00.000Z');
    expect(parisInstant('2026-03-29', '02:30')).toBeNull();
    expect(parisInstant('2026-13-01', '09:00')).toBeNull();
    expect(parisInstant('demain', '09:00')).toBeNull();
    expect(parisDay(at('2026-12-03T23:30:00Z'))).toBe('2026-12-04');
  });

  it('writes hours and rates the French way', () => {
    expect(frenchHours(10.5)).toBe('10,5 h');
    expect(frenchHours(14)).toBe('14 h');
    expect(frenchPercent(0.755)).toBe('76 %');
  });
});

describe('trainings', () => {
  it('get a readable address from their title', () => {
    expect(slugify('Premiers secours en santé mentale (PSSM)')).toBe('premiers-secours-en-sante-mentale-pssm');
    expect(slugify('Œuvrer en binôme : l’intégration')).toBe('oeuvrer-en-binome-l-integration');
    expect(slugify('Łukasz Øvergaard-Straß')).toBe('lukasz-overgaard-strass');
    expect(slugify('!!!')).toBe('formation');
  });

  it('are checked as typed: a decimal comma for the hours, a published module or none', () => {
    const form = { title: 'PSSM', topic: 'pssm', audience: 'everyone', durationHours: '10,5', summary: 'Deux journées pour agir.', objectives: 'Repérer\nOrienter' };
    const schema = trainingFields(['pssm']);
    expect(schema.parse({ ...form, moduleId: 'pssm' })).toMatchObject({ durationHours: 10.5, moduleId: 'pssm' });
    expect(schema.parse({ ...form, moduleId: '' }).moduleId).toBeUndefined();
    const unknown = schema.safeParse({ ...form, moduleId: 'module-inconnu' });
    expect(unknown.success ? null : unknown.error.issues[0]!.message).toBe('Module en ligne associé : choisissez un module publié.');
    const noHours = schema.safeParse({ ...form, durationHours: 'deux jours' });
    expect(noHours.success ? null : noHours.error.issues[0]!.message).toBe('Durée : un nombre d’heures, par exemple 14.');
  });

  it('keep one objective per line, without list marks', () => {
    expect(splitObjectives('- Repérer\n\n• Écouter \n* Orienter')).toEqual(['Repérer', 'Écouter', 'Orienter']);
  });
});

describe('the session’s calendar file', () => {
  const session = {
    sessionId: 's1',
    trainingTitle: 'Rétablissement, pair-aidance ; et « espoir »',
    place: 'Salle 2, 10 rue de la République, Marseille',
    trainers: ['Nadia Rossi', 'Élodie Garnier'],
    url: 'https://parcours.example/formations/seances/s1',
    slots: [
      { id: 'a', startsAt: at('2026-12-03T08:00:00Z'), endsAt: at('2026-12-03T11:30:00Z'), label: 'jeudi 03/12/2026 matin' },
      { id: 'b', startsAt: at('2026-12-03T12:30:00Z'), endsAt: at('2026-12-03T16:00:00Z'), label: 'jeudi 03/12/2026 après-midi' },
    ],
  };

  it('parses, with one event per half-day at the right times, place and title', () => {
    const text = sessionCalendar(session, at('2026-11-23T10:00:00Z'));
    expect(text.split('\r\n').every((line) => new TextEncoder().encode(line).length <= 75)).toBe(true);
    const calendar = new ICAL.Component(ICAL.parse(text));
    expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
    const events = calendar.getAllSubcomponents('vevent').map((e) => new ICAL.Event(e));
    expect(events.map((e) => e.uid)).toEqual(['a@esper-parcours', 'b@esper-parcours']);
    expect(events[0]!.summary).toBe('Rétablissement, pair-aidance ; et « espoir » – jeudi 03/12/2026 matin');
    expect(events[0]!.location).toBe(session.place);
    expect(events[0]!.description).toContain('Nadia Rossi, Élodie Garnier');
    expect(events[1]!.startDate.toJSDate().toISOString()).toBe('2026-12-03T12:30:00.000Z');
    expect(events[1]!.endDate.toJSDate().toISOString()).toBe('2026-12-03T16:00:00.000Z');
  });

  it('tells calendars to remove the events when the enrolment is cancelled', () => {
    const calendar = new ICAL.Component(ICAL.parse(sessionCalendar({ ...session, method: 'CANCEL' }, new Date())));
    expect(calendar.getFirstPropertyValue('method')).toBe('CANCEL');
    expect(calendar.getFirstSubcomponent('vevent')!.getFirstPropertyValue('status')).toBe('CANCELLED');
  });
});
