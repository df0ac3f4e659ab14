import type { APIRoute } from 'astro';
import { appContext } from '../../../lib/context.ts';
import { PEOPLE_LIST, peopleCsv } from '../../../lib/reporting/lists/people.ts';
import { csvResponse, listRefused } from '../../../lib/reporting/lists/http.ts';

/** The people of the list, with its search, filters and sort, every page: streamed. */
export const GET: APIRoute = ({ url }) => {
  const read = PEOPLE_LIST.read(url.searchParams);
  if (!read.ok) return listRefused(read);
  const ctx = appContext();
  return csvResponse(peopleCsv(ctx.db, read.query), 'personnes', ctx.now());
};
