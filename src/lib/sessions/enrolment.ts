import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { DB, EnrolmentStatus } from '../db/schema.ts';
import { recordAudit } from '../audit/index.ts';
import type { Outcome } from '../accounts/registration.ts';
import { isUuid } from '../ids.ts';
import { frenchDateTime, frenchLongDate, frenchTime } from '../time.ts';
import { halfDayLabel } from '../attendance/sheet-labels.ts';
import { sessionCalendar } from './calendar.ts';
import { COORDINATORS_ONLY, managesSessions, sessionOverview, sessionOverviews, type SessionOverview } from './training-sessions.ts';

/**
 * Enrolment in a session, with a waiting list. Every change locks the session's row first, so
 * that two people taking the last seat at the same moment are served one after the other:
 * the seats are never overbooked. Freed seats go to the waiting list in the order people asked.
 */

const NO_SESSION = { ok: false, status: 404, message: 'Cette séance n’existe pas.' } as const;

export type EnrolOutcome = Outcome<{ status: 'enrolled' | 'waitlisted'; position: number | null; already: boolean }>;

async function lockSession(trx: Transaction<DB>, sessionId: string) {
  return trx
    .selectFrom('training_session')
    .select(['id', 'capacity', 'cancelled_at'])
    .where('id', '=', sessionId)
    .forUpdate()
    .executeTakeFirst();
}

async function enrolledCount(trx: Transaction<DB>, sessionId: string): Promise<number> {
  const { count } = await trx
    .selectFrom('enrolment')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('session_id', '=', sessionId)
    .where('status', '=', 'enrolled')
    .executeTakeFirstOrThrow();
  return Number(count);
}

async function firstStart(trx: Transaction<DB> | Database, sessionId: string): Promise<Date | null> {
  const row = await trx
    .selectFrom('session_slot')
    .select((eb) => eb.fn.min('starts_at').as('first'))
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
  return (row?.first as Date | null | undefined) ?? null;
}

/** A person's place on the waiting list, from 1. */
export async function waitlistPosition(db: Transaction<DB> | Database, sessionId: string, personId: string): Promise<number | null> {
  const mine = await db
    .selectFrom('enrolment')
    .select('queue_number')
    .where('session_id', '=', sessionId)
    .where('person_id', '=', personId)
    .where('status', '=', 'waitlisted')
    .executeTakeFirst();
  if (!mine) return null;
  const { count } = await db
    .selectFrom('enrolment')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('session_id', '=', sessionId)
    .where('status', '=', 'waitlisted')
    .where('queue_number', '<=', mine.queue_number)
    .executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * Enrols a person (themselves, or by a coordinator): a seat if one is left, otherwise the end
 * of the waiting list. Asking again while enrolled or waiting changes nothing.
 */
export async function enrol(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; personId: string; sessionId: string; employer?: string | undefined },
): Promise<EnrolOutcome> {
  if (input.actorId !== input.personId && !managesSessions(input.actorRoles)) return COORDINATORS_ONLY;
  if (!isUuid(input.sessionId) || !isUuid(input.personId)) return NO_SESSION;
  const now = ctx.now();
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<EnrolOutcome> => {
    const session = await lockSession(trx, input.sessionId);
    if (!session) return NO_SESSION;
    if (session.cancelled_at) return { ok: false, status: 409, message: 'Cette séance est annulée : les inscriptions sont fermées.' };
    const start = await firstStart(trx, input.sessionId);
    if (!start || start <= now) return { ok: false, status: 409, message: 'Les inscriptions à cette séance sont closes : elle a déjà commencé.' };
    const person = await trx.selectFrom('person').select(['id', 'erased_at']).where('id', '=', input.personId).executeTakeFirst();
    if (!person || person.erased_at) return { ok: false, status: 404, message: 'Cette personne n’a pas de compte.' };
    const existing = await trx
      .selectFrom('enrolment')
      .select(['id', 'status'])
      .where('session_id', '=', input.sessionId)
      .where('person_id', '=', input.personId)
      .executeTakeFirst();
    if (existing && (existing.status === 'enrolled' || existing.status === 'waitlisted'))
      return {
        ok: true,
        status: existing.status,
        position: await waitlistPosition(trx, input.sessionId, input.personId),
        already: true,
      };
    const status: 'enrolled' | 'waitlisted' = (await enrolledCount(trx, input.sessionId)) < session.capacity ? 'enrolled' : 'waitlisted';
    const values = {
      status,
      employer: input.employer?.trim() || null,
      requested_at: now,
      updated_at: now,
      updated_by: input.actorId,
    };
    if (existing)
      // Asking again after a cancellation: a new place at the end of the queue.
      await trx
        .updateTable('enrolment')
        .set((eb) => ({ ...values, queue_number: eb.fn<number>('nextval', [eb.val('enrolment_queue_seq')]) }))
        .where('id', '=', existing.id)
        .execute();
    else await trx.insertInto('enrolment').values({ ...values, session_id: input.sessionId, person_id: input.personId }).execute();
    await recordAudit(trx, {
      actorId: input.actorId,
      action: status === 'enrolled' ? 'enrolment.enrolled' : 'enrolment.waitlisted',
      subjectPersonId: input.personId,
      details: { sessionId: input.sessionId },
    });
    return { ok: true, status, position: await waitlistPosition(trx, input.sessionId, input.personId), already: false };
  });
  if (outcome.ok && !outcome.already) {
    if (outcome.status === 'enrolled') await sendConvocation(ctx, input.sessionId, input.personId, 'enrolled');
    else await sendWaitlistNotice(ctx, input.sessionId, input.personId, outcome.position ?? 0);
  }
  return outcome;
}

