import { sql } from 'kysely';
import type { Database } from '../db/index.ts';
import { sessionOverview } from '../sessions/training-sessions.ts';
import { attendanceRate, hoursAttended, slotHours } from './hours.ts';
import type { SheetCell, SheetData, SheetParticipant } from './sheet-data.ts';
import { parisDay } from '../time.ts';
import { organisationName } from '../attestations/organisation.ts';

/**
 * Gathers a session's attendance sheet: every person enrolled, and anyone with a record (even
 * if removed since), one cell per half-day from their current record, their hours and rate.
 * The same figures feed the PDF, the CSV and, later, the attestations.
 */
export async function attendanceSheet(db: Database, sessionId: string, now: Date): Promise<SheetData | undefined> {
  const session = await sessionOverview(db, sessionId);
  if (!session) return undefined;
  const slotIds = session.slots.map((s) => s.id);
  const [slots, people, records, organisation] = await Promise.all([
    slotIds.length
      ? db
          .selectFrom('session_slot as sl')
          .leftJoin('person as p', 'p.id', 'sl.closed_by')
          .select(['sl.id', 'sl.starts_at', 'sl.ends_at', 'sl.closed_at', 'p.given_name', 'p.family_name'])
          .where('sl.session_id', '=', sessionId)
          .orderBy('sl.starts_at')
          .execute()
      : Promise.resolve([]),
    db
      .selectFrom('person as p')
      .leftJoin('enrolment as e', (join) => join.onRef('e.person_id', '=', 'p.id').on('e.session_id', '=', sessionId))
      .select(['p.id', 'p.given_name', 'p.family_name', 'e.employer', 'p.structure'])
      .where((eb) =>
        eb.or([
          eb('e.status', '=', 'enrolled'),
          ...(slotIds.length ? [eb('p.id', 'in', eb.selectFrom('attendance_record').select('person_id').where('slot_id', 'in', slotIds))] : []),
        ]),
      )
      .orderBy(sql`lower(p.family_name)`)
      .orderBy(sql`lower(p.given_name)`)
      .execute(),
    slotIds.length
      ? db
          .selectFrom('attendance_record as r')
          .distinctOn(['r.slot_id', 'r.person_id'])
          .select(['r.slot_id', 'r.person_id', 'r.status', 'r.method', 'r.signed_at', 'r.arrived_at', 'r.signature_png', 'r.signature_text', 'r.reason'])
          .where('r.slot_id', 'in', slotIds)
          .orderBy('r.slot_id')
          .orderBy('r.person_id')
          .orderBy('r.id', 'desc')
          .execute()
      : Promise.resolve([]),
    // The name the coordination set for the documents (the same as on the attestations).
    organisationName(db),
  ]);
  const byCell = new Map(records.map((r) => [`${r.slot_id}:${r.person_id}`, r]));
  const sheetSlots = slots.map((s) => ({
    id: s.id,
    startsAt: s.starts_at,
    endsAt: s.ends_at,
    hours: slotHours({ startsAt: s.starts_at, endsAt: s.ends_at }),
    countersignedBy: s.closed_at && s.given_name ? `${s.given_name} ${s.family_name}` : null,
    countersignedAt: s.closed_at,
  }));
  const hoursPlanned = sheetSlots.reduce((sum, s) => sum + s.hours, 0);
  const participants: SheetParticipant[] = people.map((p) => {
    let attended = 0;
    const cells: SheetCell[] = sheetSlots.map((slot) => {
      const r = byCell.get(`${slot.id}:${p.id}`);
      if (!r) return { status: null, method: null, signedAt: null, arrivedAt: null, signaturePng: null, reason: null, corrected: false };
      attended += hoursAttended(slot, { status: r.status, arrivedAt: r.arrived_at });
      return {
        status: r.status,
        method: r.method,
        signedAt: r.signed_at,
        arrivedAt: r.arrived_at,
        signaturePng: r.signature_png,
        // A name typed instead of drawn is shown as the reason line of a present cell.
        reason: r.reason ?? (r.signature_text ? `signature tapée : ${r.signature_text}` : null),
        corrected: r.method === 'correction',
      };
    });
    return {
      personId: p.id,
      familyName: p.family_name,
      givenName: p.given_name,
      employer: p.employer ?? p.structure,
      cells,
      hoursAttended: attended,
      hoursPlanned,
      attendanceRate: attendanceRate(attended, hoursPlanned),
    };
  });
  return {
    organisation,
    training: { title: session.training.title, durationHours: session.training.durationHours },
    place: session.place,
    trainers: session.trainers.map((t) => t.name),
    slots: sheetSlots,
    participants,
    generatedAt: now,
  };
}

/** « emargement-premiers-secours-en-sante-mentale-2026-12-03.pdf » */
export function sheetFilename(sheet: SheetData, extension: 'pdf' | 'csv'): string {
  const title = sheet.training.title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  const first = sheet.slots[0] ? parisDay(sheet.slots[0].startsAt) : 'sans-date';
  return `emargement-${title}-${first}.${extension}`;
}
