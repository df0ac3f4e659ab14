import type { APIRoute } from 'astro';
import { appContext } from '../../lib/context.ts';
import { openBadgeStatusList } from '../../lib/attestations/open-badge.ts';
import { STATUS_LIST_MAX_AGE } from '../../lib/attestations/status-list.ts';
import { publicDocumentHeaders } from '../../lib/web/public-documents.ts';

/** The revocation list of the badges: a signed Bitstring Status List credential (VC-JWT). */
export const GET: APIRoute = async ({ locals }) => {
  const { jwt } = await openBadgeStatusList(appContext());
  return new Response(jwt, {
    headers: publicDocumentHeaders('application/vc+jwt', { signedIn: locals.person !== null, maxAgeSeconds: STATUS_LIST_MAX_AGE }),
  });
};
