import { createHash, randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { AppContext } from '../context.ts';
import type { Database } from '../db/index.ts';
import type { AttestationKind, DB } from '../db/schema.ts';
import type { Outcome } from '../accounts/registration.ts';
import { recordAudit } from '../audit/index.ts';
import { isUuid } from '../ids.ts';
import { managesSessions } from '../sessions/training-sessions.ts';
import { sessionEligibility, type ParticipantEligibility, type SessionEligibility } from './eligibility.ts';
import { ATTESTATION_KIND_LABELS, formatNumber, type SessionKind } from './kinds.ts';
import { organisation } from './organisation.ts';
import { renderAttestationPdf, type AttestationDocument } from './pdf.ts';

/**
 * Issuing: the number, the PDF, its hash and the record are made in one transaction, so a
 * failure (or a crash) at any point leaves neither a half-issued attestation nor a gap in the
 * numbers. Issuing again what a person already holds returns the one they hold.
 */

const COORDINATION_ONLY = { ok: false, status: 403, message: 'Seule l’équipe de coordination délivre et révoque les attestations.' } as const;
const NOT_FOUND = { ok: false, status: 404, message: 'Cette attestation n’existe pas.' } as const;

export interface IssuedAttestation {
  id: string;
  number: string;
  /** False when the person already held it: nothing new was made. */
  created: boolean;
}

/** The next number of the year, inside the issuing transaction (its row lock orders concurrent issues). */
export async function nextNumber(trx: Transaction<DB>, year: number): Promise<string> {
  const row = await trx
    .insertInto('attestation_counter')
    .values({ year, last_number: 1 })
    .onConflict((oc) => oc.column('year').doUpdateSet((eb) => ({ last_number: eb('attestation_counter.last_number', '+', 1) })))
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return formatNumber(year, row.last_number);
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const newCheckCode = (): string => encodeBase32LowerCaseNoPadding(randomBytes(10));

export function verificationUrl(publicUrl: string, number: string, checkCode: string): string {
  return `${publicUrl}/verifier/${number}?c=${checkCode}`;
}

async function insertAttestation(
  ctx: AppContext,
  trx: Transaction<DB>,
  input: Omit<AttestationDocument, 'number' | 'verifyUrl' | 'issuedAt' | 'organisation'> & {
    personId: string;
    sessionId: string | null;
    actorId: string;
    supersedes: { id: string; version: number } | null;
  },
): Promise<{ id: string; number: string }> {
  const issuedAt = ctx.now();
  const year = Number(new Intl.DateTimeFormat('fr-FR', { year: 'numeric', timeZone: 'Europe/Paris' }).format(issuedAt));
  const number = await nextNumber(trx, year);
  const checkCode = newCheckCode();
  const document: AttestationDocument = {
    ...input,
    number,
    issuedAt,
    verifyUrl: verificationUrl(ctx.publicUrl, number, checkCode),
    organisation: await organisation(trx),
  };
  const pdf = await renderAttestationPdf(document);
  const row = await trx
    .insertInto('attestation')
    .values({
      number,
      year,
      kind: input.kind,
      person_id: input.personId,
      session_id: input.sessionId,
      holder_name: input.holderName,
      holder_employer: input.holderEmployer,
      title: input.title,
      details: {
        place: input.place,
        startsAt: input.startsAt?.toISOString() ?? null,
        endsAt: input.endsAt?.toISOString() ?? null,
        hoursAttended: input.hoursAttended,
        hoursPlanned: input.hoursPlanned,
        attendanceRate: input.attendanceRate,
        issuer: document.organisation.name,
      },
      issued_at: issuedAt,
      issued_by: input.actorId,
      pdf,
      pdf_sha256: sha256Hex(pdf),
      check_code: checkCode,
      version: (input.supersedes?.version ?? 0) + 1,
      supersedes: input.supersedes?.id ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    actorId: input.actorId,
    action: input.supersedes ? 'attestation.reissued' : 'attestation.issued',
    subjectPersonId: input.personId,
    details: { attestationId: row.id, number, kind: input.kind, sessionId: input.sessionId, replaces: input.replaces },
  });
  return { id: row.id, number };
}

/** What an attestation copies from the session and the participant's attendance, as they are now. */
function sessionFigures(eligibility: SessionEligibility, participant: ParticipantEligibility) {
  return {
    holderEmployer: participant.employer,
    title: eligibility.session.training.title,
    place: eligibility.session.place,
    startsAt: eligibility.startsAt,
    endsAt: eligibility.endsAt,
    hoursAttended: participant.hoursAttended,
    hoursPlanned: participant.hoursPlanned,
    attendanceRate: participant.attendanceRate,
  };
}

/** Issues one attestation of a session to one participant, if they are eligible. */
export async function issueAttestation(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; sessionId: string; personId: string; kind: SessionKind },
): Promise<Outcome<IssuedAttestation>> {
  if (!managesSessions(input.actorRoles)) return COORDINATION_ONLY;
  if (!isUuid(input.sessionId) || !isUuid(input.personId)) return { ok: false, status: 404, message: 'Cette séance ou cette personne n’existe pas.' };
  const eligibility = await sessionEligibility(ctx.db, input.sessionId, ctx.now());
  if (!eligibility) return { ok: false, status: 404, message: 'Cette séance n’existe pas.' };
  const participant = eligibility.participants.find((p) => p.personId === input.personId);
  if (!participant) return { ok: false, status: 404, message: 'Cette personne ne participe pas à la séance.' };
  return issueTo(ctx, eligibility, participant, input.kind, input.actorId);
}

/** The issue itself, once the session's figures are read (a bulk issue reads them once for all). */
async function issueTo(
  ctx: AppContext,
  eligibility: SessionEligibility,
  participant: ParticipantEligibility,
  kind: SessionKind,
  actorId: string,
): Promise<Outcome<IssuedAttestation>> {
  const sessionId = eligibility.session.id;
  const existing = await currentAttestation(ctx.db, participant.personId, kind, sessionId);
  if (existing) return { ok: true, id: existing.id, number: existing.number, created: false };
  const verdict = participant.kinds[kind];
  if (!verdict.eligible) return { ok: false, status: 409, message: `${ATTESTATION_KIND_LABELS[kind]} impossible : ${verdict.reason}` };
  const issued = await ctx.db
    .transaction()
    .execute((trx) =>
      insertAttestation(ctx, trx, {
        kind,
        personId: participant.personId,
        sessionId,
        actorId,
        holderName: `${participant.givenName} ${participant.familyName}`,
        ...sessionFigures(eligibility, participant),
        replaces: null,
        supersedes: null,
      }),
    )
    .catch(async (error: unknown) => {
      // Two coordinators issuing the same one at once: the unique index keeps one, which is returned.
      const winner = await currentAttestation(ctx.db, participant.personId, kind, sessionId);
      if (winner) return { id: winner.id, number: winner.number, raced: true };
      throw error;
    });
  if ('raced' in issued) return { ok: true, id: issued.id, number: issued.number, created: false };
  await notifyHolder(ctx, participant.personId, issued.number, kind);
  return { ok: true, ...issued, created: true };
}

/**
 * Issues a kind of attestation to every eligible participant of a session, one transaction
 * each: if it stops half-way, those issued are complete and the rest can be issued again.
 */
export async function issueForSession(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; sessionId: string; kind: SessionKind; onProgress?: (done: number, total: number) => void },
): Promise<Outcome<{ issued: number; alreadyHeld: number; notEligible: number }>> {
  if (!managesSessions(input.actorRoles)) return COORDINATION_ONLY;
  const eligibility = await sessionEligibility(ctx.db, input.sessionId, ctx.now());
  if (!eligibility) return { ok: false, status: 404, message: 'Cette séance n’existe pas.' };
  const eligible = eligibility.participants.filter((p) => p.kinds[input.kind].eligible);
  let issued = 0;
  let alreadyHeld = 0;
  for (const [i, p] of eligible.entries()) {
    const outcome = await issueTo(ctx, eligibility, p, input.kind, input.actorId);
    if (!outcome.ok) return outcome;
    if (outcome.created) issued++;
    else alreadyHeld++;
    input.onProgress?.(i + 1, eligible.length);
  }
  return { ok: true, issued, alreadyHeld, notEligible: eligibility.participants.length - eligible.length };
}

