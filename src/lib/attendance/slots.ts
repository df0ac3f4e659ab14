import { sql, type Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { AttendanceMethod, AttendanceStatus, DB } from '../db/schema.ts';
import { recordAudit } from '../audit/index.ts';
import type { Outcome } from '../accounts/registration.ts';
import { isUuid } from '../ids.ts';
import { managesSessions } from '../sessions/training-sessions.ts';
import { currentCode, newCodeSecret } from './codes.ts';

/**
 * A half-day's signing: the trainer opens it (a secret for the rotating codes is drawn), watches
 * the list fill in, and closes it, which is their countersignature. Whoever has no record at the
 * closing is recorded absent, so the sheet never has a blank that could be filled in later.
 */

export interface Actor {
  id: string;
  roles: readonly string[];
}

export interface SlotRef {
  id: string;
  sessionId: string;
  trainingTitle: string;
  place: string;
  startsAt: Date;
  endsAt: Date;
  openedAt: Date | null;
  closedAt: Date | null;
  closedBy: string | null;
  codeSecret: Uint8Array | null;
}

/** Opening is possible from an hour before the half-day until four hours after its end. */
export const OPEN_EARLY_MS = 60 * 60_000;
export const OPEN_LATE_MS = 4 * 60 * 60_000;

const NO_SLOT = { ok: false, status: 404, message: 'Cette demi-journée n’existe pas.' } as const;
const NOT_YOURS = { ok: false, status: 403, message: 'Seuls les formateurs de cette séance et l’équipe de coordination peuvent faire cela.' } as const;

export async function findSlot(db: Database | Transaction<DB>, slotId: string): Promise<SlotRef | undefined> {
  return (await findSlotFor(db, slotId, null))?.slot;
}

/** The slot, and whether `personId` is one of its session's trainers, in one query (the live view is polled). */
async function findSlotFor(db: Database | Transaction<DB>, slotId: string, personId: string | null): Promise<{ slot: SlotRef; isTrainer: boolean } | undefined> {
  if (!isUuid(slotId)) return undefined;
  const row = await db
    .selectFrom('session_slot as sl')
    .innerJoin('training_session as s', 's.id', 'sl.session_id')
    .innerJoin('training as t', 't.id', 's.training_id')
    .select(['sl.id', 'sl.session_id', 't.title', 's.place', 'sl.starts_at', 'sl.ends_at', 'sl.opened_at', 'sl.closed_at', 'sl.closed_by', 'sl.code_secret'])
    .select((eb) =>
      eb
        .exists(eb.selectFrom('session_trainer as st').select('st.person_id').whereRef('st.session_id', '=', 'sl.session_id').where('st.person_id', '=', personId ?? '00000000-0000-0000-0000-000000000000'))
        .as('is_trainer'),
    )
    .where('sl.id', '=', slotId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    slot: {
      id: row.id,
      sessionId: row.session_id,
      trainingTitle: row.title,
      place: row.place,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      openedAt: row.opened_at,
      closedAt: row.closed_at,
      closedBy: row.closed_by,
      codeSecret: row.code_secret,
    },
    isTrainer: !!row.is_trainer,
  };
}

export type SlotPhase = 'upcoming' | 'open' | 'closed';
export const slotPhase = (slot: { openedAt: Date | null; closedAt: Date | null }): SlotPhase =>
  slot.closedAt ? 'closed' : slot.openedAt ? 'open' : 'upcoming';

/** The slot, if this person may run it: one of its trainers, or the coordination (see canRunSession). */
export async function slotForTrainer(db: Database, actor: Actor, slotId: string): Promise<Outcome<{ slot: SlotRef }>> {
  const found = await findSlotFor(db, slotId, actor.id);
  if (!found) return NO_SLOT;
  if (!found.isTrainer && !managesSessions(actor.roles)) return NOT_YOURS;
  return { ok: true, slot: found.slot };
}

export async function openSlot(ctx: AppContext, input: { actor: Actor; slotId: string }): Promise<Outcome> {
  const found = await slotForTrainer(ctx.db, input.actor, input.slotId);
  if (!found.ok) return found;
  const now = ctx.now();
  const { slot } = found;
  if (slot.closedAt) return { ok: false, status: 409, message: 'Cette demi-journée est déjà close : une correction reste possible depuis la fiche d’un participant.' };
  if (slot.openedAt) return { ok: true };
  if (now.getTime() < slot.startsAt.getTime() - OPEN_EARLY_MS)
    return { ok: false, status: 409, message: 'L’émargement s’ouvre au plus tôt une heure avant le début de la demi-journée.' };
  if (now.getTime() > slot.endsAt.getTime() + OPEN_LATE_MS)
    return { ok: false, status: 409, message: 'Cette demi-journée est passée depuis plus de quatre heures : notez les présences depuis la fiche de chaque participant.' };
  await ctx.db.transaction().execute(async (trx) => {
    const opened = await trx
      .updateTable('session_slot')
      .set({ opened_at: now, opened_by: input.actor.id, code_secret: newCodeSecret() })
      .where('id', '=', slot.id)
      .where('opened_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (opened) await recordAudit(trx, { actorId: input.actor.id, action: 'attendance.slot-opened', details: { slotId: slot.id, sessionId: slot.sessionId } });
  });
  return { ok: true };
}

/** Closes the half-day: the trainer's countersignature. Enrolled people with no record are recorded absent. */
export async function closeSlot(ctx: AppContext, input: { actor: Actor; slotId: string }): Promise<Outcome<{ absentees: number }>> {
  const found = await slotForTrainer(ctx.db, input.actor, input.slotId);
  if (!found.ok) return found;
  const now = ctx.now();
  return ctx.db.transaction().execute(async (trx): Promise<Outcome<{ absentees: number }>> => {
    const slot = await trx
      .selectFrom('session_slot')
      .select(['opened_at', 'closed_at'])
      .where('id', '=', input.slotId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (slot.closed_at) return { ok: false, status: 409, message: 'Cette demi-journée est déjà close.' };
    if (!slot.opened_at) return { ok: false, status: 409, message: 'Ouvrez d’abord l’émargement de cette demi-journée.' };
    const silent = await trx
      .selectFrom('enrolment as e')
      .select('e.person_id')
      .where('e.session_id', '=', found.slot.sessionId)
      .where('e.status', '=', 'enrolled')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('attendance_record as r').select('r.id').whereRef('r.person_id', '=', 'e.person_id').where('r.slot_id', '=', input.slotId))),
      )
      .execute();
    if (silent.length)
      await trx
        .insertInto('attendance_record')
        .values(
          silent.map((s) => ({
            slot_id: input.slotId,
            person_id: s.person_id,
            status: 'absent_unjustified' as const,
            method: 'closing' as const,
            recorded_by: input.actor.id,
            recorded_at: now,
          })),
        )
        .execute();
    await trx.updateTable('session_slot').set({ closed_at: now, closed_by: input.actor.id }).where('id', '=', input.slotId).execute();
    await recordAudit(trx, {
      actorId: input.actor.id,
      action: 'attendance.slot-closed',
      details: { slotId: input.slotId, sessionId: found.slot.sessionId, absentees: silent.length },
    });
    return { ok: true, absentees: silent.length };
  });
}

