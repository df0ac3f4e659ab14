import type { Database } from '../db/index.ts';
import { SURVEY_PHASES, type SurveyPhase } from '../db/schema.ts';
import { isUuid } from '../ids.ts';
import { summariseAnswers, type AnswerFigures, type GroupResult } from './aggregate.ts';
import { attendeeCounts, sessionTimes, type SessionTimes } from './participation.ts';
import { MIN_ANSWERS_SHOWN, coldWindow } from './questions.ts';

/**
 * The results of the surveys, per session, per training and over a date range. They read the
 * anonymous answers and counts only: no query here selects a person, a name or an answer's id.
 * A session's phase with fewer than MIN_ANSWERS_SHOWN answers shows its count only, and its
 * answers are left out of every total too (a training's or a year's averages minus the other
 * sessions' would otherwise give them away).
 */

export interface PhaseResult {
  phase: SurveyPhase;
  /** Whether the survey has opened (à chaud: the session is finished; à froid: 3 months later). */
  opened: boolean;
  /** When « à froid » opens (null for « à chaud »). */
  opensAt: Date | null;
  result: GroupResult;
}

export interface SessionSatisfaction {
  sessionId: string;
  trainingId: string;
  title: string;
  place: string;
  firstStartsAt: Date;
  finished: boolean;
  phases: PhaseResult[];
}

interface Gathered {
  times: SessionTimes;
  phases: { phase: SurveyPhase; opened: boolean; opensAt: Date | null; invited: number; answers: AnswerFigures[] }[];
}

const FIGURES = [
  'overall',
  'objectives',
  'trainers',
  'organisation',
  'practice_use',
  'uses_posture',
  'uses_knowledge',
  'uses_tools',
  'uses_resources',
  'uses_exchanges',
  'comment',
] as const;

/** Three queries whatever the number of sessions: their half-days, their attendees, their answers. */
async function gather(db: Database, times: SessionTimes[], now: Date): Promise<Gathered[]> {
  const ids = times.map((t) => t.sessionId);
  if (ids.length === 0) return [];
  const [invitedBySession, answers] = await Promise.all([
    attendeeCounts(db, ids),
    db.selectFrom('survey_answer').select(['session_id', 'phase', ...FIGURES]).where('session_id', 'in', ids).execute(),
  ]);
  return times.map((t) => ({
    times: t,
    phases: SURVEY_PHASES.map((phase) => {
      const opensAt = phase === 'cold' ? coldWindow(t.lastEndsAt).opensAt : null;
      const opened = t.finished && (!opensAt || now >= opensAt);
      const own = answers.filter((a) => a.session_id === t.sessionId && a.phase === phase);
      return { phase, opened, opensAt, invited: opened ? (invitedBySession.get(t.sessionId) ?? 0) : 0, answers: own };
    }),
  }));
}

function sessionResult(g: Gathered): SessionSatisfaction {
  return {
    sessionId: g.times.sessionId,
    trainingId: g.times.trainingId,
    title: g.times.title,
    place: g.times.place,
    firstStartsAt: g.times.firstStartsAt,
    finished: g.times.finished,
    phases: g.phases.map((p) => ({
      phase: p.phase,
      opened: p.opened,
      opensAt: p.opensAt,
      result: summariseAnswers(p.phase, p.answers, { answers: p.answers.length, invited: p.invited }),
    })),
  };
}

/** Every session's answers of a phase pooled, each session counting only from MIN_ANSWERS_SHOWN answers. */
function pooled(gathered: Gathered[], phase: SurveyPhase, options: { comments: boolean }): GroupResult {
  const groups = gathered.map((g) => g.phases.find((p) => p.phase === phase)!);
  const counted = groups.filter((p) => p.answers.length >= MIN_ANSWERS_SHOWN).flatMap((p) => p.answers);
  const result = summariseAnswers(phase, counted, {
    answers: groups.reduce((sum, p) => sum + p.answers.length, 0),
    invited: groups.reduce((sum, p) => sum + p.invited, 0),
  });
  return options.comments ? result : { ...result, comments: [] };
}

/** One session's results, both phases. */
export async function sessionSatisfaction(db: Database, sessionId: string, now: Date): Promise<SessionSatisfaction | undefined> {
  if (!isUuid(sessionId)) return undefined;
  const times = await sessionTimes(db, { sessionIds: [sessionId] });
  if (times.length === 0) {
    // A session without half-days (or cancelled) exists but has no survey.
    const row = await db
      .selectFrom('training_session as s')
      .innerJoin('training as t', 't.id', 's.training_id')
      .select(['s.id', 's.training_id', 's.place', 't.title', 's.created_at'])
      .where('s.id', '=', sessionId)
      .executeTakeFirst();
    if (!row) return undefined;
    return { sessionId: row.id, trainingId: row.training_id, title: row.title, place: row.place, firstStartsAt: row.created_at, finished: false, phases: [] };
  }
  const [gathered] = await gather(db, times, now);
  return sessionResult(gathered!);
}

export interface TrainingSatisfaction {
  trainingId: string;
  title: string;
  /** Its sessions that took place, the latest first. */
  sessions: SessionSatisfaction[];
  /** Both phases over all its sessions (comments included, from the sessions that show theirs). */
  overall: GroupResult[];
}

/** A training's results: each session's, and all of them together. */
export async function trainingSatisfaction(db: Database, trainingId: string, now: Date): Promise<TrainingSatisfaction | undefined> {
  if (!isUuid(trainingId)) return undefined;
  const training = await db.selectFrom('training').select(['id', 'title']).where('id', '=', trainingId).executeTakeFirst();
  if (!training) return undefined;
  const sessions = await db.selectFrom('training_session').select('id').where('training_id', '=', trainingId).execute();
  const times = (await sessionTimes(db, { sessionIds: sessions.map((s) => s.id) })).filter((t) => t.finished);
  const gathered = await gather(db, times, now);
  return {
    trainingId: training.id,
    title: training.title,
    sessions: gathered.map(sessionResult).sort((a, b) => b.firstStartsAt.getTime() - a.firstStartsAt.getTime()),
    overall: SURVEY_PHASES.map((phase) => pooled(gathered, phase, { comments: true })),
  };
}

export interface SatisfactionSummary {
  from: Date;
  to: Date;
  /** Sessions that took place in the range (their last half-day ended in it). */
  sessions: number;
  /** Per phase: answers, invited, response rate, and the averages per question (no comments). */
  hot: GroupResult;
  cold: GroupResult;
}

/**
 * The figures a dashboard shows for a date range: the sessions whose last half-day ended in
 * [from, to), their response rates and averages. Comments are not part of it.
 */
export async function satisfactionSummary(db: Database, range: { from: Date; to: Date; now?: Date }): Promise<SatisfactionSummary> {
  const now = range.now ?? new Date();
  const ended = await db
    .selectFrom('session_slot')
    .select('session_id')
    .groupBy('session_id')
    .having((eb) => eb.and([eb(eb.fn.max('ends_at'), '>=', range.from), eb(eb.fn.max('ends_at'), '<', range.to)]))
    .execute();
  const times = (await sessionTimes(db, { sessionIds: ended.map((s) => s.session_id) })).filter((t) => t.finished);
  const gathered = await gather(db, times, now);
  return {
    from: range.from,
    to: range.to,
    sessions: gathered.length,
    hot: pooled(gathered, 'hot', { comments: false }),
    cold: pooled(gathered, 'cold', { comments: false }),
  };
}
