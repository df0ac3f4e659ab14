import type { AppContext } from '../context.ts';
import type { Selectable } from 'kysely';
import type { Database } from '../db/index.ts';
import type { AttestationBatchTable } from '../db/schema.ts';
import type { Outcome } from '../accounts/registration.ts';
import { isUuid } from '../ids.ts';
import { managesSessions } from '../sessions/training-sessions.ts';
import { sessionEligibility } from './eligibility.ts';
import { issueForSession } from './issue.ts';
import type { SessionKind } from './kinds.ts';

/**
 * A bulk issue runs in the background of the instance that started it, so the coordinator's
 * request returns at once and the page shows a progress bar. Its progress lives in the database
 * (any instance can show it), written after each chunk of issueForSession. A batch whose
 * instance stopped (a crash, a restart) stops moving: after STALLED_AFTER_MS the page says so
 * and offers to run it again, which issues only what is missing.
 */

export const STALLED_AFTER_MS = 60_000;

export interface BulkIssueState {
  id: string;
  sessionId: string;
  kind: SessionKind;
  startedAt: Date;
  total: number;
  done: number;
  issued: number;
  alreadyHeld: number;
  notEligible: number;
  finishedAt: Date | null;
  failure: string | null;
  /** Unfinished, and its instance has not reported for a while. */
  stalled: boolean;
}

const INTERRUPTED = 'La délivrance s’est interrompue. Les attestations déjà faites sont gardées : relancez-la pour délivrer les autres.';

/** Starts a bulk issue, or returns the one already under way for this session and kind. */
export async function startBulkIssue(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; sessionId: string; kind: SessionKind },
): Promise<Outcome<{ batchId: string; alreadyRunning: boolean; completion: Promise<void> }>> {
  if (!managesSessions(input.actorRoles)) return { ok: false, status: 403, message: 'Seule l’équipe de coordination délivre et révoque les attestations.' };
  if (!isUuid(input.sessionId)) return { ok: false, status: 404, message: 'Cette séance n’existe pas.' };
  const eligibility = await sessionEligibility(ctx.db, input.sessionId, ctx.now());
  if (!eligibility) return { ok: false, status: 404, message: 'Cette séance n’existe pas.' };
  if (!eligibility.finished) return { ok: false, status: 409, message: 'Les attestations se délivrent une fois toutes les demi-journées closes.' };

  const running = await runningBatch(ctx, input.sessionId, input.kind);
  if (running) return { ok: true, batchId: running, alreadyRunning: true, completion: Promise.resolve() };
  const eligible = eligibility.participants.filter((p) => p.kinds[input.kind].eligible).length;
  const now = ctx.now();
  const batch = await ctx.db
    .insertInto('attestation_batch')
    .values({
      session_id: input.sessionId,
      kind: input.kind,
      started_by: input.actorId,
      started_at: now,
      heartbeat_at: now,
      total: eligible,
      not_eligible: eligibility.participants.length - eligible,
    })
    .onConflict((oc) => oc.columns(['session_id', 'kind']).where('finished_at', 'is', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  // Another coordinator started the same one a moment ago: follow theirs.
  if (!batch) {
    const theirs = await runningBatch(ctx, input.sessionId, input.kind);
    if (theirs) return { ok: true, batchId: theirs, alreadyRunning: true, completion: Promise.resolve() };
    return startBulkIssue(ctx, input);
  }
  return { ok: true, batchId: batch.id, alreadyRunning: false, completion: runBulkIssue(ctx, batch.id, input) };
}

/** The batch under way for a session and kind; a stalled one is closed as interrupted first. */
async function runningBatch(ctx: AppContext, sessionId: string, kind: SessionKind): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('attestation_batch')
    .select(['id', 'heartbeat_at'])
    .where('session_id', '=', sessionId)
    .where('kind', '=', kind)
    .where('finished_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  if (ctx.now().getTime() - row.heartbeat_at.getTime() <= STALLED_AFTER_MS) return row.id;
  await ctx.db.updateTable('attestation_batch').set({ finished_at: ctx.now(), failure: INTERRUPTED }).where('id', '=', row.id).where('finished_at', 'is', null).execute();
  return undefined;
}

/** The issue itself, recording its progress after each chunk; never throws (it runs unawaited). */
async function runBulkIssue(ctx: AppContext, batchId: string, input: { actorId: string; actorRoles: readonly string[]; sessionId: string; kind: SessionKind }): Promise<void> {
  const record = (values: { done?: number; issued: number; already_held: number; not_eligible: number; finished_at?: Date; failure?: string | null }) =>
    ctx.db.updateTable('attestation_batch').set({ ...values, heartbeat_at: ctx.now() }).where('id', '=', batchId).execute();
  try {
    const outcome = await issueForSession(ctx, {
      ...input,
      onProgress: async (p) => {
        await record({ done: p.done, issued: p.issued, already_held: p.alreadyHeld, not_eligible: p.notEligible });
      },
    });
    if (outcome.ok) await record({ done: outcome.issued + outcome.alreadyHeld, issued: outcome.issued, already_held: outcome.alreadyHeld, not_eligible: outcome.notEligible, finished_at: ctx.now(), failure: null });
    else await ctx.db.updateTable('attestation_batch').set({ finished_at: ctx.now(), failure: outcome.message }).where('id', '=', batchId).execute();
  } catch (error) {
    console.error('[attestations] bulk issue interrupted:', error);
    await ctx.db
      .updateTable('attestation_batch')
      .set({ finished_at: ctx.now(), failure: INTERRUPTED })
      .where('id', '=', batchId)
      .execute()
      .catch((again: unknown) => console.error('[attestations] could not record the interruption:', again));
  }
}

function stateOf(row: Selectable<AttestationBatchTable>, now: Date): BulkIssueState {
  return {
    id: row.id,
    sessionId: row.session_id,
    kind: row.kind,
    startedAt: row.started_at,
    total: row.total,
    done: row.done,
    issued: row.issued,
    alreadyHeld: row.already_held,
    notEligible: row.not_eligible,
    finishedAt: row.finished_at,
    failure: row.failure,
    stalled: !row.finished_at && now.getTime() - row.heartbeat_at.getTime() > STALLED_AFTER_MS,
  };
}

/** A batch of this session, as the page and its progress bar show it. */
export async function bulkIssueState(db: Database, sessionId: string, batchId: string, now: Date): Promise<BulkIssueState | undefined> {
  if (!isUuid(batchId) || !isUuid(sessionId)) return undefined;
  const row = await db.selectFrom('attestation_batch').selectAll().where('id', '=', batchId).where('session_id', '=', sessionId).executeTakeFirst();
  return row && stateOf(row, now);
}

/** The batches under way for a session (the page shows their progress when opened again). */
export async function runningBulkIssues(db: Database, sessionId: string, now: Date): Promise<BulkIssueState[]> {
  if (!isUuid(sessionId)) return [];
  const rows = await db.selectFrom('attestation_batch').selectAll().where('session_id', '=', sessionId).where('finished_at', 'is', null).orderBy('started_at').execute();
  return rows.map((row) => stateOf(row, now));
}
