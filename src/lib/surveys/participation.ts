import { sql, type Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { DB, SurveyPhase } from '../db/schema.ts';
import type { Outcome } from '../accounts/registration.ts';
import { isUuid } from '../ids.ts';
import { parisDay } from '../time.ts';
import { COLD_OPENS_AFTER_DAYS, COLD_OPEN_FOR_DAYS, COMMENT_MAX, DAY_MS, USE_ITEMS, openPhase, type UseKey } from './questions.ts';

/**
 * Who may answer which survey, and answering. A survey is open to the people who attended at
 * least one half-day of a session that took place (every half-day closed, as for attestations).
 * Answering writes two rows in one transaction: the anonymous answer, and, apart, the mark that
 * this person answered this phase. Neither points to the other.
 */

type Db = Database | Transaction<DB>;

export interface SessionTimes {
  sessionId: string;
  trainingId: string;
  title: string;
  place: string;
  firstStartsAt: Date;
  lastEndsAt: Date;
  finished: boolean;
}

/**
 * The sessions' half-day facts: first start, last end, and whether every half-day is closed.
 * Without ids: the finished sessions whose surveys may still be open at `openAt`.
 */
export async function sessionTimes(db: Db, filter: { sessionIds: readonly string[] } | { openAt: Date }): Promise<SessionTimes[]> {
  if ('sessionIds' in filter && filter.sessionIds.length === 0) return [];
  let query = db
    .selectFrom('session_slot as sl')
    .innerJoin('training_session as s', 's.id', 'sl.session_id')
    .innerJoin('training as t', 't.id', 's.training_id')
    .select((eb) => [
      'sl.session_id',
      's.training_id',
      's.place',
      't.title',
      eb.fn.min('sl.starts_at').as('first_starts_at'),
      eb.fn.max('sl.ends_at').as('last_ends_at'),
      eb.fn.countAll<number>().as('slots'),
      eb.fn.count<number>('sl.closed_at').as('closed'),
    ])
    .where('s.cancelled_at', 'is', null)
    .groupBy(['sl.session_id', 's.training_id', 's.place', 't.title']);
  if ('sessionIds' in filter) query = query.where('sl.session_id', 'in', [...filter.sessionIds]);
  else {
    const oldest = new Date(filter.openAt.getTime() - (COLD_OPENS_AFTER_DAYS + COLD_OPEN_FOR_DAYS) * DAY_MS);
    // Every half-day closed, and the « à froid » of the last one not yet over.
    query = query.having((eb) => eb.and([eb(eb.fn.max('sl.ends_at'), '>', oldest), eb(eb.fn.count('sl.closed_at'), '=', eb.fn.countAll())]));
  }
  const rows = await query.execute();
  return rows
    .map((r) => ({
      sessionId: r.session_id,
      trainingId: r.training_id,
      title: r.title,
      place: r.place,
      firstStartsAt: new Date(r.first_starts_at as Date),
      lastEndsAt: new Date(r.last_ends_at as Date),
      finished: Number(r.closed) === Number(r.slots),
    }))
    .filter((r) => 'sessionIds' in filter || r.finished);
}

/**
 * The half-days of the sessions that people attended: each one's current record (its latest)
 * says present, or late with an arrival before the end (the hours attended are then above zero).
 * Each half-day's records are read through attendance_record_current_idx (migration 0015): a
 * person's latest comes first, with its status and arrival in the index, so the sessions'
 * records are not sorted.
 */
function attendedHalfDays(db: Db, sessionIds: readonly string[]) {
  return db
    .selectFrom('session_slot as sl')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('attendance_record as r')
          .distinctOn('r.person_id')
          .select(['r.person_id', 'r.status', 'r.arrived_at'])
          .whereRef('r.slot_id', '=', 'sl.id')
          .orderBy('r.person_id')
          .orderBy('r.id', 'desc')
          .as('latest'),
      (join) => join.onTrue(),
    )
    .where('sl.session_id', 'in', [...sessionIds])
    .where((eb) => eb.or([eb('latest.status', '=', 'present'), eb.and([eb('latest.status', '=', 'late'), eb('latest.arrived_at', '<', eb.ref('sl.ends_at'))])]));
}

/** The people who attended at least one half-day of each session (see attendedHalfDays). */
export async function attendeesOf(db: Db, sessionIds: readonly string[]): Promise<{ sessionId: string; personId: string }[]> {
  if (sessionIds.length === 0) return [];
  const rows = await attendedHalfDays(db, sessionIds).select(['sl.session_id', 'latest.person_id']).distinct().execute();
  return rows.map((r) => ({ sessionId: r.session_id, personId: r.person_id }));
}