export interface CurrentAttendance {
  personId: string;
  status: AttendanceStatus;
  method: AttendanceMethod;
  signedAt: Date | null;
  arrivedAt: Date | null;
  recordedAt: Date;
  reason: string | null;
  hasSignatureImage: boolean;
  signatureText: string | null;
  corrected: boolean;
}

/** The current record (the latest) of each person in some slots, with whether it corrects an earlier one. */
export async function currentAttendance(db: Database | Transaction<DB>, slotIds: string[]): Promise<Map<string, CurrentAttendance>> {
  const result = new Map<string, CurrentAttendance>();
  if (slotIds.length === 0) return result;
  const rows = await db
    .selectFrom('attendance_record as r')
    .distinctOn(['r.slot_id', 'r.person_id'])
    .select([
      'r.slot_id',
      'r.person_id',
      'r.status',
      'r.method',
      'r.signed_at',
      'r.arrived_at',
      'r.recorded_at',
      'r.reason',
      'r.signature_text',
      sql<boolean>`r.signature_png IS NOT NULL`.as('has_image'),
    ])
    .where('r.slot_id', 'in', slotIds)
    .orderBy('r.slot_id')
    .orderBy('r.person_id')
    .orderBy('r.id', 'desc')
    .execute();
  for (const r of rows)
    result.set(`${r.slot_id}:${r.person_id}`, {
      personId: r.person_id,
      status: r.status,
      method: r.method,
      signedAt: r.signed_at,
      arrivedAt: r.arrived_at,
      recordedAt: r.recorded_at,
      reason: r.reason,
      hasSignatureImage: r.has_image,
      signatureText: r.signature_text,
      corrected: r.method === 'correction',
    });
  return result;
}

