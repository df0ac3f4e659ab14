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

/**
 * Reserves the next `count` numbers of the year, inside the issuing transaction: its row lock
 * orders concurrent issues, and a rollback gives the numbers back, so numbers have no gaps.
 */
export async function reserveNumbers(trx: Transaction<DB>, year: number, count: number): Promise<string[]> {
  const row = await trx
    .insertInto('attestation_counter')
    .values({ year, last_number: count })
    .onConflict((oc) => oc.column('year').doUpdateSet((eb) => ({ last_number: eb('attestation_counter.last_number', '+', count) })))
    .returning('last_number')
    .executeTakeFirstOrThrow();
  return Array.from({ length: count }, (_, i) => formatNumber(year, row.last_number - count + 1 + i));
}

/** The next number of the year (see reserveNumbers). */
export async function nextNumber(trx: Transaction<DB>, year: number): Promise<string> {
  return (await reserveNumbers(trx, year, 1))[0]!;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const newCheckCode = (): string => encodeBase32LowerCaseNoPadding(randomBytes(10));

export function verificationUrl(publicUrl: string, number: string, checkCode: string): string {
  return `${publicUrl}/verifier/${number}?c=${checkCode}`;
}

/** What the issuer decides about one attestation; its number, link and date come with the issue. */
type AttestationDraft = Omit<AttestationDocument, 'number' | 'verifyUrl' | 'issuedAt' | 'organisation'> & {
  personId: string;
  sessionId: string | null;
  actorId: string;
  supersedes: { id: string; version: number } | null;
};

/**
 * Numbers, renders and records attestations inside the caller's transaction: all of them or,
 * if anything fails, none (and the numbers go back to the counter).
 */
async function insertAttestations(ctx: AppContext, trx: Transaction<DB>, drafts: readonly AttestationDraft[]): Promise<{ id: string; number: string; personId: string }[]> {
  if (drafts.length === 0) return [];
  const issuedAt = ctx.now();
  const year = Number(new Intl.DateTimeFormat('fr-FR', { year: 'numeric', timeZone: 'Europe/Paris' }).format(issuedAt));
  const numbers = await reserveNumbers(trx, year, drafts.length);
  const issuer = await organisation(trx);
  const rows = [];
  for (const [i, draft] of drafts.entries()) {
    const number = numbers[i]!;
    const checkCode = newCheckCode();
    const pdf = await renderAttestationPdf({ ...draft, number, issuedAt, verifyUrl: verificationUrl(ctx.publicUrl, number, checkCode), organisation: issuer });
    rows.push({
      number,
      year,
      kind: draft.kind,
      person_id: draft.personId,
      session_id: draft.sessionId,
      holder_name: draft.holderName,
      holder_employer: draft.holderEmployer,
      title: draft.title,
      details: {
        place: draft.place,
        startsAt: draft.startsAt?.toISOString() ?? null,
        endsAt: draft.endsAt?.toISOString() ?? null,
        hoursAttended: draft.hoursAttended,
        hoursPlanned: draft.hoursPlanned,
        attendanceRate: draft.attendanceRate,
        issuer: issuer.name,
      },
      issued_at: issuedAt,
      issued_by: draft.actorId,
      pdf,
      pdf_sha256: sha256Hex(pdf),
      check_code: checkCode,
      version: (draft.supersedes?.version ?? 0) + 1,
      supersedes: draft.supersedes?.id ?? null,
    });
  }
  const inserted = await trx.insertInto('attestation').values(rows).returning(['id', 'number', 'person_id']).execute();
  const idOf = new Map(inserted.map((r) => [r.number, r.id]));
  const issued = drafts.map((draft, i) => ({ id: idOf.get(numbers[i]!)!, number: numbers[i]!, personId: draft.personId }));
  await recordAudit(
    trx,
    drafts.map((draft, i) => ({
      actorId: draft.actorId,
      action: draft.supersedes ? 'attestation.reissued' : 'attestation.issued',
      subjectPersonId: draft.personId,
      details: { attestationId: issued[i]!.id, number: issued[i]!.number, kind: draft.kind, sessionId: draft.sessionId, replaces: draft.replaces },
    })),
  );
  return issued;
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

/** A first attestation of a session for a participant. */
function sessionDraft(eligibility: SessionEligibility, participant: ParticipantEligibility, kind: SessionKind, actorId: string): AttestationDraft {
  return {
    kind,
    personId: participant.personId,
    sessionId: eligibility.session.id,
    actorId,
    holderName: `${participant.givenName} ${participant.familyName}`,
    ...sessionFigures(eligibility, participant),
    replaces: null,
    supersedes: null,
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

/** The issue itself, once the session's figures are read. */
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
    .execute(async (trx) => (await insertAttestations(ctx, trx, [sessionDraft(eligibility, participant, kind, actorId)]))[0]!)
    .catch(async (error: unknown) => {
      // Two coordinators issuing the same one at once: the unique index keeps one, which is returned.
      const winner = await currentAttestation(ctx.db, participant.personId, kind, sessionId);
      if (winner) return { id: winner.id, number: winner.number, raced: true };
      throw error;
    });
  if ('raced' in issued) return { ok: true, id: issued.id, number: issued.number, created: false };
  await notifyHolders(ctx, [{ personId: participant.personId, number: issued.number, kind }]);
  return { ok: true, id: issued.id, number: issued.number, created: true };
}

/** How far a bulk issue has gone: `done` of `total` eligible participants handled. */
export interface BulkProgress {
  done: number;
  total: number;
  issued: number;
  alreadyHeld: number;
  notEligible: number;
}

/**
 * Participants issued together in one transaction. Large enough that a bulk issue makes few
 * round trips; small enough that a crash loses little work and a concurrent issue of the same
 * year waits at most a fraction of a second for the counter's lock.
 */
export const BULK_CHUNK = 20;

/**
 * Issues a kind of attestation to every eligible participant of a session, BULK_CHUNK at a time,
 * one transaction each: if it stops half-way (a crash, a restart), the chunks done are complete,
 * the chunk under way left nothing behind (not even a number), and running it again issues the rest.
 */
export async function issueForSession(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; sessionId: string; kind: SessionKind; onProgress?: (progress: BulkProgress) => void | Promise<void> },
): Promise<Outcome<Omit<BulkProgress, 'done' | 'total'>>> {
  if (!managesSessions(input.actorRoles)) return COORDINATION_ONLY;
  if (!isUuid(input.sessionId)) return { ok: false, status: 404, message: 'Cette séance n’existe pas.' };
  const eligibility = await sessionEligibility(ctx.db, input.sessionId, ctx.now());
  if (!eligibility) return { ok: false, status: 404, message: 'Cette séance n’existe pas.' };
  const eligible = eligibility.participants.filter((p) => p.kinds[input.kind].eligible);
  const progress: BulkProgress = { done: 0, total: eligible.length, issued: 0, alreadyHeld: 0, notEligible: eligibility.participants.length - eligible.length };
  const held = new Set(
    (
      await ctx.db
        .selectFrom('attestation')
        .select('person_id')
        .where('session_id', '=', input.sessionId)
        .where('kind', '=', input.kind)
        .where('superseded_at', 'is', null)
        .execute()
    ).map((r) => r.person_id),
  );
  for (let start = 0; start < eligible.length; start += BULK_CHUNK) {
    const chunk = eligible.slice(start, start + BULK_CHUNK);
    const toIssue = chunk.filter((p) => !held.has(p.personId));
    progress.alreadyHeld += chunk.length - toIssue.length;
    const made = await ctx.db
      .transaction()
      .execute((trx) => insertAttestations(ctx, trx, toIssue.map((p) => sessionDraft(eligibility, p, input.kind, input.actorId))))
      .catch(() => null);
    if (made) {
      await notifyHolders(ctx, made.map((m) => ({ ...m, kind: input.kind })));
      progress.issued += made.length;
    } else {
      // Someone issued one of these meanwhile (the unique index refused the chunk): one by one,
      // each finding what is already held. A real failure is reported by the first issue it stops.
      for (const p of toIssue) {
        const outcome = await issueTo(ctx, eligibility, p, input.kind, input.actorId);
        if (!outcome.ok) return outcome;
        if (outcome.created) progress.issued++;
        else progress.alreadyHeld++;
      }
    }
    progress.done += chunk.length;
    await input.onProgress?.({ ...progress });
  }
  return { ok: true, issued: progress.issued, alreadyHeld: progress.alreadyHeld, notEligible: progress.notEligible };
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
    const [replacement] = await insertAttestations(ctx, trx, [
      {
        kind: old.kind,
        personId: old.person_id,
        sessionId: old.session_id,
        actorId: input.actorId,
        // An erased person keeps the name the document had.
        holderName: person.erased_at ? old.holder_name : `${person.given_name} ${person.family_name}`,
        ...sessionFigures(eligibility, participant),
        replaces: old.number,
        supersedes: { id: old.id, version: old.version },
      },
    ]);
    return replacement!;
  });
  if (!issued) return { ok: false, status: 409, message: 'Cette attestation vient d’être remplacée.' };
  await notifyHolders(ctx, [{ personId: old.person_id, number: issued.number, kind: old.kind }]);
  return { ok: true, id: issued.id, number: issued.number, created: true };
}

