import type { APIRoute } from 'astro';
import { appContext } from '../../../../lib/context.ts';
import { organisationImage } from '../../../../lib/attestations/organisation.ts';

/** The signature or the logo as saved, for the settings page; 204 when none is set. */
export const GET: APIRoute = async ({ params, rewrite }) => {
  const which = params.which;
  if (which !== 'signature' && which !== 'logo') return rewrite('/404');
  const image = await organisationImage(appContext().db, which);
  if (!image) return new Response(null, { status: 204 });
  return new Response(Buffer.from(image.bytes), { headers: { 'content-type': image.type, 'content-disposition': 'inline' } });
};
