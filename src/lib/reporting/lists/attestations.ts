import { sql } from 'kysely';
import type { Database } from '../../db/index.ts';
import { ATTESTATION_KINDS, type AttestationKind } from '../../db/schema.ts';
import { field } from '../../forms.ts';
import { ATTESTATION_KIND_LABELS } from '../../attestations/kinds.ts';
import { frenchShortDate } from '../../time.ts';
import { csvDecimal } from '../../web/csv.ts';
import {
  CSV_CHUNK,
  PAGE_SIZE,
  after,
  boundedCount,
  containsEvery,
  countRows,
  cursorOf,
  dayBounds,
  dayField,
  defineList,
  keysetChunks,
  mapChunks,
  orderedBy,
  periodProblem,
  type CsvRows,
  type QueryOf,
  type SortKey,
} from './engine.ts';

export const ATTESTATION_STATUSES = ['valide', 'revoquee', 'remplacee'] as const;
export type AttestationStatus = (typeof ATTESTATION_STATUSES)[number];
/** A revoked attestation reads as revoked even once re-issued: the revocation is what matters. */
export const ATTESTATION_STATUS_LABELS: Record<AttestationStatus, string> = { valide: 'Valide', revoquee: 'Révoquée', remplacee: 'Remplacée' };

/** Every attestation issued, whatever its kind and status. */
export const ATTESTATIONS_LIST = defineList({
  path: '/coordination/attestations',
  sorts: { date: 'desc', numero: 'asc', titulaire: 'asc' },
  defaultSort: 'date',
  filters: {
    type: field.choice('Type', ATTESTATION_KINDS),
    statut: field.choice('Statut', ATTESTATION_STATUSES),
    du: dayField('Délivrées depuis le'),
    au: dayField('Jusqu’au'),
  },
  check: periodProblem,
});
export type AttestationsQuery = QueryOf<typeof ATTESTATIONS_LIST>;

export interface AttestationRow {
  id: string;
  number: string;
  kind: AttestationKind;
  holderName: string;
  holderEmployer: string | null;
  title: string;
  issuedAt: Date;
  hoursAttended: number | null;
  status: AttestationStatus;
  revocationReason: string | null;
}

const SORT_KEYS: Record<AttestationsQuery['sort'], SortKey[]> = {
  date: [
    { expr: sql`a.issued_at`, type: 'timestamptz' },
    { expr: sql`a.id`, type: 'uuid' },
  ],
  // Numbers share one shape (EP-2026-000123): their text order is the year's, then the sequence's.
  numero: [
    { expr: sql`a.number`, type: 'text' },
    { expr: sql`a.id`, type: 'uuid' },
  ],
  titulaire: [
    { expr: sql`a.holder_sort collate "C"`, type: 'text' },
    { expr: sql`a.id`, type: 'uuid' },
  ],
};

function filtered(db: Database, query: AttestationsQuery) {
  let q = db.selectFrom('attestation as a').where(containsEvery(sql.ref('a.search_key'), query.terms));
  const { type, statut, du, au } = query.filters;
  if (type) q = q.where('a.kind', '=', type);
  if (statut === 'valide') q = q.where('a.revoked_at', 'is', null).where('a.superseded_at', 'is', null);
  if (statut === 'revoquee') q = q.where('a.revoked_at', 'is not', null);
  if (statut === 'remplacee') q = q.where('a.revoked_at', 'is', null).where('a.superseded_at', 'is not', null);
  if (du) q = q.where('a.issued_at', '>=', dayBounds(du).start);
  if (au) q = q.where('a.issued_at', '<', dayBounds(au).next);
  return q;
}

function rows(db: Database, query: AttestationsQuery) {
  // Never the PDF: a list reads the few columns it shows.
  return orderedBy(
    filtered(db, query).select([
      'a.id',
      'a.number',
      'a.kind',
      'a.holder_name',
      'a.holder_employer',
      'a.title',
      'a.issued_at',
      'a.revoked_at',
      'a.superseded_at',
      'a.revocation_reason',
      sql<number | null>`(a.details ->> 'hoursAttended')::float8`.as('hours_attended'),
      cursorOf(SORT_KEYS[query.sort]),
    ]),
    SORT_KEYS[query.sort],
    query.order,
  );
}

type Row = Awaited<ReturnType<ReturnType<typeof rows>['execute']>>[number];

function toAttestation(r: Row): AttestationRow {
  return {
    id: r.id,
    number: r.number,
    kind: r.kind,
    holderName: r.holder_name,
    holderEmployer: r.holder_employer,
    title: r.title,
    issuedAt: r.issued_at,
    hoursAttended: r.hours_attended === null ? null : Number(r.hours_attended),
    status: r.revoked_at ? 'revoquee' : r.superseded_at ? 'remplacee' : 'valide',
    revocationReason: r.revocation_reason,
  };
}

/** One page of 50 and the count: two queries. */
export async function attestationsPage(db: Database, query: AttestationsQuery): Promise<{ rows: AttestationRow[]; total: number; capped: boolean }> {
  const [count, found] = await Promise.all([
    boundedCount(db, filtered(db, query)),
    rows(db, query)
      .limit(PAGE_SIZE)
      .offset((query.page - 1) * PAGE_SIZE)
      .execute(),
  ]);
  return { rows: found.map(toAttestation), ...count };
}

export const ATTESTATIONS_CSV_HEADER = ['Numéro', 'Type', 'Titulaire', 'Employeur', 'Intitulé', 'Délivrée le', 'Heures réalisées', 'Statut', 'Motif de révocation'];

export function attestationCsvLine(a: AttestationRow): string[] {
  return [
    a.number,
    ATTESTATION_KIND_LABELS[a.kind],
    a.holderName,
    a.holderEmployer ?? '',
    a.title,
    frenchShortDate(a.issuedAt),
    a.hoursAttended === null ? '' : csvDecimal(a.hoursAttended),
    ATTESTATION_STATUS_LABELS[a.status],
    a.revocationReason ?? '',
  ];
}

export function attestationsCsv(db: Database, query: AttestationsQuery, chunk = CSV_CHUNK): CsvRows {
  const keys = SORT_KEYS[query.sort];
  const chunks = keysetChunks((cursor, limit) => {
    const q = rows(db, query);
    return (cursor ? q.where(after(keys, query.order, cursor)) : q).limit(limit).execute();
  }, chunk);
  return {
    header: ATTESTATIONS_CSV_HEADER,
    count: () => countRows(db, filtered(db, query)),
    chunks: mapChunks(chunks, (rows) => rows.map((r) => attestationCsvLine(toAttestation(r)))),
  };
}
