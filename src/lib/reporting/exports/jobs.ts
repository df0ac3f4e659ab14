import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { Database } from '../../db/index.ts';
import type { ExportKindName } from '../../db/schema.ts';
import type { Outcome } from '../../accounts/registration.ts';
import { isUuid } from '../../ids.ts';
import { managesSessions } from '../../sessions/training-sessions.ts';
import { CSV_CHUNK } from '../lists/engine.ts';
import { exportKind, type ExportKind, type ExportParams } from './kinds.ts';

/**
 * An export runs in the background of the instance that received the request, so the request
 * returns at once and the page shows a progress bar (like a bulk issue, batch.ts). Its progress
 * and, once finished, its file live in `export_job`: any instance shows the one and serves the
 * other. Between two chunks the export gives the event loop back (setImmediate), so the other
 * requests of the instance are served meanwhile. An export whose instance stopped stops beating:
 * after STALLED_AFTER_MS it reads as interrupted, and « Relancer » starts it again.
 * An export holds personal data: its requester alone sees it; anyone else is told it does not exist.
 */

export const STALLED_AFTER_MS = 60_000;
/** While a long step runs (the yearly report's queries), the instance says it is alive this often. */
const HEARTBEAT_MS = 15_000;
/** Files are kept this long, then deleted when someone starts an export. */
export const KEEP_DAYS = 7;
const KEEP_MS = KEEP_DAYS * 86_400_000;

export type ExportStatus = 'running' | 'ready' | 'failed' | 'interrupted';

export interface ExportState {
  id: string;
  kind: ExportKindName;
  /** The heading: the kind's label, or its title with the parameters (a period). */
  title: string;
  params: ExportParams;
  requestedAt: Date;
  status: ExportStatus;
  done: number;
  total: number;
  /** « 1 200 lignes sur 10 000 » */
  progressText: string;
  filename: string | null;
  byteSize: number | null;
  /** What went wrong, in French (failed or interrupted). */
  failure: string | null;
  /** The page showing the same content with the same parameters, when there is one. */
  sourceHref: string | null;
  sourceLabel: string;
}

const INTERRUPTED = 'L’export s’est interrompu (le serveur a sans doute redémarré). Relancez-le.';
const FAILED = 'L’export a échoué. Relancez-le ; si cela se reproduit, prévenez l’administrateur.';
const NOTHING = 'Rien à exporter : ce que vous avez demandé n’existe pas ou plus.';

/** Who may export: the coordination (the access table says the same of the pages). */
export const mayExport = (roles: readonly string[]): boolean => managesSessions(roles);

/**
 * Starts an export, or follows the identical one (same requester, kind and parameters) already
 * under way. Parameters are checked before anything is written. `completion` settles when the
 * export ends (tests await it; the server does not).
 */