async function currentAttestation(db: Database, personId: string, kind: AttestationKind, sessionId: string) {
  return db
    .selectFrom('attestation')
    .select(['id', 'number'])
    .where('person_id', '=', personId)
    .where('kind', '=', kind)
    .where('session_id', '=', sessionId)
    .where('superseded_at', 'is', null)
    .executeTakeFirst();
}

/** Revokes an attestation with a reason; the verification page then says so. */
export async function revokeAttestation(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; attestationId: string; reason: string },
): Promise<Outcome> {
  if (!managesSessions(input.actorRoles)) return COORDINATION_ONLY;
  if (!isUuid(input.attestationId)) return NOT_FOUND;
  const reason = input.reason.trim();
  if (reason.length < 3) return { ok: false, status: 400, message: 'Motif : dites pourquoi l’attestation est révoquée.' };
  return ctx.db.transaction().execute(async (trx): Promise<Outcome> => {
    const row = await trx
      .updateTable('attestation')
      .set({ revoked_at: ctx.now(), revoked_by: input.actorId, revocation_reason: reason })
      .where('id', '=', input.attestationId)
      .where('revoked_at', 'is', null)
      .returning(['number', 'person_id'])
      .executeTakeFirst();
    if (!row) {
      const exists = await trx.selectFrom('attestation').select('id').where('id', '=', input.attestationId).executeTakeFirst();
      return exists ? { ok: false, status: 409, message: 'Cette attestation est déjà révoquée.' } : NOT_FOUND;
    }
    await recordAudit(trx, { actorId: input.actorId, action: 'attestation.revoked', subjectPersonId: row.person_id, details: { attestationId: input.attestationId, number: row.number, reason } });
    return { ok: true };
  });
}

