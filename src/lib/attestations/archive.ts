import { PassThrough, type Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { Database } from '../db/index.ts';
import type { AttestationKind } from '../db/schema.ts';
import { isUuid } from '../ids.ts';
import { slugify } from '../sessions/trainings.ts';
import { parisDay } from '../time.ts';
import { ATTESTATION_KIND_LABELS } from './kinds.ts';

/**
 * The valid attestations of a session, by number: revoked and superseded ones are left out. The
 * ZIP below and the session's audit pack (src/lib/reporting/audit-pack.ts) read the same rows.
 */
export function validSessionAttestations(db: Database, sessionId: string) {
  return db
    .selectFrom('attestation')
    .select(['number', 'kind', 'holder_name', 'pdf', 'pdf_sha256', 'issued_at'])
    .where('session_id', '=', sessionId)
    .where('superseded_at', 'is', null)
    .where('revoked_at', 'is', null)
    .orderBy('number')
    .execute();
}

/** « certificat-de-realisation/EP-2026-000001-zoe-lefevre.pdf »: one folder per kind, ASCII names. */
export function attestationEntryName(attestation: { kind: AttestationKind; number: string; holder_name: string }): string {
  return `${slugify(ATTESTATION_KIND_LABELS[attestation.kind])}/${attestation.number}-${slugify(attestation.holder_name)}.pdf`;
}

/**
 * Every valid attestation of a session in one ZIP, as the coordination sends them to an employer
 * or keeps them for an audit: one folder per kind, one PDF per person, named by number and name
 * (ASCII, so every archive tool shows them alike). Revoked and superseded ones are left out.
 */
export async function sessionAttestationsZip(db: Database, sessionId: string): Promise<{ filename: string; count: number; stream: Readable } | undefined> {
  if (!isUuid(sessionId)) return undefined;
  const session = await db
    .selectFrom('training_session as s')
    .innerJoin('training as t', 't.id', 's.training_id')
    .select(['t.title', 's.id'])
    .select((eb) => eb.selectFrom('session_slot').select((e) => e.fn.min('starts_at').as('first')).whereRef('session_id', '=', 's.id').as('starts_at'))
    .where('s.id', '=', sessionId)
    .executeTakeFirst();
  if (!session) return undefined;
  const rows = await validSessionAttestations(db, sessionId);
  const zip = new ZipFile();
  for (const row of rows) zip.addBuffer(Buffer.from(row.pdf), attestationEntryName(row), { mtime: row.issued_at, compress: false });
  zip.end();
  const day = session.starts_at ? parisDay(session.starts_at) : 'sans-date';
  return { filename: `attestations-${slugify(session.title).slice(0, 50)}-${day}.zip`, count: rows.length, stream: zip.outputStream.pipe(new PassThrough()) };
}
