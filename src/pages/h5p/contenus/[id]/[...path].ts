import type { APIRoute } from 'astro';
import { contentTypeOf, readActivityFile } from '../../../../lib/modules/activities.ts';
import { appContext } from '../../../../lib/context.ts';
import { H5P_FILE_POLICY } from '../../../../lib/web/security-headers.ts';

/**
 * The files of an activity (h5p.json, content/, libraries), fetched by the sandboxed player:
 * its requests come from an opaque origin, hence the open CORS header on files that are public
 * learning content anyway.
 */
export const GET: APIRoute = async ({ params }) => {
  const path = params.path ?? '';
  const file = await readActivityFile(appContext().db, params.id ?? '', path);
  if (!file) return new Response('Fichier introuvable.', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return new Response(new Uint8Array(file), {
    headers: {
      'content-type': contentTypeOf(path),
      'content-length': String(file.length),
      'access-control-allow-origin': '*',
      'content-security-policy': H5P_FILE_POLICY,
      'cache-control': 'public, max-age=300',
    },
  });
};