/** How many people attended each session, counted in the database (the reports need no names). */
export async function attendeeCounts(db: Db, sessionIds: readonly string[]): Promise<Map<string, number>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await attendedHalfDays(db, sessionIds)
    .select(['sl.session_id', sql<number>`count(DISTINCT latest.person_id)`.as('n')])
    .groupBy('sl.session_id')
    .execute();
  return new Map(rows.map((r) => [r.session_id, Number(r.n)]));
}

const NO_SESSION = { ok: false, status: 404, message: 'Cette séance n’existe pas.' } as const;
const NOT_ATTENDED = {
  ok: false,
  status: 404,
  message: 'Vous n’avez pas de questionnaire pour cette séance : il est proposé aux personnes qui y ont assisté.',
} as const;
const NOT_FINISHED = { ok: false, status: 409, message: 'Le questionnaire s’ouvre à la fin de la séance, une fois toutes les demi-journées closes.' } as const;
const CLOSED = { ok: false, status: 409, message: 'Ce questionnaire est clos : il n’accepte plus de réponses.' } as const;
export const ALREADY_ANSWERED = {
  ok: false,
  status: 409,
  message: 'Vous avez déjà donné votre avis sur cette séance : une seule réponse est possible, et elle est bien enregistrée. Merci !',
} as const;

export interface SurveyView {
  sessionId: string;
  title: string;
  place: string;
  firstStartsAt: Date;
  phase: SurveyPhase;
  answered: boolean;
}

/** The survey open to this person for this session now, or why there is none. */
export async function surveyFor(db: Db, input: { personId: string; sessionId: string; now: Date }): Promise<Outcome<{ survey: SurveyView }>> {
  if (!isUuid(input.sessionId)) return NO_SESSION;
  const [times] = await sessionTimes(db, { sessionIds: [input.sessionId] });
  if (!times) {
    const exists = await db.selectFrom('training_session').select('id').where('id', '=', input.sessionId).executeTakeFirst();
    return exists ? NOT_ATTENDED : NO_SESSION;
  }
  const attended = (await attendeesOf(db, [input.sessionId])).some((a) => a.personId === input.personId);
  if (!attended) return NOT_ATTENDED;
  const phase = openPhase(times, input.now);
  if (!phase) return times.finished ? CLOSED : NOT_FINISHED;
  const mark = await db
    .selectFrom('survey_participant')
    .select('answered')
    .where('session_id', '=', input.sessionId)
    .where('phase', '=', phase)
    .where('person_id', '=', input.personId)
    .executeTakeFirst();
  return {
    ok: true,
    survey: { sessionId: times.sessionId, title: times.title, place: times.place, firstStartsAt: times.firstStartsAt, phase, answered: mark?.answered === true },
  };
}

/** The surveys this person may answer now and has not answered, for « Mes séances ». */
export async function dueSurveysOf(db: Db, personId: string, now: Date): Promise<SurveyView[]> {
  const attendedSessions = await db
    .selectFrom('attendance_record as r')
    .innerJoin('session_slot as sl', 'sl.id', 'r.slot_id')
    .select('sl.session_id')
    .distinct()
    .where('r.person_id', '=', personId)
    .execute();
  const times = await sessionTimes(db, { sessionIds: attendedSessions.map((s) => s.session_id) });
  const open = times.map((t) => ({ t, phase: openPhase(t, now) })).filter((o): o is { t: SessionTimes; phase: SurveyPhase } => o.phase !== null);
  if (open.length === 0) return [];
  const ids = open.map((o) => o.t.sessionId);
  const [attendees, answered] = await Promise.all([
    attendeesOf(db, ids),
    db.selectFrom('survey_participant').select(['session_id', 'phase']).where('person_id', '=', personId).where('answered', '=', true).where('session_id', 'in', ids).execute(),
  ]);
  return open
    .filter((o) => attendees.some((a) => a.sessionId === o.t.sessionId && a.personId === personId))
    .filter((o) => !answered.some((a) => a.session_id === o.t.sessionId && a.phase === o.phase))
    .map((o) => ({ sessionId: o.t.sessionId, title: o.t.title, place: o.t.place, firstStartsAt: o.t.firstStartsAt, phase: o.phase, answered: false }))
    .sort((a, b) => b.firstStartsAt.getTime() - a.firstStartsAt.getTime());
}