/**
 * Gives free seats to the waiting list, in queue order. Runs inside the transaction that freed
 * the seats (the session's row is locked); returns who got one, to be told after the commit.
 */
export async function promoteFromWaitlist(trx: Transaction<DB>, sessionId: string, actorId: string | null, now: Date): Promise<string[]> {
  const session = await trx.selectFrom('training_session').select(['capacity', 'cancelled_at']).where('id', '=', sessionId).executeTakeFirst();
  if (!session || session.cancelled_at) return [];
  const start = await firstStart(trx, sessionId);
  if (!start || start <= now) return [];
  const free = session.capacity - (await enrolledCount(trx, sessionId));
  if (free <= 0) return [];
  const next = await trx
    .selectFrom('enrolment')
    .select(['id', 'person_id'])
    .where('session_id', '=', sessionId)
    .where('status', '=', 'waitlisted')
    .orderBy('queue_number')
    .limit(free)
    .execute();
  if (next.length === 0) return [];
  await trx
    .updateTable('enrolment')
    .set({ status: 'enrolled', updated_at: now, updated_by: actorId })
    .where(
      'id',
      'in',
      next.map((n) => n.id),
    )
    .execute();
  for (const n of next)
    await recordAudit(trx, { actorId, action: 'enrolment.promoted', subjectPersonId: n.person_id, details: { sessionId, automatic: true } });
  return next.map((n) => n.person_id);
}

export async function notifyPromoted(ctx: AppContext, sessionId: string, personIds: string[]): Promise<void> {
  for (const personId of personIds) await sendConvocation(ctx, sessionId, personId, 'promoted');
}

/**
 * Ends an enrolment: by the participant (until the cancellation deadline, or any time while on
 * the waiting list) or by a coordinator (any time). The freed seat goes to the waiting list.
 */
