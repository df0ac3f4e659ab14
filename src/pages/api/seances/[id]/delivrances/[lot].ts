import type { APIRoute } from 'astro';
import { appContext } from '../../../../../lib/context.ts';
import { bulkIssueState } from '../../../../../lib/attestations/batch.ts';
import { json, jsonRefusal } from '../../../../../lib/web/json.ts';

/** A bulk issue's progress, polled by the session's attestations page. */
export const GET: APIRoute = async ({ params }) => {
  const ctx = appContext();
  const state = await bulkIssueState(ctx.db, params.id ?? '', params.lot ?? '', ctx.now());
  if (!state) return jsonRefusal(404, 'Cette délivrance n’existe pas.');
  return json(200, {
    ok: true,
    total: state.total,
    done: state.done,
    finished: state.finishedAt !== null,
    stalled: state.stalled,
  }, { 'cache-control': 'no-store' });
};
