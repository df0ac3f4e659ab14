import type { APIRoute } from 'astro';
import { appContext } from '../../../lib/context.ts';
import { SESSIONS_LIST, sessionsCsv } from '../../../lib/reporting/lists/sessions.ts';
import { csvResponse, listRefused } from '../../../lib/reporting/lists/http.ts';

/** The sessions of the list, with its search, filters and sort, every page: streamed. */
export const GET: APIRoute = ({ url }) => {
  const read = SESSIONS_LIST.read(url.searchParams);
  if (!read.ok) return listRefused(read);
  const ctx = appContext();
  return csvResponse(sessionsCsv(ctx.db, read.query, ctx.now()), 'seances', ctx.now());
};
