import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import { recordAudit } from '../audit/index.ts';
import type { Outcome } from '../accounts/registration.ts';
import { isUuid } from '../ids.ts';
import { findTraining, trainingsByIds, type Training } from './trainings.ts';
import { slotHours } from '../attendance/hours.ts';
// enrolment.ts imports this module too; the cycle is safe because neither uses the other while loading.
import { notifyPromoted, promoteFromWaitlist } from './enrolment.ts';

/** A face-to-face session of a training, with its half-days, trainers and seats. */
export interface SessionOverview {
  id: string;
  training: Training;
  place: string;
  capacity: number;
  cancellationNoticeHours: number;
  cancelledAt: Date | null;
  slots: SlotSummary[];
  trainers: { id: string; name: string }[];
  enrolledCount: number;
  waitlistCount: number;
  seatsLeft: number;
  startsAt: Date | null;
  endsAt: Date | null;
  totalHours: number;
  /** Participants may cancel until then (null: no half-day yet). */
  cancellationDeadline: Date | null;
}

export interface SlotSummary {
  id: string;
  startsAt: Date;
  endsAt: Date;
  openedAt: Date | null;
  closedAt: Date | null;
}

export interface SessionInput {
  place: string;
  capacity: number;
  cancellationNoticeHours: number;
  trainerIds: string[];
  slots: { startsAt: Date; endsAt: Date }[];
}

const NOT_FOUND = { ok: false, status: 404, message: 'Cette séance n’existe pas.' } as const;
export const COORDINATORS_ONLY = { ok: false, status: 403, message: 'Seule l’équipe de coordination peut modifier les séances et les inscriptions.' } as const;

/** Who may create sessions and manage enrolments: coordinators and admins (trainers run the attendance). */
export const managesSessions = (roles: readonly string[]): boolean => roles.includes('coordinator') || roles.includes('admin');

/** Problems with a set of half-days, in French; empty when they can be saved. */
export function slotProblems(slots: { startsAt: Date; endsAt: Date }[]): string[] {
  const problems: string[] = [];
  if (slots.length === 0) problems.push('Indiquez au moins une demi-journée.');
  if (slots.length > 40) problems.push('Une séance compte 40 demi-journées au plus.');
  const sorted = [...slots].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  for (const [i, slot] of sorted.entries()) {
    if (slot.endsAt <= slot.startsAt) problems.push('Chaque demi-journée doit finir après son début.');
    else if (slotHours(slot) > 8) problems.push('Une demi-journée dure 8 heures au plus.');
    const next = sorted[i + 1];
    if (next && next.startsAt < slot.endsAt) problems.push('Deux demi-journées se chevauchent.');
  }
  return [...new Set(problems)];
}

async function checkTrainers(db: Database, trainerIds: string[]): Promise<string | null> {
  if (trainerIds.length === 0) return 'Choisissez au moins un formateur ou une formatrice.';
  if (!trainerIds.every(isUuid)) return 'Un des formateurs choisis n’existe pas.';
  const found = await db
    .selectFrom('person_role')
    .select('person_id')
    .where('person_id', 'in', trainerIds)
    .where('role', '=', 'trainer')
    .execute();
  return found.length === new Set(trainerIds).size ? null : 'Un des formateurs choisis n’a pas le rôle de formateur.';
}