export type SurveyAnswerInput =
  | { phase: 'hot'; overall: number; objectives: number; trainers: number; organisation: number; comment?: string | undefined }
  | { phase: 'cold'; practiceUse: number; uses: readonly UseKey[]; comment?: string | undefined };

const isScore = (v: number) => Number.isInteger(v) && v >= 1 && v <= 5;

/**
 * Records an answer: the anonymous row and the mark « answered », in one transaction. The mark is
 * taken first with a conditional upsert, so two submissions at once cannot both pass: the second
 * waits for the first and finds the mark set (409, nothing written). No audit entry: its time
 * and person would tie the answer to its author.
 */
export async function submitSurveyAnswer(
  ctx: AppContext,
  input: { personId: string; sessionId: string; answer: SurveyAnswerInput },
): Promise<Outcome<{ phase: SurveyPhase }>> {
  const found = await surveyFor(ctx.db, { personId: input.personId, sessionId: input.sessionId, now: ctx.now() });
  if (!found.ok) return found;
  const { survey } = found;
  if (survey.answered) return ALREADY_ANSWERED;
  const answer = input.answer;
  if (answer.phase !== survey.phase)
    return { ok: false, status: 409, message: 'Le questionnaire a changé depuis l’ouverture de la page : rechargez-la pour répondre au questionnaire ouvert.' };
  const comment = answer.comment?.trim() || null;
  if (comment && comment.length > COMMENT_MAX) return { ok: false, status: 400, message: `Le commentaire fait ${COMMENT_MAX} caractères au plus.` };
  const scores = answer.phase === 'hot' ? [answer.overall, answer.objectives, answer.trainers, answer.organisation] : [answer.practiceUse];
  if (!scores.every(isScore)) return { ok: false, status: 400, message: 'Chaque question se répond par un choix de 1 à 5.' };
  const day = parisDay(ctx.now());
  return ctx.db.transaction().execute(async (trx) => {
    const mark = await trx
      .insertInto('survey_participant')
      .values({ session_id: input.sessionId, phase: survey.phase, person_id: input.personId, answered: true })
      .onConflict((oc) => oc.columns(['session_id', 'phase', 'person_id']).doUpdateSet({ answered: true }).where('survey_participant.answered', '=', false))
      .returning('id')
      .executeTakeFirst();
    if (!mark) return ALREADY_ANSWERED;
    await trx
      .insertInto('survey_answer')
      .values(
        answer.phase === 'hot'
          ? { session_id: input.sessionId, phase: 'hot', answered_on: day, overall: answer.overall, objectives: answer.objectives, trainers: answer.trainers, organisation: answer.organisation, comment }
          : {
              session_id: input.sessionId,
              phase: 'cold',
              answered_on: day,
              practice_use: answer.practiceUse,
              ...Object.fromEntries(USE_ITEMS.map((item) => [item.key, answer.uses.includes(item.key)])),
              comment,
            },
      )
      .execute();
    return { ok: true, phase: survey.phase } as const;
  });
}

/** For the person's own data download: the surveys they answered (never their answers, which name nobody). */
export async function surveysPersonalData(db: Db, personId: string) {
  const rows = await db
    .selectFrom('survey_participant as p')
    .innerJoin('training_session as s', 's.id', 'p.session_id')
    .innerJoin('training as t', 't.id', 's.training_id')
    .select(['p.session_id', 'p.phase', 'p.emailed_at', 'p.answered', 't.title'])
    .where('p.person_id', '=', personId)
    .orderBy('t.title')
    .execute();
  return rows.map((r) => ({
    sessionId: r.session_id,
    training: r.title,
    survey: r.phase === 'hot' ? 'à chaud' : 'à froid',
    invitedByEmailAt: r.emailed_at,
    answered: r.answered,
    note: 'Vos réponses sont anonymes : elles ne sont reliées à personne, donc à vous non plus.',
  }));
}

/**
 * On erasure: the marks of surveys answered lose their person (they still count in the response
 * rates); the others go. The answers stay: they name nobody.
 */
export async function forgetSurveyParticipation(trx: Db, personId: string): Promise<void> {
  await trx.deleteFrom('survey_participant').where('person_id', '=', personId).where('answered', '=', false).execute();
  await trx.updateTable('survey_participant').set({ person_id: null }).where('person_id', '=', personId).execute();
}
