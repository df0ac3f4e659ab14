import type { APIRoute } from 'astro';
import { appContext } from '../../../../lib/context.ts';
import { canRunSession } from '../../../../lib/sessions/training-sessions.ts';
import { attendanceSheet, sheetFilename } from '../../../../lib/attendance/sheet.ts';
import { renderSheetPdf } from '../../../../lib/attendance/sheet-pdf.ts';

/** The session's attendance sheet (PDF), for its trainers and the coordination team. */
export const GET: APIRoute = async ({ params, locals, rewrite }) => {
  const ctx = appContext();
  const sessionId = params.id ?? '';
  const sheet = await attendanceSheet(ctx.db, sessionId, ctx.now());
  if (!sheet) return rewrite('/404');
  if (!(await canRunSession(ctx.db, locals.person!, sessionId))) return rewrite('/403');
  return new Response(Buffer.from(await renderSheetPdf(sheet)), {
    headers: {
      'content-type': 'application/pdf',
      'content-disposition': `attachment; filename="${sheetFilename(sheet, 'pdf')}"`,
    },
  });
};
