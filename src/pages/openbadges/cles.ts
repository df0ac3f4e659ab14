import type { APIRoute } from 'astro';
import { appContext } from '../../lib/context.ts';
import { publishedKeys } from '../../lib/attestations/signing-key.ts';
import { publicDocumentHeaders } from '../../lib/web/public-documents.ts';

/** The public keys that verify the badges and the revocation list (JSON Web Key Set, retired keys included). */
export const GET: APIRoute = async ({ locals }) => {
  const ctx = appContext();
  return new Response(JSON.stringify(await publishedKeys(ctx.db, ctx.publicUrl)), {
    headers: publicDocumentHeaders('application/jwk-set+json', { signedIn: locals.person !== null, maxAgeSeconds: 300 }),
  });
};
