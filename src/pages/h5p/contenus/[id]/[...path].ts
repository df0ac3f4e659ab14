import type { APIRoute } from 'astro';
import { readFile } from 'node:fs/promises';
import { activityFile, contentTypeOf } from '../../../../lib/modules/activities.ts';
import { H5P_FILE_POLICY } from '../../../../lib/web/security-headers.ts';

/**
 * The files of an activity (h5p.json, content/, libraries), fetched by the sandboxed player:
 * its requests come from an opaque origin, hence the open CORS header on files that are public
 * learning content anyway.
 */
export const GET: APIRoute = async ({ params }) => {
  const file = await activityFile(params.id ?? '', params.path ?? '');
  if (!file) return new Response('Fichier introuvable.', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return new Response(await readFile(file.path), {
    headers: {
      'content-type': contentTypeOf(file.path),
      'content-length': String(file.size),
      'access-control-allow-origin': '*',
      'content-security-policy': H5P_FILE_POLICY,
      'cache-control': 'public, max-age=300',
    },
  });
};