/** Tells each holder, by email, that their attestation is ready (one query for all of them). */
async function notifyHolders(ctx: AppContext, issued: readonly { personId: string; number: string; kind: AttestationKind }[]): Promise<void> {
  if (issued.length === 0) return;
  const people = await ctx.db
    .selectFrom('person')
    .select(['id', 'email', 'given_name'])
    .where('id', 'in', issued.map((i) => i.personId))
    .where('erased_at', 'is', null)
    .execute();
  const byId = new Map(people.map((p) => [p.id, p]));
  for (const { personId, number, kind } of issued) {
    const person = byId.get(personId);
    if (!person) continue;
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
}

/**
 * The attestation of a validated pathway stage, issued from the validation (once: the decision
 * row, locked, keeps the attestation it gave).
 */
export async function issueStageAttestation(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; decisionId: string; stageTitle: string },
): Promise<Outcome<IssuedAttestation>> {
  if (!managesSessions(input.actorRoles)) return COORDINATION_ONLY;
  if (!isUuid(input.decisionId)) return { ok: false, status: 404, message: 'Cette validation n’existe pas.' };
  const issued = await ctx.db.transaction().execute(async (trx): Promise<Outcome<IssuedAttestation>> => {
    const decision = await trx
      .selectFrom('pathway_decision as d')
      .innerJoin('person as p', 'p.id', 'd.person_id')
      .leftJoin('attestation as a', 'a.id', 'd.attestation_id')
      .select(['d.id', 'd.person_id', 'd.decision', 'd.decided_at', 'p.given_name', 'p.family_name', 'a.id as attestation_id', 'a.number'])
      .where('d.id', '=', input.decisionId)
      .forUpdate('d')
      .executeTakeFirst();
    if (!decision || decision.decision !== 'validated') return { ok: false, status: 404, message: 'Cette validation n’existe pas.' };
    if (decision.attestation_id && decision.number) return { ok: true, id: decision.attestation_id, number: decision.number, created: false };
    const [made] = await insertAttestations(ctx, trx, [
      {
        kind: 'pathway_stage',
        personId: decision.person_id,
        sessionId: null,
        actorId: input.actorId,
        holderName: `${decision.given_name} ${decision.family_name}`,
        holderEmployer: null,
        title: input.stageTitle,
        place: null,
        startsAt: null,
        endsAt: decision.decided_at,
        hoursAttended: 0,
        hoursPlanned: 0,
        attendanceRate: 0,
        replaces: null,
        supersedes: null,
      },
    ]);
    await trx.updateTable('pathway_decision').set({ attestation_id: made!.id }).where('id', '=', decision.id).execute();
    return { ok: true, id: made!.id, number: made!.number, created: true };
  });
  if (issued.ok && issued.created) {
    const personId = (await ctx.db.selectFrom('pathway_decision').select('person_id').where('id', '=', input.decisionId).executeTakeFirstOrThrow()).person_id;
    await notifyHolders(ctx, [{ personId, number: issued.number, kind: 'pathway_stage' }]);
  }
  return issued;
}
