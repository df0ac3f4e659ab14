import { sql } from 'kysely';
import type { Database } from '../../db/index.ts';
import { ROLES, type Role } from '../../db/schema.ts';
import { field } from '../../forms.ts';
import { ROLE_LABELS } from '../../accounts/roles.ts';
import { PATHWAY_COMPLETE, STAGES } from '../../pathway/members.ts';
import { frenchShortDate } from '../../time.ts';
import { CSV_CHUNK, PAGE_SIZE, after, boundedCount, countRows, containsEvery, cursorOf, defineList, keysetChunks, mapChunks, numberChoice, orderedBy, type CsvRows, type QueryOf, type SortKey } from './engine.ts';

/** Everyone with an account (the erased aside): the coordination's and the admin's directory. */
export const PEOPLE_LIST = defineList({
  path: '/coordination/personnes',
  sorts: { nom: 'asc', inscription: 'desc' },
  defaultSort: 'nom',
  filters: {
    role: field.choice('Rôle', ROLES),
    etape: numberChoice('Étape du parcours', [...STAGES, PATHWAY_COMPLETE]),
  },
});
export type PeopleQuery = QueryOf<typeof PEOPLE_LIST>;
type PeopleSort = PeopleQuery['sort'];

export interface PersonRow {
  id: string;
  email: string;
  givenName: string;
  familyName: string;
  structure: string | null;
  roles: Role[];
  /** A trainee's stage (1 to 7, or PATHWAY_COMPLETE); null for anyone not in the pathway. */
  stage: number | null;
  createdAt: Date;
  emailVerified: boolean;
}

const SORT_KEYS: Record<PeopleSort, SortKey[]> = {
  nom: [
    { expr: sql`p.sort_name collate "C"`, type: 'text' },
    { expr: sql`p.id`, type: 'uuid' },
  ],
  inscription: [
    { expr: sql`p.created_at`, type: 'timestamptz' },
    { expr: sql`p.id`, type: 'uuid' },
  ],
};

function filtered(db: Database, query: PeopleQuery) {
  let q = db
    .selectFrom('person as p')
    .leftJoin('pathway_member as m', 'm.person_id', 'p.id')
    .where('p.erased_at', 'is', null)
    .where(containsEvery(sql.ref('p.search_key'), query.terms));
  const { role, etape } = query.filters;
  const holds = (r: Role) => sql<boolean>`exists (select 1 from person_role r where r.person_id = p.id and r.role = ${r})`;
  if (role) q = q.where(holds(role));
  // A trainee without a pathway row yet is on stage 1 (see members.ts).
  if (etape !== undefined) q = q.where(holds('trainee')).where(sql<number>`coalesce(m.stage, 1)`, '=', etape);
  return q;
}

function rows(db: Database, query: PeopleQuery) {
  return orderedBy(
    filtered(db, query).select([
      'p.id',
      'p.email',
      'p.given_name',
      'p.family_name',
      'p.structure',
      'p.created_at',
      'p.email_verified_at',
      'm.stage',
      cursorOf(SORT_KEYS[query.sort]),
    ]),
    SORT_KEYS[query.sort],
    query.order,
  );
}

type Row = Awaited<ReturnType<ReturnType<typeof rows>['execute']>>[number];

/**
 * The roles of these people, in one query. Not a subquery of the page's: rows skipped by an
 * offset are computed too, and 10,000 subqueries for page 200 took seconds on PGlite.
 */
async function rolesOf(db: Database, ids: string[]): Promise<Map<string, Role[]>> {
  const roles = new Map<string, Role[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return roles;
  const rows = await db.selectFrom('person_role').select(['person_id', 'role']).where('person_id', 'in', ids).orderBy('role').execute();
  for (const r of rows) roles.get(r.person_id)!.push(r.role);
  return roles;
}

async function withRoles(db: Database, rows: Row[]): Promise<PersonRow[]> {
  const roles = await rolesOf(db, rows.map((r) => r.id));
  return rows.map((r) => toPerson(r, roles.get(r.id)!));
}

function toPerson(r: Row, roles: Role[]): PersonRow {
  return {
    id: r.id,
    email: r.email,
    givenName: r.given_name,
    familyName: r.family_name,
    structure: r.structure,
    roles,
    stage: roles.includes('trainee') ? (r.stage ?? 1) : null,
    createdAt: r.created_at,
    emailVerified: r.email_verified_at !== null,
  };
}

/** One page of 50, and how many match (counted up to COUNT_CAP): three queries. */
export async function peoplePage(db: Database, query: PeopleQuery): Promise<{ rows: PersonRow[]; total: number; capped: boolean }> {
  const [count, found] = await Promise.all([
    boundedCount(db, filtered(db, query)),
    rows(db, query)
      .limit(PAGE_SIZE)
      .offset((query.page - 1) * PAGE_SIZE)
      .execute(),
  ]);
  return { rows: await withRoles(db, found), ...count };
}

export const stageLabel = (stage: number | null): string => (stage === null ? '' : stage >= PATHWAY_COMPLETE ? 'Parcours terminé' : String(stage));

export const PEOPLE_CSV_HEADER = ['Nom', 'Prénom', 'Adresse e-mail', 'Adresse confirmée', 'Structure', 'Rôles', 'Étape du parcours', 'Compte créé le'];

export function personCsvLine(p: PersonRow): string[] {
  return [
    p.familyName,
    p.givenName,
    p.email,
    p.emailVerified ? 'oui' : 'non',
    p.structure ?? '',
    p.roles.map((r) => ROLE_LABELS[r]).join(', '),
    stageLabel(p.stage),
    frenchShortDate(p.createdAt),
  ];
}

/** Every person the query matches, in its order, as CSV lines by chunks of rows (read as the export asks). */
export function peopleCsv(db: Database, query: PeopleQuery, chunk = CSV_CHUNK): CsvRows {
  const keys = SORT_KEYS[query.sort];
  const chunks = keysetChunks((cursor, limit) => {
    const q = rows(db, query);
    return (cursor ? q.where(after(keys, query.order, cursor)) : q).limit(limit).execute();
  }, chunk);
  return {
    header: PEOPLE_CSV_HEADER,
    count: () => countRows(db, filtered(db, query)),
    chunks: mapChunks(chunks, async (found) => (await withRoles(db, found)).map(personCsvLine)),
  };
}