export async function createSession(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; trainingId: string } & SessionInput,
): Promise<Outcome<{ sessionId: string }>> {
  if (!managesSessions(input.actorRoles)) return COORDINATORS_ONLY;
  const training = await findTraining(ctx.db, { id: input.trainingId });
  if (!training) return { ok: false, status: 404, message: 'Cette formation n’existe pas.' };
  const problem = slotProblems(input.slots)[0] ?? (await checkTrainers(ctx.db, input.trainerIds));
  if (problem) return { ok: false, status: 400, message: problem };
  return ctx.db.transaction().execute(async (trx) => {
    const session = await trx
      .insertInto('training_session')
      .values({
        training_id: training.id,
        place: input.place,
        capacity: input.capacity,
        cancellation_notice_hours: input.cancellationNoticeHours,
        created_by: input.actorId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('session_slot')
      .values(input.slots.map((s) => ({ session_id: session.id, starts_at: s.startsAt, ends_at: s.endsAt })))
      .execute();
    await trx
      .insertInto('session_trainer')
      .values([...new Set(input.trainerIds)].map((person_id) => ({ session_id: session.id, person_id })))
      .execute();
    await recordAudit(trx, {
      actorId: input.actorId,
      action: 'session.created',
      details: { sessionId: session.id, training: training.title, slots: input.slots.length },
    });
    return { ok: true, sessionId: session.id } as const;
  });
}

/** Changes the place, capacity, notice and trainers. More seats promote people from the waiting list. */
export async function updateSession(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; sessionId: string } & Omit<SessionInput, 'slots'>,
): Promise<Outcome<{ promoted: string[] }>> {
  if (!managesSessions(input.actorRoles)) return COORDINATORS_ONLY;
  if (!isUuid(input.sessionId)) return NOT_FOUND;
  const problem = await checkTrainers(ctx.db, input.trainerIds);
  if (problem) return { ok: false, status: 400, message: problem };
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const session = await trx.selectFrom('training_session').select(['id']).where('id', '=', input.sessionId).forUpdate().executeTakeFirst();
    if (!session) return NOT_FOUND;
    const { count } = await trx
      .selectFrom('enrolment')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('session_id', '=', input.sessionId)
      .where('status', '=', 'enrolled')
      .executeTakeFirstOrThrow();
    if (input.capacity < Number(count))
      return {
        ok: false,
        status: 409,
        message: `${count} personnes sont déjà inscrites : la capacité ne peut pas descendre en dessous. Retirez d’abord des inscriptions.`,
      } as const;
    await trx
      .updateTable('training_session')
      .set({ place: input.place, capacity: input.capacity, cancellation_notice_hours: input.cancellationNoticeHours })
      .where('id', '=', input.sessionId)
      .execute();
    await trx.deleteFrom('session_trainer').where('session_id', '=', input.sessionId).execute();
    await trx
      .insertInto('session_trainer')
      .values([...new Set(input.trainerIds)].map((person_id) => ({ session_id: input.sessionId, person_id })))
      .execute();
    const promoted = await promoteFromWaitlist(trx, input.sessionId, input.actorId, ctx.now());
    await recordAudit(trx, {
      actorId: input.actorId,
      action: 'session.updated',
      details: { sessionId: input.sessionId, place: input.place, capacity: input.capacity, trainers: input.trainerIds },
    });
    return { ok: true, promoted } as const;
  });
  if (outcome.ok) await notifyPromoted(ctx, input.sessionId, outcome.promoted);
  return outcome;
}

/** Adds a half-day to a session. */
export async function addSlot(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; sessionId: string; startsAt: Date; endsAt: Date },
): Promise<Outcome> {
  if (!managesSessions(input.actorRoles)) return COORDINATORS_ONLY;
  const session = await sessionOverview(ctx.db, input.sessionId);
  if (!session) return NOT_FOUND;
  const problem = slotProblems([...session.slots, { startsAt: input.startsAt, endsAt: input.endsAt }])[0];
  if (problem) return { ok: false, status: 400, message: problem };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('session_slot').values({ session_id: input.sessionId, starts_at: input.startsAt, ends_at: input.endsAt }).execute();
    await recordAudit(trx, { actorId: input.actorId, action: 'session.slot-added', details: { sessionId: input.sessionId, startsAt: input.startsAt } });
  });
  return { ok: true };
}