/** One person's current status in a half-day: present (or late) already? Index lookup, not the whole list. */
export async function alreadyPresent(db: Database | Transaction<DB>, slotId: string, personId: string): Promise<boolean> {
  const latest = await db
    .selectFrom('attendance_record')
    .select('status')
    .where('slot_id', '=', slotId)
    .where('person_id', '=', personId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return latest?.status === 'present' || latest?.status === 'late';
}

export interface LiveParticipant {
  personId: string;
  name: string;
  familyName: string;
  givenName: string;
  current: CurrentAttendance | null;
}

export interface SlotLiveState {
  slot: SlotRef;
  phase: SlotPhase;
  code: { code: string; secondsLeft: number; counter: number } | null;
  participants: LiveParticipant[];
  counts: { expected: number; present: number; late: number; absent: number; waiting: number };
}

/**
 * What the trainer's screen shows: the code of the moment and where each participant stands.
 * The screen asks every few seconds, possibly from several devices: the list is computed at
 * most once a second per half-day and instance (the code, from the clock, is always current).
 */
export async function slotLiveState(ctx: AppContext, slot: SlotRef): Promise<SlotLiveState> {
  const key = `${slot.id}:${slot.openedAt?.getTime() ?? 0}:${slot.closedAt?.getTime() ?? 0}`;
  const now = ctx.now();
  let entry = liveCache.get(slot.id);
  if (!entry || entry.key !== key || now.getTime() - entry.at >= LIVE_CACHE_MS || now.getTime() < entry.at) {
    entry = { key, at: now.getTime(), participants: participantsNow(ctx.db, slot) };
    liveCache.set(slot.id, entry);
    if (liveCache.size > 1000) liveCache.delete(liveCache.keys().next().value!);
    entry.participants.catch(() => liveCache.delete(slot.id));
  }
  const participants = await entry.participants;
  const count = (...statuses: AttendanceStatus[]) => participants.filter((p) => p.current && statuses.includes(p.current.status)).length;
  const phase = slotPhase(slot);
  return {
    slot,
    phase,
    code: phase === 'open' && slot.codeSecret ? currentCode(slot.codeSecret, now) : null,
    participants,
    counts: {
      expected: participants.length,
      present: count('present'),
      late: count('late'),
      absent: count('absent_justified', 'absent_unjustified'),
      waiting: participants.filter((p) => !p.current).length,
    },
  };
}

const LIVE_CACHE_MS = 1000;
const liveCache = new Map<string, { key: string; at: number; participants: Promise<LiveParticipant[]> }>();

/** Forgets the cached list of a half-day, so that the writer's next page shows their change at once. */
export function forgetLiveState(slotId: string): void {
  liveCache.delete(slotId);
}

/** Everyone enrolled, and anyone with a record (removed since), with their current record. */
async function participantsNow(db: Database, slot: SlotRef): Promise<LiveParticipant[]> {
  const [roster, current] = await Promise.all([
    db
      .selectFrom('person as p')
      .select(['p.id', 'p.given_name', 'p.family_name'])
      .where('p.id', 'in', (eb) =>
        eb
          .selectFrom('enrolment')
          .select('person_id')
          .where('session_id', '=', slot.sessionId)
          .where('status', '=', 'enrolled')
          .union(eb.selectFrom('attendance_record').select('person_id').where('slot_id', '=', slot.id)),
      )
      .orderBy(sql`lower(p.family_name)`)
      .orderBy(sql`lower(p.given_name)`)
      .execute(),
    currentAttendance(db, [slot.id]),
  ]);
  return roster.map((p) => ({
    personId: p.id,
    name: `${p.given_name} ${p.family_name}`,
    familyName: p.family_name,
    givenName: p.given_name,
    current: current.get(`${slot.id}:${p.id}`) ?? null,
  }));
}