export async function cancelEnrolment(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; personId: string; sessionId: string; byCoordinator: boolean },
): Promise<Outcome<{ promoted: string[] }>> {
  if ((input.byCoordinator || input.actorId !== input.personId) && !managesSessions(input.actorRoles)) return COORDINATORS_ONLY;
  if (!isUuid(input.sessionId) || !isUuid(input.personId)) return NO_SESSION;
  const now = ctx.now();
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome<{ promoted: string[]; previous: EnrolmentStatus }>> => {
    const session = await lockSession(trx, input.sessionId);
    if (!session) return NO_SESSION;
    const enrolment = await trx
      .selectFrom('enrolment as e')
      .innerJoin('training_session as s', 's.id', 'e.session_id')
      .select(['e.id', 'e.status', 's.cancellation_notice_hours'])
      .where('e.session_id', '=', input.sessionId)
      .where('e.person_id', '=', input.personId)
      .executeTakeFirst();
    if (!enrolment || (enrolment.status !== 'enrolled' && enrolment.status !== 'waitlisted'))
      return { ok: false, status: 409, message: 'Il n’y a pas d’inscription en cours à cette séance.' };
    if (!input.byCoordinator && enrolment.status === 'enrolled') {
      const start = await firstStart(trx, input.sessionId);
      const deadline = start ? new Date(start.getTime() - enrolment.cancellation_notice_hours * 3_600_000) : null;
      if (deadline && now > deadline)
        return {
          ok: false,
          status: 409,
          message: `Le délai d’annulation est passé (jusqu’au ${frenchDateTime(deadline)}) : prévenez l’équipe de coordination, qui peut encore vous désinscrire.`,
        };
    }
    await trx
      .updateTable('enrolment')
      .set({ status: input.byCoordinator ? 'removed' : 'cancelled', updated_at: now, updated_by: input.actorId })
      .where('id', '=', enrolment.id)
      .execute();
    await recordAudit(trx, {
      actorId: input.actorId,
      action: input.byCoordinator ? 'enrolment.removed' : 'enrolment.cancelled',
      subjectPersonId: input.personId,
      details: { sessionId: input.sessionId, was: enrolment.status },
    });
    const promoted = enrolment.status === 'enrolled' ? await promoteFromWaitlist(trx, input.sessionId, input.actorId, now) : [];
    return { ok: true, promoted, previous: enrolment.status };
  });
  if (!outcome.ok) return outcome;
  await sendCancellationNotice(ctx, input.sessionId, input.personId, input.byCoordinator, outcome.previous);
  await notifyPromoted(ctx, input.sessionId, outcome.promoted);
  return { ok: true, promoted: outcome.promoted };
}

/**
 * A coordinator gives a seat to someone on the waiting list, out of order if need be. The
 * session may then hold more people than its capacity: that is the coordinator's call (an extra
 * chair), and the session page says so.
 */
export async function promoteByHand(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; personId: string; sessionId: string },
): Promise<Outcome<{ overCapacity: boolean }>> {
  if (!managesSessions(input.actorRoles)) return COORDINATORS_ONLY;
  if (!isUuid(input.sessionId) || !isUuid(input.personId)) return NO_SESSION;
  const now = ctx.now();
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome<{ overCapacity: boolean }>> => {
    const session = await lockSession(trx, input.sessionId);
    if (!session) return NO_SESSION;
    const updated = await trx
      .updateTable('enrolment')
      .set({ status: 'enrolled', updated_at: now, updated_by: input.actorId })
      .where('session_id', '=', input.sessionId)
      .where('person_id', '=', input.personId)
      .where('status', '=', 'waitlisted')
      .returning('id')
      .executeTakeFirst();
    if (!updated) return { ok: false, status: 409, message: 'Cette personne n’est pas sur la liste d’attente.' };
    await recordAudit(trx, { actorId: input.actorId, action: 'enrolment.promoted', subjectPersonId: input.personId, details: { sessionId: input.sessionId, automatic: false } });
    return { ok: true, overCapacity: (await enrolledCount(trx, input.sessionId)) > session.capacity };
  });
  if (outcome.ok) await sendConvocation(ctx, input.sessionId, input.personId, 'promoted');
  return outcome;
}

