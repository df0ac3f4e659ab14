import type { APIRoute } from 'astro';
import { appContext } from '../../../lib/context.ts';
import { openBadgeDownload } from '../../../lib/attestations/open-badge.ts';

/** The attestation as a signed Open Badges 3.0 credential (VC-JWT): to its holder, and to the coordination. */
export const GET: APIRoute = async ({ params, locals, rewrite }) => {
  const found = await openBadgeDownload(appContext(), params.id ?? '', locals.person!);
  if (!found) return rewrite('/404');
  return new Response(found.jwt, {
    headers: { 'content-type': 'application/vc+jwt', 'content-disposition': `attachment; filename="${found.number}.jwt"` },
  });
};
