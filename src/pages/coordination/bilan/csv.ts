import type { APIRoute } from 'astro';
import { appContext } from '../../../lib/context.ts';
import { reportPeriod, yearlyReport } from '../../../lib/reporting/yearly.ts';
import { yearlyReportCsv, yearlyReportFilename } from '../../../lib/reporting/yearly-sections.ts';

/** The yearly report as one CSV file (coordination only: see ROUTE_ACCESS). */
export const GET: APIRoute = async ({ url }) => {
  const ctx = appContext();
  const chosen = reportPeriod({ du: url.searchParams.get('du'), au: url.searchParams.get('au') }, ctx.now());
  if (!chosen.ok) return new Response(chosen.message, { status: chosen.status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const report = await yearlyReport(ctx.db, chosen.period);
  return new Response(yearlyReportCsv(report), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${yearlyReportFilename(report, 'csv')}"`,
    },
  });
};
