import type { APIRoute } from 'astro';
import { appContext } from '../../../../lib/context.ts';
import { canRunSession } from '../../../../lib/sessions/training-sessions.ts';
import { attendanceSheet, sheetFilename } from '../../../../lib/attendance/sheet.ts';
import { renderSheetCsv } from '../../../../lib/attendance/sheet-csv.ts';

/** The session's attendance sheet (CSV), for its trainers and the coordination team. */
export const GET: APIRoute = async ({ params, locals, rewrite }) => {
  const ctx = appContext();
  const sessionId = params.id ?? '';
  const sheet = await attendanceSheet(ctx.db, sessionId, ctx.now());
  if (!sheet) return rewrite('/404');
  if (!(await canRunSession(ctx.db, locals.person!, sessionId))) return rewrite('/403');
  return new Response(renderSheetCsv(sheet), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${sheetFilename(sheet, 'csv')}"`,
    },
  });
};