/**
 * Re-issues an attestation: a new document with a new number and the figures of today (a
 * corrected attendance, a changed name), which supersedes the old one. Both are kept; the
 * verification page of the old one points to the new one.
 */
export async function reissueAttestation(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; attestationId: string },
): Promise<Outcome<IssuedAttestation>> {
  if (!managesSessions(input.actorRoles)) return COORDINATION_ONLY;
  if (!isUuid(input.attestationId)) return NOT_FOUND;
  const old = await ctx.db.selectFrom('attestation').selectAll().where('id', '=', input.attestationId).executeTakeFirst();
  if (!old) return NOT_FOUND;
  if (old.superseded_at) return { ok: false, status: 409, message: 'Cette attestation a déjà été remplacée : ré-émettez la plus récente.' };
  if (!old.session_id || old.kind === 'pathway_stage') return { ok: false, status: 409, message: 'Cette attestation ne se ré-émet pas depuis une séance.' };
  const eligibility = await sessionEligibility(ctx.db, old.session_id, ctx.now());
  const participant = eligibility?.participants.find((p) => p.personId === old.person_id);
  if (!eligibility || !participant) return { ok: false, status: 409, message: 'Cette personne ne figure plus sur la feuille d’émargement.' };
  const person = await ctx.db.selectFrom('person').select(['given_name', 'family_name', 'erased_at']).where('id', '=', old.person_id).executeTakeFirstOrThrow();
  const issued = await ctx.db.transaction().execute(async (trx) => {
    const locked = await trx
      .updateTable('attestation')
      .set({ superseded_at: ctx.now() })
      .where('id', '=', old.id)
      .where('superseded_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!locked) return null;
    return insertAttestation(ctx, trx, {
      kind: old.kind,
      personId: old.person_id,
      sessionId: old.session_id,
      actorId: input.actorId,
      // An erased person keeps the name the document had.
      holderName: person.erased_at ? old.holder_name : `${person.given_name} ${person.family_name}`,
      ...sessionFigures(eligibility, participant),
      replaces: old.number,
      supersedes: { id: old.id, version: old.version },
    });
  });
  if (!issued) return { ok: false, status: 409, message: 'Cette attestation vient d’être remplacée.' };
  await notifyHolder(ctx, old.person_id, issued.number, old.kind);
  return { ok: true, ...issued, created: true };
}

async function notifyHolder(ctx: AppContext, personId: string, number: string, kind: AttestationKind): Promise<void> {
  const person = await ctx.db.selectFrom('person').select(['email', 'given_name', 'erased_at']).where('id', '=', personId).executeTakeFirst();
  if (!person || person.erased_at) return;
  await ctx.mail({
    to: person.email,
    personId,
    subject: `${ATTESTATION_KIND_LABELS[kind]} n° ${number}`,
    text: `Bonjour ${person.given_name},

Votre ${ATTESTATION_KIND_LABELS[kind].toLowerCase()} n° ${number} est prête. Vous la trouverez, à télécharger en PDF, sur ${ctx.publicUrl}/mes-attestations.

Toute personne à qui vous la transmettez (un employeur, un financeur) peut vérifier qu’elle est authentique grâce à son QR code.

L’équipe d’ESPER Pro`,
  });
}
