import type { APIRoute } from 'astro';
import { appContext } from '../../../lib/context.ts';
import { exportState } from '../../../lib/reporting/exports/jobs.ts';
import { json, jsonRefusal } from '../../../lib/web/json.ts';

/** An export's progress, polled by its page; its requester's alone (anyone else: 404). */
export const GET: APIRoute = async ({ params, locals }) => {
  const ctx = appContext();
  const state = await exportState(ctx.db, params.id ?? '', locals.person!.id, ctx.now());
  if (!state) return jsonRefusal(404, 'Cet export n’existe pas.');
  return json(
    200,
    {
      ok: true,
      status: state.status,
      done: state.done,
      total: state.total,
      text: state.progressText,
      filename: state.filename,
      size: state.byteSize,
      href: state.status === 'ready' ? `/coordination/exports/${state.id}/fichier` : null,
    },
    { 'cache-control': 'no-store' },
  );
};
