import type { APIRoute } from 'astro';
import { appContext } from '../../../lib/context.ts';
import { attestationPdf } from '../../../lib/attestations/records.ts';

/** The PDF as issued: to its holder, and to the coordination. */
export const GET: APIRoute = async ({ params, locals, rewrite }) => {
  const found = await attestationPdf(appContext().db, params.id ?? '', locals.person!);
  if (!found) return rewrite('/404');
  return new Response(Buffer.from(found.pdf), {
    headers: { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="attestation-${found.number}.pdf"` },
  });
};