export interface RosterEntry {
  personId: string;
  givenName: string;
  familyName: string;
  email: string;
  employer: string | null;
  status: EnrolmentStatus;
  requestedAt: Date;
  /** For the waiting list, from 1. */
  position: number | null;
}

/** The people enrolled (by name) and the waiting list (in order), for trainers and coordinators. */
export async function sessionRoster(db: Database, sessionId: string): Promise<{ enrolled: RosterEntry[]; waitlist: RosterEntry[] }> {
  if (!isUuid(sessionId)) return { enrolled: [], waitlist: [] };
  const rows = await db
    .selectFrom('enrolment as e')
    .innerJoin('person as p', 'p.id', 'e.person_id')
    .select(['e.person_id', 'p.given_name', 'p.family_name', 'p.email', 'e.employer', 'e.status', 'e.requested_at', 'e.queue_number'])
    .where('e.session_id', '=', sessionId)
    .where('e.status', 'in', ['enrolled', 'waitlisted'])
    .orderBy('e.queue_number')
    .execute();
  const entry = (r: (typeof rows)[number], position: number | null): RosterEntry => ({
    personId: r.person_id,
    givenName: r.given_name,
    familyName: r.family_name,
    email: r.email,
    employer: r.employer,
    status: r.status,
    requestedAt: r.requested_at,
    position,
  });
  const byName = (a: RosterEntry, b: RosterEntry) =>
    a.familyName.localeCompare(b.familyName, 'fr', { sensitivity: 'base' }) || a.givenName.localeCompare(b.givenName, 'fr');
  return {
    enrolled: rows.filter((r) => r.status === 'enrolled').map((r) => entry(r, null)).sort(byName),
    waitlist: rows.filter((r) => r.status === 'waitlisted').map((r, i) => entry(r, i + 1)),
  };
}

export interface MyEnrolment {
  session: SessionOverview;
  status: 'enrolled' | 'waitlisted';
  position: number | null;
  canCancel: boolean;
}

/** A person's current enrolments and waiting lists, sessions not yet over, soonest first. */
export async function enrolmentsOf(ctx: AppContext, personId: string): Promise<{ upcoming: MyEnrolment[]; past: SessionOverview[] }> {
  // The enrolments with their place in the waiting list, then every session's overview at once.
  const rows = await ctx.db
    .selectFrom('enrolment as e')
    .select(['e.session_id', 'e.status'])
    .select((eb) =>
      eb
        .selectFrom('enrolment as w')
        .select((w) => w.fn.countAll<number>().as('n'))
        .whereRef('w.session_id', '=', 'e.session_id')
        .where('w.status', '=', 'waitlisted')
        .whereRef('w.queue_number', '<=', 'e.queue_number')
        .as('queue_position'),
    )
    .where('e.person_id', '=', personId)
    .where('e.status', 'in', ['enrolled', 'waitlisted'])
    .execute();
  const sessions = await sessionOverviews(ctx.db, rows.map((r) => r.session_id));
  const now = ctx.now();
  const upcoming: MyEnrolment[] = [];
  const past: SessionOverview[] = [];
  for (const row of rows) {
    const session = sessions.get(row.session_id);
    if (!session) continue;
    if (session.endsAt && session.endsAt < now) {
      if (row.status === 'enrolled') past.push(session);
      continue;
    }
    const status = row.status as 'enrolled' | 'waitlisted';
    upcoming.push({
      session,
      status,
      position: status === 'waitlisted' ? Number(row.queue_position) : null,
      canCancel: status === 'waitlisted' || !session.cancellationDeadline || now <= session.cancellationDeadline,
    });
  }
  upcoming.sort((a, b) => (a.session.startsAt?.getTime() ?? 0) - (b.session.startsAt?.getTime() ?? 0));
  past.sort((a, b) => (b.startsAt?.getTime() ?? 0) - (a.startsAt?.getTime() ?? 0));
  return { upcoming, past };
}

