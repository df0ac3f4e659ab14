import { Readable } from 'node:stream';
import type { APIRoute } from 'astro';
import { appContext } from '../../../../lib/context.ts';
import { sessionAttestationsZip } from '../../../../lib/attestations/archive.ts';

/** Every valid attestation of the session, as one ZIP (coordination only: see ROUTE_ACCESS). */
export const GET: APIRoute = async ({ params, rewrite }) => {
  const archive = await sessionAttestationsZip(appContext().db, params.id ?? '');
  if (!archive) return rewrite('/404');
  return new Response(Readable.toWeb(archive.stream) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename="${archive.filename}"`,
      'cache-control': 'private, no-store',
    },
  });
};