export async function startExport(
  ctx: AppContext,
  input: { actorId: string; actorRoles: readonly string[]; kind: string; params: ExportParams | URLSearchParams; chunk?: number },
): Promise<Outcome<{ exportId: string; alreadyRunning: boolean; completion: Promise<void> }>> {
  if (!mayExport(input.actorRoles)) return { ok: false, status: 403, message: 'Seule l’équipe de coordination fait des exports.' };
  const kind = exportKind(input.kind);
  if (!kind) return { ok: false, status: 400, message: 'Type d’export : choisissez un des exports proposés.' };
  const fields = input.params instanceof URLSearchParams ? input.params : new URLSearchParams(input.params);
  const read = kind.read(fields, ctx.now());
  if (!read.ok) return { ok: false, status: 400, message: `Cet export n’a pas pu être lancé. ${Object.values(read.errors).join(' ')}` };
  const name = input.kind as ExportKindName;
  const params = JSON.stringify(read.params);

  // The purge: every requester's old files, one indexed delete, whenever an export starts.
  await ctx.db.deleteFrom('export_job').where('requested_at', '<', new Date(ctx.now().getTime() - KEEP_MS)).execute();

  const running = await runningExport(ctx, input.actorId, name, params);
  if (running) return { ok: true, exportId: running, alreadyRunning: true, completion: Promise.resolve() };
  const now = ctx.now();
  const job = await ctx.db
    .insertInto('export_job')
    .values({ kind: name, params, requested_by: input.actorId, requested_at: now, heartbeat_at: now })
    .onConflict((oc) => oc.columns(['requested_by', 'kind', 'params']).where('finished_at', 'is', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  // The same export asked for twice at once (a double click): follow the first.
  if (!job) {
    const first = await runningExport(ctx, input.actorId, name, params);
    if (first) return { ok: true, exportId: first, alreadyRunning: true, completion: Promise.resolve() };
    return startExport(ctx, input);
  }
  return {
    ok: true,
    exportId: job.id,
    alreadyRunning: false,
    completion: runExport(ctx, job.id, kind, read.params, input.chunk ?? CSV_CHUNK),
  };
}

/** The identical export under way; a stalled one is closed as interrupted first. */
async function runningExport(ctx: AppContext, requesterId: string, kind: ExportKindName, params: string): Promise<string | undefined> {
  const row = await ctx.db
    .selectFrom('export_job')
    .select(['id', 'heartbeat_at'])
    .where('requested_by', '=', requesterId)
    .where('kind', '=', kind)
    .where('params', '=', sql<Record<string, string>>`cast(${params} as jsonb)`)
    .where('finished_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  if (ctx.now().getTime() - row.heartbeat_at.getTime() <= STALLED_AFTER_MS) return row.id;
  await ctx.db.updateTable('export_job').set({ finished_at: ctx.now(), failure: INTERRUPTED }).where('id', '=', row.id).where('finished_at', 'is', null).execute();
  return undefined;
}

/** The export itself, recording its progress after each step; never throws (it runs unawaited). */
async function runExport(ctx: AppContext, id: string, kind: ExportKind, params: ExportParams, chunk: number): Promise<void> {
  const job = () => ctx.db.updateTable('export_job').where('id', '=', id);
  const beat = setInterval(() => {
    job()
      .set({ heartbeat_at: ctx.now() })
      .where('finished_at', 'is', null)
      .execute()
      .catch((error: unknown) => console.error('[exports] heartbeat not recorded:', error));
  }, HEARTBEAT_MS);
  beat.unref();
  try {
    const file = await kind.produce({
      ctx,
      params,
      chunk,
      progress: async (done, total) => {
        await job().set({ done, total, heartbeat_at: ctx.now() }).execute();
        // The next chunk waits for the requests that arrived meanwhile: never block the server.
        await new Promise<void>((resolve) => setImmediate(resolve));
      },
    });
    if (!file) await job().set({ finished_at: ctx.now(), failure: NOTHING }).execute();
    else
      await job()
        .set({
          finished_at: ctx.now(),
          heartbeat_at: ctx.now(),
          failure: null,
          filename: file.filename,
          content_type: file.contentType,
          content: file.bytes,
          byte_size: file.bytes.byteLength,
        })
        .execute();
  } catch (error) {
    console.error('[exports] export failed:', error);
    await job()
      .set({ finished_at: ctx.now(), failure: FAILED })
      .execute()
      .catch((again: unknown) => console.error('[exports] could not record the failure:', again));
  } finally {
    clearInterval(beat);
  }
}

const STATE_COLUMNS = ['id', 'kind', 'params', 'requested_at', 'heartbeat_at', 'total', 'done', 'finished_at', 'failure', 'filename', 'byte_size'] as const;

interface StateRow {
  id: string;
  kind: ExportKindName;
  params: Record<string, string>;
  requested_at: Date;
  heartbeat_at: Date;
  total: number;
  done: number;
  finished_at: Date | null;
  failure: string | null;
  filename: string | null;
  byte_size: number | null;
}

/** The state of an export as its pages show it: pure, from its row and the time. */
export function stateOf(row: StateRow, now: Date): ExportState {
  const kind = exportKind(row.kind);
  const status: ExportStatus = row.finished_at
    ? row.failure === null
      ? 'ready'
      : row.failure === INTERRUPTED
        ? 'interrupted'
        : 'failed'
    : now.getTime() - row.heartbeat_at.getTime() > STALLED_AFTER_MS
      ? 'interrupted'
      : 'running';
  return {
    id: row.id,
    kind: row.kind,
    title: kind?.title?.(row.params, now) ?? kind?.label ?? row.kind,
    params: row.params,
    requestedAt: row.requested_at,
    status,
    done: row.done,
    total: row.total,
    progressText: kind?.progressText(row.done, row.total) ?? `${row.done} sur ${row.total}`,
    filename: row.filename,
    byteSize: row.byte_size,
    failure: status === 'interrupted' ? INTERRUPTED : row.failure,
    sourceHref: kind?.sourceHref?.(row.params) ?? null,
    sourceLabel: kind?.sourceLabel ?? 'Voir la page exportée, avec les mêmes filtres',
  };
}

const kept = (now: Date) => new Date(now.getTime() - KEEP_MS);

/** One export of this requester, kept (7 days); anyone else's reads as nonexistent. */
export async function exportState(db: Database, id: string, requesterId: string, now: Date): Promise<ExportState | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .selectFrom('export_job')
    .select(STATE_COLUMNS)
    .where('id', '=', id)
    .where('requested_by', '=', requesterId)
    .where('requested_at', '>=', kept(now))
    .executeTakeFirst();
  return row && stateOf(row, now);
}

/** The finished file of this requester's export, or undefined (not theirs, not ready, or no longer kept). */
export async function exportFile(db: Database, id: string, requesterId: string, now: Date): Promise<{ filename: string; contentType: string; bytes: Uint8Array } | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .selectFrom('export_job')
    .select(['filename', 'content_type', 'content'])
    .where('id', '=', id)
    .where('requested_by', '=', requesterId)
    .where('requested_at', '>=', kept(now))
    .where('content', 'is not', null)
    .executeTakeFirst();
  if (!row?.content || !row.filename || !row.content_type) return undefined;
  return { filename: row.filename, contentType: row.content_type, bytes: row.content };
}

/** « Mes exports »: this requester's exports of the last 7 days, newest first (never the files). */
export async function recentExports(db: Database, requesterId: string, now: Date): Promise<ExportState[]> {
  const rows = await db
    .selectFrom('export_job')
    .select(STATE_COLUMNS)
    .where('requested_by', '=', requesterId)
    .where('requested_at', '>=', kept(now))
    .orderBy('requested_at', 'desc')
    .orderBy('id')
    .limit(50)
    .execute();
  return rows.map((row) => stateOf(row, now));
}