/** The person's enrolment status in one session, or null. */
export async function enrolmentStatus(db: Database, sessionId: string, personId: string): Promise<EnrolmentStatus | null> {
  if (!isUuid(sessionId)) return null;
  const row = await db
    .selectFrom('enrolment')
    .select('status')
    .where('session_id', '=', sessionId)
    .where('person_id', '=', personId)
    .executeTakeFirst();
  return row?.status ?? null;
}

// Emails

export function calendarOf(ctx: AppContext, session: SessionOverview, method: 'PUBLISH' | 'CANCEL' = 'PUBLISH'): string {
  return sessionCalendar(
    {
      sessionId: session.id,
      trainingTitle: session.training.title,
      place: session.place,
      trainers: session.trainers.map((t) => t.name),
      url: `${ctx.publicUrl}/formations/seances/${session.id}`,
      slots: session.slots.map((s) => ({ id: s.id, startsAt: s.startsAt, endsAt: s.endsAt, label: halfDayLabel(s) })),
      method,
    },
    ctx.now(),
  );
}

export function calendarFilename(session: SessionOverview): string {
  return `seance-${session.training.slug}.ics`;
}

function scheduleText(session: SessionOverview): string {
  return session.slots.map((s) => `- ${frenchLongDate(s.startsAt)}, de ${frenchTime(s.startsAt)} à ${frenchTime(s.endsAt)}`).join('\n');
}

async function recipient(ctx: AppContext, personId: string) {
  return ctx.db.selectFrom('person').select(['email', 'given_name', 'erased_at']).where('id', '=', personId).executeTakeFirst();
}

async function sendConvocation(ctx: AppContext, sessionId: string, personId: string, why: 'enrolled' | 'promoted'): Promise<void> {
  const [session, person] = await Promise.all([sessionOverview(ctx.db, sessionId), recipient(ctx, personId)]);
  if (!session || !person || person.erased_at) return;
  const intro =
    why === 'promoted'
      ? `Bonne nouvelle : une place s’est libérée et vous êtes maintenant inscrit·e à la formation « ${session.training.title} ».`
      : `Votre inscription à la formation « ${session.training.title} » est confirmée.`;
  const deadline = session.cancellationDeadline
    ? `Si vous ne pouvez pas venir, annulez avant le ${frenchDateTime(session.cancellationDeadline)} depuis ${ctx.publicUrl}/mes-seances : votre place ira à la personne suivante sur la liste d’attente.`
    : '';
  await ctx.mail({
    to: person.email,
    personId,
    subject: `Convocation : ${session.training.title}`,
    text: `Bonjour ${person.given_name},

${intro}

Lieu : ${session.place}
${session.trainers.length ? `Formation animée par : ${session.trainers.map((t) => t.name).join(', ')}\n` : ''}Demi-journées (heure de Paris) :
${scheduleText(session)}

À chaque demi-journée, vous émargerez depuis votre téléphone (avec le code affiché par le formateur ou la formatrice) ou sur sa tablette.
Le fichier joint ajoute ces dates à votre agenda.
${deadline}

L’équipe d’ESPER Pro`,
    attachments: [{ filename: calendarFilename(session), contentType: 'text/calendar; charset=utf-8; method=PUBLISH', content: new TextEncoder().encode(calendarOf(ctx, session)) }],
  });
}

async function sendWaitlistNotice(ctx: AppContext, sessionId: string, personId: string, position: number): Promise<void> {
  const [session, person] = await Promise.all([sessionOverview(ctx.db, sessionId), recipient(ctx, personId)]);
  if (!session || !person || person.erased_at) return;
  await ctx.mail({
    to: person.email,
    personId,
    subject: `Liste d’attente : ${session.training.title}`,
    text: `Bonjour ${person.given_name},

La séance de la formation « ${session.training.title} » (${session.place}, à partir du ${frenchLongDate(session.startsAt!)}) est complète. Vous êtes sur la liste d’attente, en position ${position}.

Dès qu’une place se libère, elle vous est donnée automatiquement, dans l’ordre de la liste, et vous recevez votre convocation. Vous pouvez quitter la liste à tout moment depuis ${ctx.publicUrl}/mes-seances.

L’équipe d’ESPER Pro`,
  });
}

