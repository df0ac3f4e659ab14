import type { APIRoute } from 'astro';
import { appContext } from '../../../lib/context.ts';
import { reportPeriod, yearlyReport } from '../../../lib/reporting/yearly.ts';
import { yearlyReportFilename, yearlyReportXlsx } from '../../../lib/reporting/yearly-sections.ts';

/** The yearly report as a spreadsheet, one sheet per table (coordination only: see ROUTE_ACCESS). */
export const GET: APIRoute = async ({ url }) => {
  const ctx = appContext();
  const chosen = reportPeriod({ du: url.searchParams.get('du'), au: url.searchParams.get('au') }, ctx.now());
  if (!chosen.ok) return new Response(chosen.message, { status: chosen.status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const report = await yearlyReport(ctx.db, chosen.period);
  const bytes = await yearlyReportXlsx(report, ctx.now());
  return new Response(new Uint8Array(bytes), {
    headers: {
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'content-disposition': `attachment; filename="${yearlyReportFilename(report, 'xlsx')}"`,
    },
  });
};
