import type { APIRoute } from 'astro';
import { appContext } from '../../../lib/context.ts';
import { MISSIONS_LIST, missionsCsv } from '../../../lib/reporting/lists/missions.ts';
import { csvResponse, listRefused } from '../../../lib/reporting/lists/http.ts';

/** The missions of the list, with its search, filters and sort, every page: streamed. */
export const GET: APIRoute = ({ url }) => {
  const read = MISSIONS_LIST.read(url.searchParams);
  if (!read.ok) return listRefused(read);
  const ctx = appContext();
  return csvResponse(missionsCsv(ctx.db, read.query), 'missions', ctx.now());
};
