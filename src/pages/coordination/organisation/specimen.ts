import type { APIRoute } from 'astro';
import { appContext } from '../../../lib/context.ts';
import { organisation, renderSpecimenPdf } from '../../../lib/attestations/organisation.ts';

/** A sample attestation with the settings as saved, marked « SPÉCIMEN – sans valeur »: never numbered, stored or emailed. */
export const GET: APIRoute = async () => {
  const ctx = appContext();
  const pdf = await renderSpecimenPdf(await organisation(ctx.db), { now: ctx.now(), publicUrl: ctx.publicUrl });
  return new Response(Buffer.from(pdf), {
    headers: { 'content-type': 'application/pdf', 'content-disposition': 'inline; filename="specimen-attestation.pdf"' },
  });
};
