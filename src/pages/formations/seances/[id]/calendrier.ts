import type { APIRoute } from 'astro';
import { appContext } from '../../../../lib/context.ts';
import { calendarFilename, calendarOf } from '../../../../lib/sessions/enrolment.ts';
import { sessionOverview } from '../../../../lib/sessions/training-sessions.ts';

/** The session's half-days as a calendar file (public: the same facts as the catalogue). */
export const GET: APIRoute = async ({ params, rewrite }) => {
  const ctx = appContext();
  const session = await sessionOverview(ctx.db, params.id ?? '');
  if (!session) return rewrite('/404');
  return new Response(calendarOf(ctx, session), {
    headers: {
      'content-type': 'text/calendar; charset=utf-8',
      'content-disposition': `attachment; filename="${calendarFilename(session)}"`,
    },
  });
};
