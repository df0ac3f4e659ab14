import type { APIRoute } from 'astro';
import { appContext } from '../../../../lib/context.ts';
import { slotForTrainer, slotLiveState } from '../../../../lib/attendance/slots.ts';
import { liveViewJson } from '../../../../lib/attendance/live-view.ts';
import { json, jsonRefusal } from '../../../../lib/web/json.ts';

/** The half-day's live state (code, QR, who signed), polled by the trainer's screen. */
export const GET: APIRoute = async ({ params, locals }) => {
  const ctx = appContext();
  const found = await slotForTrainer(ctx.db, locals.person!, params.id ?? '');
  if (!found.ok) return jsonRefusal(found.status, found.message);
  return json(200, await liveViewJson(ctx, await slotLiveState(ctx, found.slot)));
};