/** Removes a half-day that has not been opened: once signing began, its records must stay. */
export async function removeSlot(ctx: AppContext, input: { actorId: string; actorRoles: readonly string[]; sessionId: string; slotId: string }): Promise<Outcome> {
  if (!managesSessions(input.actorRoles)) return COORDINATORS_ONLY;
  if (!isUuid(input.sessionId) || !isUuid(input.slotId)) return NOT_FOUND;
  return ctx.db.transaction().execute(async (trx) => {
    const slot = await trx
      .selectFrom('session_slot')
      .select(['id', 'opened_at', 'starts_at'])
      .where('id', '=', input.slotId)
      .where('session_id', '=', input.sessionId)
      .forUpdate()
      .executeTakeFirst();
    if (!slot) return { ok: false, status: 404, message: 'Cette demi-journée n’existe pas.' } as const;
    if (slot.opened_at) return { ok: false, status: 409, message: 'Cette demi-journée a déjà été ouverte à l’émargement : elle ne peut plus être retirée.' } as const;
    const { count } = await trx
      .selectFrom('session_slot')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('session_id', '=', input.sessionId)
      .executeTakeFirstOrThrow();
    if (Number(count) <= 1) return { ok: false, status: 409, message: 'Une séance garde au moins une demi-journée.' } as const;
    await trx.deleteFrom('session_slot').where('id', '=', input.slotId).execute();
    await recordAudit(trx, { actorId: input.actorId, action: 'session.slot-removed', details: { sessionId: input.sessionId, startsAt: slot.starts_at } });
    return { ok: true } as const;
  });
}

type SessionRow = {
  id: string;
  training_id: string;
  place: string;
  capacity: number;
  cancellation_notice_hours: number;
  cancelled_at: Date | null;
  enrolled: number | null;
  waitlisted: number | null;
};

function sessionRows(db: Database) {
  return db
    .selectFrom('training_session as s')
    .select(['s.id', 's.training_id', 's.place', 's.capacity', 's.cancellation_notice_hours', 's.cancelled_at'])
    .select((eb) => [
      eb
        .selectFrom('enrolment as e')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('e.session_id', '=', 's.id')
        .where('e.status', '=', 'enrolled')
        .as('enrolled'),
      eb
        .selectFrom('enrolment as e')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('e.session_id', '=', 's.id')
        .where('e.status', '=', 'waitlisted')
        .as('waitlisted'),
    ]);
}

