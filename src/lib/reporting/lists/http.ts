import { parisDay } from '../../time.ts';

/** What a CSV address answers when its parameters are refused: 400, in French, as plain text. */
export function listRefused(read: { status: 400; errors: Record<string, string> }): Response {
  const lines = ['Cet export n’a pas pu être fait :', ...Object.values(read.errors).map((m) => `- ${m}`)];
  return new Response(`${lines.join('\n')}\n`, { status: read.status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/** A streamed CSV, named after its list and the day (« seances-2026-11-23.csv »). */
export function csvResponse(body: ReadableStream<Uint8Array>, name: string, now: Date): Response {
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}-${parisDay(now)}.csv"`,
    },
  });
}
