import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { AttendanceMethod, AttendanceStatus } from '../db/schema.ts';
import type { Outcome } from '../accounts/registration.ts';
import { isUuid } from '../ids.ts';
import { recordAudit } from '../audit/index.ts';
import { currentAttendance, forgetLiveState, slotForTrainer, type Actor } from './slots.ts';

/**
 * What a trainer (or coordinator) records by hand: a presence, a late arrival, an absence with
 * its justification. The first record of a person in a half-day is a plain record; any later
 * one is a correction and needs a reason. Records are never changed: the history keeps them all.
 */
export async function recordAttendance(
  ctx: AppContext,
  input: {
    actor: Actor;
    slotId: string;
    personId: string;
    status: AttendanceStatus;
    arrivedAt?: Date | undefined;
    reason?: string | undefined;
  },
): Promise<Outcome<{ method: AttendanceMethod }>> {
  const found = await slotForTrainer(ctx.db, input.actor, input.slotId);
  if (!found.ok) return found;
  const { slot } = found;
  if (!isUuid(input.personId)) return { ok: false, status: 404, message: 'Cette personne ne participe pas à la séance.' };
  const reason = input.reason?.trim() || null;
  if (input.status === 'late') {
    if (!input.arrivedAt) return { ok: false, status: 400, message: 'Heure d’arrivée : indiquez-la pour un retard.' };
    if (input.arrivedAt <= slot.startsAt || input.arrivedAt >= slot.endsAt)
      return { ok: false, status: 400, message: 'Heure d’arrivée : elle doit tomber pendant la demi-journée.' };
  }
  if (input.status === 'absent_justified' && !reason)
    return { ok: false, status: 400, message: 'Motif : indiquez la justification de l’absence (sans détail de santé).' };
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome<{ method: AttendanceMethod }>> => {
    // Serialises records for this half-day, so that « first record or correction » is decided once.
    await trx.selectFrom('session_slot').select('id').where('id', '=', slot.id).forUpdate().executeTakeFirstOrThrow();
    const participant = await trx
      .selectFrom('person as p')
      .select('p.id')
      .where('p.id', '=', input.personId)
      .where((eb) =>
        eb.or([
          eb.exists(
            eb.selectFrom('enrolment').select('id').where('session_id', '=', slot.sessionId).where('person_id', '=', input.personId).where('status', '=', 'enrolled'),
          ),
          eb.exists(eb.selectFrom('attendance_record').select('id').where('slot_id', '=', slot.id).where('person_id', '=', input.personId)),
        ]),
      )
      .executeTakeFirst();
    if (!participant) return { ok: false, status: 404, message: 'Cette personne ne participe pas à la séance.' };
    const current = (await currentAttendance(trx, [slot.id])).get(`${slot.id}:${input.personId}`);
    const method: AttendanceMethod = current ? 'correction' : 'trainer';
    if (method === 'correction' && !reason)
      return { ok: false, status: 400, message: 'Motif : une correction doit dire pourquoi l’enregistrement précédent change.' };
    if (current && current.status === input.status && current.arrivedAt?.getTime() === input.arrivedAt?.getTime() && current.reason === reason)
      return { ok: false, status: 409, message: 'C’est déjà ce qui est enregistré : rien n’a changé.' };
    await trx
      .insertInto('attendance_record')
      .values({
        slot_id: slot.id,
        person_id: input.personId,
        status: input.status,
        method,
        arrived_at: input.status === 'late' ? input.arrivedAt! : null,
        reason,
        recorded_by: input.actor.id,
        recorded_at: ctx.now(),
      })
      .execute();
    await recordAudit(trx, {
      actorId: input.actor.id,
      action: method === 'correction' ? 'attendance.corrected' : 'attendance.recorded',
      subjectPersonId: input.personId,
      details: { slotId: slot.id, status: input.status, previous: current?.status ?? null },
    });
    return { ok: true, method };
  });
  forgetLiveState(slot.id);
  return outcome;
}

export interface AttendanceHistoryEntry {
  id: number;
  status: AttendanceStatus;
  method: AttendanceMethod;
  signedAt: Date | null;
  arrivedAt: Date | null;
  reason: string | null;
  signatureText: string | null;
  hasSignatureImage: boolean;
  recordedAt: Date;
  recordedBy: string | null;
}

/** Every record of a person in a half-day, oldest first: who recorded what, and when. */
export async function attendanceHistory(db: Database, slotId: string, personId: string): Promise<AttendanceHistoryEntry[]> {
  if (!isUuid(slotId) || !isUuid(personId)) return [];
  const rows = await db
    .selectFrom('attendance_record as r')
    .leftJoin('person as p', 'p.id', 'r.recorded_by')
    .select(['r.id', 'r.status', 'r.method', 'r.signed_at', 'r.arrived_at', 'r.reason', 'r.signature_text', 'r.recorded_at', 'p.given_name', 'p.family_name'])
    .select((eb) => eb('r.signature_png', 'is not', null).as('has_image'))
    .where('r.slot_id', '=', slotId)
    .where('r.person_id', '=', personId)
    .orderBy('r.id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    method: r.method,
    signedAt: r.signed_at,
    arrivedAt: r.arrived_at,
    reason: r.reason,
    signatureText: r.signature_text,
    hasSignatureImage: !!r.has_image,
    recordedAt: r.recorded_at,
    recordedBy: r.given_name ? `${r.given_name} ${r.family_name}` : null,
  }));
}

/** The PNG of a signature drawn on the tablet, for the trainer's and coordinator's screens. */
export async function signatureImage(db: Database, recordId: number): Promise<{ slotId: string; png: Uint8Array } | undefined> {
  const row = await db.selectFrom('attendance_record').select(['slot_id', 'signature_png']).where('id', '=', recordId).executeTakeFirst();
  return row?.signature_png ? { slotId: row.slot_id, png: row.signature_png } : undefined;
}