async function sendCancellationNotice(
  ctx: AppContext,
  sessionId: string,
  personId: string,
  byCoordinator: boolean,
  previous: EnrolmentStatus,
): Promise<void> {
  const [session, person] = await Promise.all([sessionOverview(ctx.db, sessionId), recipient(ctx, personId)]);
  if (!session || !person || person.erased_at) return;
  const what = previous === 'waitlisted' ? 'Vous ne figurez plus sur la liste d’attente' : 'Votre inscription est annulée';
  await ctx.mail({
    to: person.email,
    personId,
    subject: `${previous === 'waitlisted' ? 'Liste d’attente quittée' : 'Inscription annulée'} : ${session.training.title}`,
    text: `Bonjour ${person.given_name},

${what} pour la séance de la formation « ${session.training.title} » (${session.place}, à partir du ${frenchLongDate(session.startsAt!)})${byCoordinator ? ', à la demande de l’équipe de coordination' : ''}.

Vous pouvez vous inscrire à une autre séance depuis ${ctx.publicUrl}/formations.

L’équipe d’ESPER Pro`,
    attachments:
      previous === 'enrolled'
        ? [{ filename: calendarFilename(session), contentType: 'text/calendar; charset=utf-8; method=CANCEL', content: new TextEncoder().encode(calendarOf(ctx, session, 'CANCEL')) }]
        : [],
  });
}

/**
 * Frees the seats of a person who leaves the platform (account erasure): their enrolments in
 * sessions not yet started end, and the waiting lists move up. Past enrolments stay, with the
 * attendance they carry.
 */
export async function releaseEnrolments(ctx: AppContext, personId: string): Promise<void> {
  const now = ctx.now();
  const active = await ctx.db
    .selectFrom('enrolment')
    .select(['session_id', 'status'])
    .where('person_id', '=', personId)
    .where('status', 'in', ['enrolled', 'waitlisted'])
    .execute();
  for (const enrolment of active) {
    const promoted = await ctx.db.transaction().execute(async (trx) => {
      await lockSession(trx, enrolment.session_id);
      const start = await firstStart(trx, enrolment.session_id);
      if (start && start <= now) return [];
      await trx
        .updateTable('enrolment')
        .set({ status: 'cancelled', updated_at: now, updated_by: personId })
        .where('session_id', '=', enrolment.session_id)
        .where('person_id', '=', personId)
        .execute();
      await recordAudit(trx, { actorId: personId, action: 'enrolment.cancelled', subjectPersonId: personId, details: { sessionId: enrolment.session_id, erasure: true } });
      return enrolment.status === 'enrolled' ? promoteFromWaitlist(trx, enrolment.session_id, null, now) : [];
    });
    await notifyPromoted(ctx, enrolment.session_id, promoted);
  }
}

