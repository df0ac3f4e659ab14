import type { APIRoute } from 'astro';
import { appContext } from '../../../lib/context.ts';
import { ATTESTATIONS_LIST, attestationsCsv } from '../../../lib/reporting/lists/attestations.ts';
import { csvResponse, listRefused } from '../../../lib/reporting/lists/http.ts';

/** The attestations of the list, with its search, filters and sort, every page: streamed. */
export const GET: APIRoute = ({ url }) => {
  const read = ATTESTATIONS_LIST.read(url.searchParams);
  if (!read.ok) return listRefused(read);
  const ctx = appContext();
  return csvResponse(attestationsCsv(ctx.db, read.query), 'attestations', ctx.now());
};
