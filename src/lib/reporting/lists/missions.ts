import { sql } from 'kysely';
import type { Database } from '../../db/index.ts';
import type { MissionKind } from '../../db/schema.ts';
import { field } from '../../forms.ts';
import { MISSION_KIND_LABELS, MISSION_STATUS_LABELS, frenchDay, type MissionStatus } from '../../pathway/missions.ts';
import { STAGES } from '../../pathway/members.ts';
import { csvDecimal } from '../../web/csv.ts';
import {
  CSV_CHUNK,
  PAGE_SIZE,
  after,
  containsEvery,
  countRows,
  cursorOf,
  dayField,
  defineList,
  keysetChunks,
  mapChunks,
  numberChoice,
  orderedBy,
  periodProblem,
  type CsvRows,
  type QueryOf,
  type SortKey,
} from './engine.ts';

export const MISSION_STATUSES = ['submitted', 'validated', 'returned'] as const satisfies readonly MissionStatus[];

/**
 * Every volunteer mission in binôme, for the coordination. A mission says nothing about the
 * people supported (see missions.ts), and neither does this list: the trainee, the pair, the
 * partner structure, the date, the duration and the kind.
 */
export const MISSIONS_LIST = defineList({
  path: '/coordination/missions',
  sorts: { date: 'desc', duree: 'desc' },
  defaultSort: 'date',
  filters: {
    statut: field.choice('Statut', MISSION_STATUSES),
    // Missions begin with stage 2, the initiation au métier.
    etape: numberChoice('Étape', STAGES.filter((n) => n >= 2)),
    du: dayField('Du'),
    au: dayField('Au'),
  },
  check: periodProblem,
});
export type MissionsQuery = QueryOf<typeof MISSIONS_LIST>;

export interface MissionRow {
  id: string;
  personId: string;
  traineeName: string;
  stage: number;
  /** YYYY-MM-DD */
  doneOn: string;
  minutes: number;
  kind: MissionKind;
  partnerStructure: string;
  pairName: string;
  status: MissionStatus;
}

const SORT_KEYS: Record<MissionsQuery['sort'], SortKey[]> = {
  date: [
    { expr: sql`m.done_on`, type: 'date' },
    { expr: sql`m.id`, type: 'uuid' },
  ],
  duree: [
    { expr: sql`m.minutes`, type: 'integer' },
    { expr: sql`m.done_on`, type: 'date' },
    { expr: sql`m.id`, type: 'uuid' },
  ],
};

function filtered(db: Database, query: MissionsQuery) {
  // The trainee's name is searched through their own folded column; the mission's holds the structure and the pair.
  let q = db
    .selectFrom('volunteer_mission as m')
    .innerJoin('person as p', 'p.id', 'm.person_id')
    .where(containsEvery(sql`(m.search_key || ' ' || p.search_key)`, query.terms));
  const { statut, etape, du, au } = query.filters;
  if (statut) q = q.where('m.status', '=', statut);
  if (etape !== undefined) q = q.where('m.stage', '=', etape);
  if (du) q = q.where('m.done_on', '>=', du);
  if (au) q = q.where('m.done_on', '<=', au);
  return q;
}

function rows(db: Database, query: MissionsQuery) {
  return orderedBy(
    filtered(db, query).select([
      'm.id',
      'm.person_id',
      'p.given_name',
      'p.family_name',
      'm.stage',
      'm.done_on',
      'm.minutes',
      'm.kind',
      'm.partner_structure',
      'm.pair_name',
      'm.status',
      cursorOf(SORT_KEYS[query.sort]),
    ]),
    SORT_KEYS[query.sort],
    query.order,
  );
}

type Row = Awaited<ReturnType<ReturnType<typeof rows>['execute']>>[number];

function toMission(r: Row): MissionRow {
  return {
    id: r.id,
    personId: r.person_id,
    traineeName: `${r.given_name} ${r.family_name}`,
    stage: r.stage,
    doneOn: r.done_on,
    minutes: r.minutes,
    kind: r.kind,
    partnerStructure: r.partner_structure,
    pairName: r.pair_name,
    status: r.status,
  };
}

/**
 * One page of 50, with the count and the total duration of every mission the filters keep
 * (exact: a sum reads each row anyway; missions number far fewer than people): two queries.
 */
export async function missionsPage(db: Database, query: MissionsQuery): Promise<{ rows: MissionRow[]; total: number; capped: boolean; minutes: number }> {
  const [totals, found] = await Promise.all([
    filtered(db, query)
      .select((eb) => [eb.fn.countAll<number>().as('n'), sql<number>`coalesce(sum(m.minutes), 0)`.as('minutes')])
      .executeTakeFirstOrThrow(),
    rows(db, query)
      .limit(PAGE_SIZE)
      .offset((query.page - 1) * PAGE_SIZE)
      .execute(),
  ]);
  return { rows: found.map(toMission), total: Number(totals.n), capped: false, minutes: Number(totals.minutes) };
}

export const MISSIONS_CSV_HEADER = ['Date', 'Stagiaire', 'Étape', 'Type de mission', 'Durée (h)', 'Structure partenaire', 'Binôme', 'Statut'];

export function missionCsvLine(m: MissionRow): string[] {
  return [
    frenchDay(m.doneOn),
    m.traineeName,
    String(m.stage),
    MISSION_KIND_LABELS[m.kind],
    csvDecimal(m.minutes / 60),
    m.partnerStructure,
    m.pairName,
    MISSION_STATUS_LABELS[m.status],
  ];
}

export function missionsCsv(db: Database, query: MissionsQuery, chunk = CSV_CHUNK): CsvRows {
  const keys = SORT_KEYS[query.sort];
  const chunks = keysetChunks((cursor, limit) => {
    const q = rows(db, query);
    return (cursor ? q.where(after(keys, query.order, cursor)) : q).limit(limit).execute();
  }, chunk);
  return {
    header: MISSIONS_CSV_HEADER,
    count: () => countRows(db, filtered(db, query)),
    chunks: mapChunks(chunks, (rows) => rows.map((r) => missionCsvLine(toMission(r)))),
  };
}
