import type { Database } from '../db/index.ts';
import type { AttestationKind } from '../db/schema.ts';
import { isUuid } from '../ids.ts';
import { NUMBER_PATTERN } from './kinds.ts';
import { sha256Hex } from './issue.ts';
import { managesSessions } from '../sessions/training-sessions.ts';

/** An attestation as lists and the verification page show it (never its PDF). */
export interface AttestationSummary {
  id: string;
  number: string;
  kind: AttestationKind;
  personId: string;
  sessionId: string | null;
  holderName: string;
  holderEmployer: string | null;
  title: string;
  place: string | null;
  startsAt: Date | null;
  endsAt: Date | null;
  hoursAttended: number | null;
  hoursPlanned: number | null;
  issuer: string;
  issuedAt: Date;
  version: number;
  revokedAt: Date | null;
  revocationReason: string | null;
  supersededAt: Date | null;
  /** The number of the attestation that replaced this one. */
  replacedBy: string | null;
  replaces: string | null;
}

const COLUMNS = [
  'a.id',
  'a.number',
  'a.kind',
  'a.person_id',
  'a.session_id',
  'a.holder_name',
  'a.holder_employer',
  'a.title',
  'a.details',
  'a.issued_at',
  'a.version',
  'a.revoked_at',
  'a.revocation_reason',
  'a.superseded_at',
] as const;

function summaries(db: Database) {
  return db
    .selectFrom('attestation as a')
    .leftJoin('attestation as next', 'next.supersedes', 'a.id')
    .leftJoin('attestation as previous', 'previous.id', 'a.supersedes')
    .select(COLUMNS)
    .select(['next.number as replaced_by', 'previous.number as replaces']);
}

type Row = Awaited<ReturnType<ReturnType<typeof summaries>['executeTakeFirstOrThrow']>>;

function toSummary(row: Row): AttestationSummary {
  const details = row.details as { place?: string | null; startsAt?: string | null; endsAt?: string | null; hoursAttended?: number; hoursPlanned?: number; issuer?: string };
  return {
    id: row.id,
    number: row.number,
    kind: row.kind,
    personId: row.person_id,
    sessionId: row.session_id,
    holderName: row.holder_name,
    holderEmployer: row.holder_employer,
    title: row.title,
    place: details.place ?? null,
    startsAt: details.startsAt ? new Date(details.startsAt) : null,
    endsAt: details.endsAt ? new Date(details.endsAt) : null,
    hoursAttended: details.hoursAttended ?? null,
    hoursPlanned: details.hoursPlanned ?? null,
    issuer: details.issuer ?? '',
    issuedAt: row.issued_at,
    version: row.version,
    revokedAt: row.revoked_at,
    revocationReason: row.revocation_reason,
    supersededAt: row.superseded_at,
    replacedBy: row.replaced_by,
    replaces: row.replaces,
  };
}

/** A person's attestations, newest first: their « Mes attestations ». */
export async function attestationsOf(db: Database, personId: string): Promise<AttestationSummary[]> {
  return (await summaries(db).where('a.person_id', '=', personId).orderBy('a.issued_at', 'desc').execute()).map(toSummary);
}

export async function attestationsOfSession(db: Database, sessionId: string): Promise<AttestationSummary[]> {
  if (!isUuid(sessionId)) return [];
  return (await summaries(db).where('a.session_id', '=', sessionId).orderBy('a.number').execute()).map(toSummary);
}

export async function findAttestation(db: Database, id: string): Promise<AttestationSummary | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await summaries(db).where('a.id', '=', id).executeTakeFirst();
  return row ? toSummary(row) : undefined;
}

/** Who may download an attestation (its PDF, its Open Badge): its holder and the coordination. */
export function mayDownloadAttestation(holderId: string, viewer: { id: string; roles: readonly string[] }): boolean {
  return holderId === viewer.id || managesSessions(viewer.roles);
}

/**
 * The PDF as issued, for its holder and for the coordination; anyone else gets nothing, as if it
 * did not exist (its existence stays private).
 */
export async function attestationPdf(db: Database, id: string, viewer: { id: string; roles: readonly string[] }): Promise<{ pdf: Uint8Array; number: string } | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db.selectFrom('attestation').select(['pdf', 'number', 'person_id']).where('id', '=', id).executeTakeFirst();
  if (!row || !mayDownloadAttestation(row.person_id, viewer)) return undefined;
  return { pdf: row.pdf, number: row.number };
}

/** The attestation a number names, and whether the link's check code is the right one. */
export async function attestationByNumber(db: Database, number: string, checkCode?: string | null): Promise<{ attestation: AttestationSummary; checked: boolean } | undefined> {
  const normalized = number.trim().toUpperCase();
  if (!NUMBER_PATTERN.test(normalized)) return undefined;
  const row = await summaries(db).select('a.check_code').where('a.number', '=', normalized).executeTakeFirst();
  if (!row) return undefined;
  return { attestation: toSummary(row), checked: !!checkCode && checkCode === row.check_code };
}

/** The attestation whose PDF is exactly these bytes (an upload on the verification page). */
export async function attestationByPdf(db: Database, bytes: Uint8Array): Promise<AttestationSummary | undefined> {
  const row = await summaries(db).where('a.pdf_sha256', '=', sha256Hex(bytes)).executeTakeFirst();
  return row ? toSummary(row) : undefined;
}
