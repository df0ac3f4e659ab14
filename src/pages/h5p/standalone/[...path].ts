import type { APIRoute } from 'astro';
import { readFile, stat } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { contentTypeOf } from '../../../lib/modules/activities.ts';

/** The h5p-standalone player's own files (scripts, styles, fonts), from its npm package. */
const DIST = join(process.cwd(), 'node_modules/h5p-standalone/dist');

export const GET: APIRoute = async ({ params }) => {
  const relative = normalize(params.path ?? '');
  const full = join(DIST, relative);
  const info = full.startsWith(DIST + sep) ? await stat(full).catch(() => null) : null;
  if (!info?.isFile()) return new Response('Fichier introuvable.', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return new Response(await readFile(full), {
    headers: {
      'content-type': contentTypeOf(full),
      'access-control-allow-origin': '*',
      'cache-control': 'public, max-age=86400',
    },
  });
};
