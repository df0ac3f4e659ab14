import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/index.ts';
import { field } from '../../forms.ts';
import { isUuid } from '../../ids.ts';
import { frenchShortDate, frenchTime } from '../../time.ts';
import { csvDecimal } from '../../web/csv.ts';
import { CSV_CHUNK, PAGE_SIZE, after, boundedCount, countRows, containsEvery, cursorOf, defineList, keysetChunks, mapChunks, orderedBy, type CsvRows, type QueryOf, type SortKey } from './engine.ts';

export const PERIODS = ['a-venir', 'passees', 'toutes'] as const;
export type Period = (typeof PERIODS)[number];
export const PERIOD_LABELS: Record<Period, string> = { 'a-venir': 'À venir ou en cours', passees: 'Passées', toutes: 'Toutes' };
/** Without a period chosen, the sessions not over yet: what a coordinator prepares. */
export const DEFAULT_PERIOD: Period = 'a-venir';

/** Every face-to-face session of every training, with its seats and waiting list. */
export const SESSIONS_LIST = defineList({
  path: '/coordination/seances',
  sorts: { date: 'asc', titre: 'asc', remplissage: 'desc' },
  defaultSort: 'date',
  filters: {
    periode: field.choice('Période', PERIODS),
    formation: z.string().refine(isUuid, { error: 'Formation : choisissez une des options proposées.' }),
  },
});
export type SessionsQuery = QueryOf<typeof SESSIONS_LIST>;

export interface SessionRow {
  id: string;
  trainingId: string;
  title: string;
  place: string;
  startsAt: Date;
  endsAt: Date;
  trainers: string;
  enrolled: number;
  capacity: number;
  waitlisted: number;
  /** Enrolled over capacity, 0 to 1. */
  fill: number;
  cancelled: boolean;
}

const SORT_KEYS: Record<SessionsQuery['sort'], SortKey[]> = {
  date: [
    { expr: sql`x.starts_at`, type: 'timestamptz' },
    { expr: sql`x.id`, type: 'uuid' },
  ],
  titre: [
    { expr: sql`esper_fold(x.title) collate "C"`, type: 'text' },
    { expr: sql`x.starts_at`, type: 'timestamptz' },
    { expr: sql`x.id`, type: 'uuid' },
  ],
  remplissage: [
    { expr: sql`x.fill`, type: 'float8' },
    { expr: sql`x.id`, type: 'uuid' },
  ],
};

/** Each session with its dates and counts, as one derived table (sessions number in the hundreds). */
function sessionFacts(db: Database) {
  return db
    .selectFrom('training_session as s')
    .innerJoin('training as t', 't.id', 's.training_id')
    .select([
      's.id',
      's.training_id',
      's.place',
      's.capacity',
      's.cancelled_at',
      't.title',
      // Every session has a half-day (the last one cannot be removed); its creation date otherwise.
      sql<Date>`coalesce((select min(sl.starts_at) from session_slot sl where sl.session_id = s.id), s.created_at)`.as('starts_at'),
      sql<Date>`coalesce((select max(sl.ends_at) from session_slot sl where sl.session_id = s.id), s.created_at)`.as('ends_at'),
      sql<number>`(select count(*) from enrolment e where e.session_id = s.id and e.status = 'enrolled')`.as('enrolled'),
      sql<number>`(select count(*) from enrolment e where e.session_id = s.id and e.status = 'waitlisted')`.as('waitlisted'),
      sql<number>`(select count(*) from enrolment e where e.session_id = s.id and e.status = 'enrolled')::float8 / greatest(s.capacity, 1)`.as('fill'),
    ]);
}

function filtered(db: Database, query: SessionsQuery, now: Date) {
  let q = db.selectFrom(sessionFacts(db).as('x')).where(containsEvery(sql`esper_fold(x.title || ' ' || x.place)`, query.terms));
  const period = query.filters.periode ?? DEFAULT_PERIOD;
  if (period === 'a-venir') q = q.where('x.ends_at', '>=', now);
  if (period === 'passees') q = q.where('x.ends_at', '<', now);
  if (query.filters.formation) q = q.where('x.training_id', '=', query.filters.formation);
  return q;
}

function rows(db: Database, query: SessionsQuery, now: Date) {
  return orderedBy(
    filtered(db, query, now).select([
      'x.id',
      'x.training_id',
      'x.title',
      'x.place',
      'x.capacity',
      'x.cancelled_at',
      'x.starts_at',
      'x.ends_at',
      'x.enrolled',
      'x.waitlisted',
      'x.fill',
      sql<string | null>`(select string_agg(p.given_name || ' ' || p.family_name, ', ' order by p.family_name, p.given_name) from session_trainer st join person p on p.id = st.person_id where st.session_id = x.id)`.as('trainers'),
      cursorOf(SORT_KEYS[query.sort]),
    ]),
    SORT_KEYS[query.sort],
    query.order,
  );
}

type Row = Awaited<ReturnType<ReturnType<typeof rows>['execute']>>[number];

function toSession(r: Row): SessionRow {
  return {
    id: r.id,
    trainingId: r.training_id,
    title: r.title,
    place: r.place,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    trainers: r.trainers ?? '',
    enrolled: Number(r.enrolled),
    capacity: r.capacity,
    waitlisted: Number(r.waitlisted),
    fill: Number(r.fill),
    cancelled: r.cancelled_at !== null,
  };
}

/** One page of 50 and the count: two queries. */
export async function sessionsPage(db: Database, query: SessionsQuery, now: Date): Promise<{ rows: SessionRow[]; total: number; capped: boolean }> {
  const [count, found] = await Promise.all([
    boundedCount(db, filtered(db, query, now)),
    rows(db, query, now)
      .limit(PAGE_SIZE)
      .offset((query.page - 1) * PAGE_SIZE)
      .execute(),
  ]);
  return { rows: found.map(toSession), ...count };
}

/** The trainings, for the filter's choices. */
export async function trainingChoices(db: Database): Promise<{ id: string; title: string }[]> {
  return db.selectFrom('training').select(['id', 'title']).orderBy(sql`esper_fold(title) collate "C"`).orderBy('id').execute();
}

const dateTime = (at: Date) => `${frenchShortDate(at)} ${frenchTime(at)}`;

export const SESSIONS_CSV_HEADER = ['Formation', 'Début', 'Fin', 'Lieu', 'Formateur·rices', 'Inscrits', 'Places', 'Remplissage (%)', 'Liste d’attente', 'Annulée'];

export function sessionCsvLine(s: SessionRow): string[] {
  return [
    s.title,
    dateTime(s.startsAt),
    dateTime(s.endsAt),
    s.place,
    s.trainers,
    String(s.enrolled),
    String(s.capacity),
    csvDecimal(s.fill * 100),
    String(s.waitlisted),
    s.cancelled ? 'oui' : 'non',
  ];
}

export function sessionsCsv(db: Database, query: SessionsQuery, now: Date, chunk = CSV_CHUNK): CsvRows {
  const keys = SORT_KEYS[query.sort];
  const chunks = keysetChunks((cursor, limit) => {
    const q = rows(db, query, now);
    return (cursor ? q.where(after(keys, query.order, cursor)) : q).limit(limit).execute();
  }, chunk);
  return {
    header: SESSIONS_CSV_HEADER,
    count: () => countRows(db, filtered(db, query, now)),
    chunks: mapChunks(chunks, (rows) => rows.map((r) => sessionCsvLine(toSession(r)))),
  };
}
