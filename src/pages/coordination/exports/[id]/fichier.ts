import type { APIRoute } from 'astro';
import { appContext } from '../../../../lib/context.ts';
import { exportFile } from '../../../../lib/reporting/exports/jobs.ts';

/** An export's finished file, for its requester only (anyone else, or too early: 404). */
export const GET: APIRoute = async ({ params, locals, rewrite }) => {
  const ctx = appContext();
  const file = await exportFile(ctx.db, params.id ?? '', locals.person!.id, ctx.now());
  if (!file) return rewrite('/404');
  return new Response(new Uint8Array(file.bytes), {
    headers: {
      'content-type': file.contentType,
      'content-length': String(file.bytes.byteLength),
      'content-disposition': `attachment; filename="${file.filename.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      'cache-control': 'private, no-store',
    },
  });
};