/** Builds the overviews of several sessions with three more queries, whatever their number. */
async function overviews(db: Database, rows: SessionRow[]): Promise<SessionOverview[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [slots, trainers, trainings] = await Promise.all([
    db
      .selectFrom('session_slot')
      .select(['id', 'session_id', 'starts_at', 'ends_at', 'opened_at', 'closed_at'])
      .where('session_id', 'in', ids)
      .orderBy('starts_at')
      .execute(),
    db
      .selectFrom('session_trainer as t')
      .innerJoin('person as p', 'p.id', 't.person_id')
      .select(['t.session_id', 'p.id', 'p.given_name', 'p.family_name'])
      .where('t.session_id', 'in', ids)
      .orderBy('p.family_name')
      .execute(),
    trainingsByIds(db, rows.map((r) => r.training_id)),
  ]);
  const slotsBySession = groupBy(slots, (s) => s.session_id);
  const trainersBySession = groupBy(trainers, (t) => t.session_id);
  return rows.map((row) => {
    const own = (slotsBySession.get(row.id) ?? []).map((s) => ({ id: s.id, startsAt: s.starts_at, endsAt: s.ends_at, openedAt: s.opened_at, closedAt: s.closed_at }));
    const startsAt = own[0]?.startsAt ?? null;
    const enrolledCount = Number(row.enrolled ?? 0);
    return {
      id: row.id,
      training: trainings.get(row.training_id)!,
      place: row.place,
      capacity: row.capacity,
      cancellationNoticeHours: row.cancellation_notice_hours,
      cancelledAt: row.cancelled_at,
      slots: own,
      trainers: (trainersBySession.get(row.id) ?? []).map((t) => ({ id: t.id, name: `${t.given_name} ${t.family_name}` })),
      enrolledCount,
      waitlistCount: Number(row.waitlisted ?? 0),
      seatsLeft: Math.max(0, row.capacity - enrolledCount),
      startsAt,
      endsAt: own.at(-1)?.endsAt ?? null,
      totalHours: own.reduce((sum, s) => sum + slotHours(s), 0),
      cancellationDeadline: startsAt ? new Date(startsAt.getTime() - row.cancellation_notice_hours * 3_600_000) : null,
    };
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** Several sessions' overviews by id, with four queries whatever their number (a person's enrolments). */
export async function sessionOverviews(db: Database, sessionIds: readonly string[]): Promise<Map<string, SessionOverview>> {
  const ids = sessionIds.filter(isUuid);
  if (ids.length === 0) return new Map();
  const sessions = await overviews(db, await sessionRows(db).where('s.id', 'in', ids).execute());
  return new Map(sessions.map((s) => [s.id, s]));
}

export async function sessionOverview(db: Database, sessionId: string): Promise<SessionOverview | undefined> {
  if (!isUuid(sessionId)) return undefined;
  const rows = await sessionRows(db).where('s.id', '=', sessionId).execute();
  return (await overviews(db, rows))[0];
}

/** Sessions whose first half-day is still to come (the catalogue), soonest first. */
export async function upcomingSessions(db: Database, options: { now: Date; trainingId?: string }): Promise<SessionOverview[]> {
  let query = sessionRows(db)
    .where('s.cancelled_at', 'is', null)
    // Cheap first (the half-days to come, from their index), then exact: none has begun yet.
    .where('s.id', 'in', db.selectFrom('session_slot').select('session_id').where('starts_at', '>', options.now))
    .where((eb) =>
      eb(eb.selectFrom('session_slot as sl').select((x) => x.fn.min('sl.starts_at').as('first')).whereRef('sl.session_id', '=', 's.id'), '>', options.now),
    );
  if (options.trainingId) query = query.where('s.training_id', '=', options.trainingId);
  const sessions = await overviews(db, await query.execute());
  return sessions.sort((a, b) => (a.startsAt?.getTime() ?? 0) - (b.startsAt?.getTime() ?? 0));
}

/** Every session of a training, past and future, latest first (the coordinator's view). */
export async function sessionsOfTraining(db: Database, trainingId: string): Promise<SessionOverview[]> {
  if (!isUuid(trainingId)) return [];
  const sessions = await overviews(db, await sessionRows(db).where('s.training_id', '=', trainingId).execute());
  return sessions.sort((a, b) => (b.startsAt?.getTime() ?? 0) - (a.startsAt?.getTime() ?? 0));
}

/**
 * The sessions a trainer runs (or every session, for coordinators), those not yet over first,
 * soonest first, then the past ones.
 */
export async function sessionsRunBy(db: Database, trainerId: string | 'all', now: Date): Promise<SessionOverview[]> {
  let query = sessionRows(db);
  if (trainerId !== 'all')
    query = query.where('s.id', 'in', db.selectFrom('session_trainer').select('session_id').where('person_id', '=', trainerId));
  const sessions = await overviews(db, await query.execute());
  const time = (s: SessionOverview) => s.startsAt?.getTime() ?? 0;
  const current = sessions.filter((s) => !s.endsAt || s.endsAt >= now).sort((a, b) => time(a) - time(b));
  const past = sessions.filter((s) => s.endsAt && s.endsAt < now).sort((a, b) => time(b) - time(a));
  return [...current, ...past];
}

/** Who may run a session's attendance: its trainers, and the coordinators and admins. */
export async function canRunSession(db: Database, person: { id: string; roles: readonly string[] }, sessionId: string): Promise<boolean> {
  if (person.roles.includes('coordinator') || person.roles.includes('admin')) return true;
  if (!isUuid(sessionId)) return false;
  const row = await db
    .selectFrom('session_trainer')
    .select('person_id')
    .where('session_id', '=', sessionId)
    .where('person_id', '=', person.id)
    .executeTakeFirst();
  return !!row;
}

/** People who hold the trainer role, for the session form. */
export async function trainerChoices(db: Database): Promise<{ id: string; name: string }[]> {
  const rows = await db
    .selectFrom('person as p')
    .innerJoin('person_role as r', 'r.person_id', 'p.id')
    .select(['p.id', 'p.given_name', 'p.family_name'])
    .where('r.role', '=', 'trainer')
    .where('p.erased_at', 'is', null)
    .orderBy(sql`lower(p.family_name)`)
    .execute();
  return rows.map((r) => ({ id: r.id, name: `${r.given_name} ${r.family_name}` }));
}
