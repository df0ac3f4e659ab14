import { sql } from 'kysely';
import type { Database } from '../db/index.ts';
import { PATHWAY_COMPLETE } from './members.ts';

/**
 * The coordination's board of the cohort: how many trainees are on each stage, who waits for a
 * validation, who has not moved for a while, and one stage's trainees. A fixed number of
 * queries, each bounded, whatever the size of the cohort (tested with a query counter).
 */

export interface BoardTrainee {
  personId: string;
  givenName: string;
  familyName: string;
  stage: number;
  cohort: string | null;
  stageSince: Date;
  validationRequestedAt: Date | null;
}

export interface CohortBoard {
  /** Trainees per stage, 1 to 7, then PATHWAY_COMPLETE. */
  counts: Map<number, number>;
  total: number;
  waiting: BoardTrainee[];
  stalled: { count: number; first: BoardTrainee[] };
  /** The trainees of the stage asked for (`stage`), by name, a page at a time. */
  stageList: { stage: number; trainees: BoardTrainee[]; total: number } | null;
}

const LIST_LIMIT = 50;

/** Everyone holding the trainee role, with their pathway row when there is one (stage 1 otherwise). */
function trainees(db: Database) {
  return db
    .selectFrom('person as p')
    .innerJoin('person_role as r', (j) => j.onRef('r.person_id', '=', 'p.id').on('r.role', '=', 'trainee'))
    .leftJoin('pathway_member as m', 'm.person_id', 'p.id')
    .where('p.erased_at', 'is', null);
}

const STAGE = sql<number>`coalesce(m.stage, 1)`;
const SINCE = sql<Date>`coalesce(m.stage_since, p.created_at)`;

function columns(db: Database) {
  return trainees(db).select(['p.id', 'p.given_name', 'p.family_name', 'm.cohort', 'm.validation_requested_at']).select([STAGE.as('stage'), SINCE.as('since')]);
}

type Row = Awaited<ReturnType<ReturnType<typeof columns>['execute']>>[number];
const trainee = (r: Row): BoardTrainee => ({
  personId: r.id,
  givenName: r.given_name,
  familyName: r.family_name,
  stage: Number(r.stage),
  cohort: r.cohort ?? null,
  stageSince: new Date(r.since),
  validationRequestedAt: r.validation_requested_at ?? null,
});

/**
 * Trainees per stage (1 to 7, then PATHWAY_COMPLETE), in one grouped query over the cohort: the
 * coordination's dashboard. The same people and stage as the board's counts (`trainees`, `STAGE`),
 * which add the stalled count in the same pass.
 */
export async function stageCounts(db: Database): Promise<Map<number, number>> {
  const rows = await trainees(db).select([STAGE.as('stage'), sql<number>`count(*)`.as('n')]).groupBy(STAGE).execute();
  return new Map<number, number>(rows.map((c) => [Number(c.stage), Number(c.n)]));
}

export async function cohortBoard(db: Database, input: { now: Date; stalledMonths: number; stage?: number | undefined; offset?: number }): Promise<CohortBoard> {
  const stalledBefore = new Date(input.now);
  stalledBefore.setMonth(stalledBefore.getMonth() - input.stalledMonths);
  const stalled = sql<boolean>`${SINCE} < ${stalledBefore} and ${STAGE} < ${PATHWAY_COMPLETE}`;
  // Four queries: the counts (per stage, and who has not moved) in one pass, then the three lists.
  const [counts, waiting, stalledFirst, stageRows] = await Promise.all([
    trainees(db)
      .select([STAGE.as('stage'), sql<number>`count(*)`.as('n'), sql<number>`count(*) filter (where ${stalled})`.as('stalled')])
      .groupBy(STAGE)
      .execute(),
    columns(db).where('m.validation_requested_at', 'is not', null).orderBy('m.validation_requested_at').limit(LIST_LIMIT).execute(),
    columns(db).where(stalled).orderBy(SINCE).limit(LIST_LIMIT).execute(),
    input.stage === undefined ? Promise.resolve([]) : stageList(db, input.stage, input.offset ?? 0),
  ]);
  const byStage = new Map<number, number>(counts.map((c) => [Number(c.stage), Number(c.n)]));
  return {
    counts: byStage,
    total: [...byStage.values()].reduce((a, b) => a + b, 0),
    waiting: waiting.map(trainee),
    stalled: { count: counts.reduce((sum, c) => sum + Number(c.stalled), 0), first: stalledFirst.map(trainee) },
    stageList: input.stage === undefined ? null : { stage: input.stage, trainees: stageRows.map(trainee), total: byStage.get(input.stage) ?? 0 },
  };
}

/** One stage's trainees by name. Past stage 1 everyone has a pathway row, so the stage index serves it. */
function stageList(db: Database, stage: number, offset: number) {
  const query = stage === 1 ? columns(db).where(STAGE, '=', 1) : columns(db).where('m.stage', '=', stage);
  return query.orderBy('p.family_name').orderBy('p.given_name').orderBy('p.id').limit(LIST_LIMIT).offset(offset).execute();
}