/** A person's enrolments and attendance records, for the download of their data. */
export async function sessionsPersonalData(db: Database, personId: string) {
  const [enrolments, attendance] = await Promise.all([
    db
      .selectFrom('enrolment as e')
      .innerJoin('training_session as s', 's.id', 'e.session_id')
      .innerJoin('training as t', 't.id', 's.training_id')
      .select(['t.title', 's.place', 'e.session_id', 'e.status', 'e.employer', 'e.requested_at', 'e.updated_at'])
      .where('e.person_id', '=', personId)
      .orderBy('e.requested_at')
      .execute(),
    db
      .selectFrom('attendance_record as r')
      .innerJoin('session_slot as sl', 'sl.id', 'r.slot_id')
      .innerJoin('training_session as s', 's.id', 'sl.session_id')
      .innerJoin('training as t', 't.id', 's.training_id')
      .select(['t.title', 'sl.starts_at', 'sl.ends_at', 'r.status', 'r.method', 'r.signed_at', 'r.arrived_at', 'r.reason', 'r.signature_png', 'r.signature_text', 'r.recorded_at'])
      .where('r.person_id', '=', personId)
      .orderBy('r.id')
      .execute(),
  ]);
  return {
    enrolments: enrolments.map((e) => ({
      training: e.title,
      place: e.place,
      sessionId: e.session_id,
      status: e.status,
      employer: e.employer,
      requestedAt: e.requested_at,
      updatedAt: e.updated_at,
    })),
    attendance: attendance.map((r) => ({
      training: r.title,
      halfDay: { startsAt: r.starts_at, endsAt: r.ends_at },
      status: r.status,
      method: r.method,
      signedAt: r.signed_at,
      arrivedAt: r.arrived_at,
      reason: r.reason,
      typedSignature: r.signature_text,
      drawnSignaturePngBase64: r.signature_png ? Buffer.from(r.signature_png).toString('base64') : null,
      recordedAt: r.recorded_at,
    })),
  };
}

/**
 * Cancels a whole session that has not started (a trainer falls ill, too few people): every
 * participant and everyone waiting is told, with a calendar file that removes the events.
 */
export async function cancelSession(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; sessionId: string; reason: string },
): Promise<Outcome<{ told: number }>> {
  if (!managesSessions(input.actorRoles)) return COORDINATORS_ONLY;
  if (!isUuid(input.sessionId)) return NO_SESSION;
  const now = ctx.now();
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<Outcome<{ people: string[] }>> => {
    const session = await lockSession(trx, input.sessionId);
    if (!session) return NO_SESSION;
    if (session.cancelled_at) return { ok: false, status: 409, message: 'Cette séance est déjà annulée.' };
    const start = await firstStart(trx, input.sessionId);
    if (start && start <= now) return { ok: false, status: 409, message: 'Cette séance a commencé : elle ne peut plus être annulée.' };
    const people = await trx
      .updateTable('enrolment')
      .set({ status: 'cancelled', updated_at: now, updated_by: input.actorId })
      .where('session_id', '=', input.sessionId)
      .where('status', 'in', ['enrolled', 'waitlisted'])
      .returning(['person_id'])
      .execute();
    await trx.updateTable('training_session').set({ cancelled_at: now }).where('id', '=', input.sessionId).execute();
    await recordAudit(trx, { actorId: input.actorId, action: 'session.cancelled', details: { sessionId: input.sessionId, reason: input.reason, people: people.length } });
    return { ok: true, people: people.map((p) => p.person_id) };
  });
  if (!outcome.ok) return outcome;
  const session = await sessionOverview(ctx.db, input.sessionId);
  for (const personId of outcome.people) {
    const person = await recipient(ctx, personId);
    if (!session || !person || person.erased_at) continue;
    await ctx.mail({
      to: person.email,
      personId,
      subject: `Séance annulée : ${session.training.title}`,
      text: `Bonjour ${person.given_name},

La séance de la formation « ${session.training.title} » prévue à partir du ${frenchLongDate(session.startsAt!)} (${session.place}) est annulée. Nous en sommes désolés.
Motif : ${input.reason}

Les autres séances sont sur ${ctx.publicUrl}/formations. Le fichier joint retire ces dates de votre agenda.

L’équipe d’ESPER Pro`,
      attachments: [{ filename: calendarFilename(session), contentType: 'text/calendar; charset=utf-8; method=CANCEL', content: new TextEncoder().encode(calendarOf(ctx, session, 'CANCEL')) }],
    });
  }
  return { ok: true, told: outcome.people.length };
}
