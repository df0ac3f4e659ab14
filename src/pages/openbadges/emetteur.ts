import type { APIRoute } from 'astro';
import { appContext } from '../../lib/context.ts';
import { issuerProfile } from '../../lib/attestations/open-badge.ts';
import { publicDocumentHeaders } from '../../lib/web/public-documents.ts';

/** The issuer's Open Badges profile (JSON-LD): the `issuer.id` of every badge points here. */
export const GET: APIRoute = async ({ locals }) => {
  const ctx = appContext();
  return new Response(JSON.stringify(await issuerProfile(ctx.db, ctx.publicUrl)), {
    headers: publicDocumentHeaders('application/ld+json', { signedIn: locals.person !== null, maxAgeSeconds: 300 }),
  });
};
