import type { AppContext } from '../../context.ts';
import type { ExportKindName } from '../../db/schema.ts';
import { isUuid } from '../../ids.ts';
import { parisDay } from '../../time.ts';
import { csvLines } from '../../web/csv.ts';
import type { CsvRows, ListDefinition, ListQuery } from '../lists/engine.ts';
import { PEOPLE_LIST, peopleCsv } from '../lists/people.ts';
import { SESSIONS_LIST, sessionsCsv } from '../lists/sessions.ts';
import { ATTESTATIONS_LIST, attestationsCsv } from '../lists/attestations.ts';
import { MISSIONS_LIST, missionsCsv } from '../lists/missions.ts';
import { periodLabel, reportPeriod, yearlyReport, type ReportPeriod } from '../yearly.ts';
import { yearlyReportCsv, yearlyReportFilename, yearlyReportXlsx } from '../yearly-sections.ts';
import { sessionAuditPack } from '../audit-pack.ts';

/**
 * What the coordination can export, one entry per kind: its French label, how its parameters are
 * read (the same names and checks as the page it comes from, so an export holds the rows on
 * screen), what its progress bar says, and the producer that writes the file while reporting its
 * progress. The job around it (jobs.ts) stores the parameters, runs the producer in the
 * background, records the progress and keeps the file; a new kind is one entry here.
 */

/** The parameters as stored with the job and posted again by « Relancer »: the page's own names. */
export type ExportParams = Readonly<Record<string, string>>;

export type ParamsRead = { ok: true; params: ExportParams } | { ok: false; errors: Record<string, string> };

export interface ExportFile {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
}

export interface ExportRun {
  ctx: AppContext;
  /** As `read` returned them when the export was asked for. */
  params: ExportParams;
  /** After each step: the job records it (its heartbeat too) and lets other requests through. */
  progress: (done: number, total: number) => Promise<void>;
  /** Rows per query for the lists (tests make it small). */
  chunk: number;
}

export interface ExportKind {
  /** « Personnes (CSV) »: the kind, as « Mes exports » lists it. */
  label: string;
  /** Checks the parameters posted (unknown names are ignored); returns those to keep, or what to fix. */
  read(fields: URLSearchParams, now: Date): ParamsRead;
  /** « 1 200 lignes sur 10 000 »: the progress bar's text. */
  progressText(done: number, total: number): string;
  /** Writes the file; undefined when what was asked for no longer exists (the job says so). */
  produce(run: ExportRun): Promise<ExportFile | undefined>;
  /** The export's heading when its parameters say more than the label (a period). */
  title?(params: ExportParams, now: Date): string;
  /** The page showing the same content, with the same parameters. */
  sourceHref?(params: ExportParams): string;
  /** That link's text, when « Voir la page exportée, avec les mêmes filtres » does not fit. */
  sourceLabel?: string;
}

export const CSV_TYPE = 'text/csv; charset=utf-8';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const ZIP_TYPE = 'application/zip';

const number = (n: number) => n.toLocaleString('fr-FR');

/** « 1 200 lignes sur 10 000 », « 3 fichiers sur 12 »: a progress counted in things. */
export function countText(one: string, many: string): (done: number, total: number) => string {
  return (done, total) => `${number(done)} ${done > 1 ? many : one} sur ${number(total)}`;
}

/** « Calcul des chiffres (étape 1 sur 2) »: a progress counted in named steps (done = steps finished). */
export function stepsText(steps: readonly string[]): (done: number, total: number) => string {
  return (done, total) => (done >= total ? 'Fichier prêt' : `${steps[done] ?? 'En cours'} (étape ${done + 1} sur ${total})`);
}

/** One uuid parameter (e.g. `seance`), for a kind about one thing. */
export function uuidParam(fields: URLSearchParams, name: string, label: string): ParamsRead {
  const value = fields.get(name)?.trim() ?? '';
  if (!value) return { ok: false, errors: { [name]: `${label} : ce champ est obligatoire.` } };
  if (!isUuid(value.toLowerCase())) return { ok: false, errors: { [name]: `${label} : cet identifiant n’est pas valable.` } };
  return { ok: true, params: { [name]: value.toLowerCase() } };
}

/**
 * The file of a CSV list: the header, then each chunk as the list reads it, reporting the rows
 * written over the list's count after each chunk.
 */
export async function writeCsv(rows: CsvRows, progress: ExportRun['progress']): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  const total = await rows.count();
  await progress(0, total);
  const parts: Uint8Array[] = [encoder.encode(`\uFEFF${csvLines([rows.header])}`)];
  let done = 0;
  for await (const lines of rows.chunks) {
    parts.push(encoder.encode(csvLines(lines)));
    done += lines.length;
    // Rows added since the count: the total grows with them rather than the bar overflowing.
    await progress(done, Math.max(total, done));
  }
  // Rows removed since the count: the bar still ends full.
  if (done < total) await progress(done, done);
  return Buffer.concat(parts);
}

/** A coordination list as CSV: its address's parameters, its count and its rows by chunks. */
function listExport<S extends string, F>(
  list: ListDefinition<S, F>,
  label: string,
  filename: string,
  csv: (ctx: AppContext, query: ListQuery<S, F>, chunk: number) => CsvRows,
): ExportKind {
  const read: ExportKind['read'] = (fields) => {
    const found = list.read(fields);
    return found.ok ? { ok: true, params: Object.fromEntries(list.exportFields(found.query)) } : { ok: false, errors: found.errors };
  };
  return {
    label,
    read,
    progressText: countText('ligne', 'lignes'),
    sourceHref: (params) => {
      const text = new URLSearchParams(params).toString();
      return `${list.path}${text ? `?${text}` : ''}`;
    },
    async produce({ ctx, params, progress, chunk }) {
      const found = list.read(new URLSearchParams(params));
      if (!found.ok) throw new Error(`stored parameters refused: ${JSON.stringify(found.errors)}`);
      const bytes = await writeCsv(csv(ctx, found.query, chunk), progress);
      return { filename: `${filename}-${parisDay(ctx.now())}.csv`, contentType: CSV_TYPE, bytes };
    },
  };
}

/** The period of the yearly report, as its page reads it; stored as its two days, defaults resolved. */
function readPeriod(fields: URLSearchParams, now: Date): ParamsRead {
  const chosen = reportPeriod({ du: fields.get('du'), au: fields.get('au') }, now);
  return chosen.ok ? { ok: true, params: { du: chosen.period.from, au: chosen.period.to } } : { ok: false, errors: { periode: chosen.message } };
}

function storedPeriod(params: ExportParams, now: Date): ReportPeriod {
  const chosen = reportPeriod({ du: params.du, au: params.au }, now);
  if (!chosen.ok) throw new Error(`stored period refused: ${chosen.message}`);
  return chosen.period;
}

/** The yearly report as one file: its five queries, then the file written. */
function reportExport(format: 'csv' | 'xlsx'): ExportKind {
  const name = format.toUpperCase();
  return {
    label: `Bilan annuel (${name})`,
    read: readPeriod,
    title: (params, now) => `Bilan annuel, ${periodLabel(storedPeriod(params, now))} (${name})`,
    sourceHref: (params) => `/coordination/bilan?${new URLSearchParams(params).toString()}`,
    progressText: stepsText(['Calcul des chiffres', 'Écriture du fichier']),
    async produce({ ctx, params, progress }) {
      await progress(0, 2);
      const report = await yearlyReport(ctx.db, storedPeriod(params, ctx.now()));
      await progress(1, 2);
      const bytes = format === 'csv' ? new TextEncoder().encode(yearlyReportCsv(report)) : await yearlyReportXlsx(report, ctx.now());
      await progress(2, 2);
      return { filename: yearlyReportFilename(report, format), contentType: format === 'csv' ? CSV_TYPE : XLSX_TYPE, bytes };
    },
  };
}

/** The registry: one entry per kind the table's check allows (migration 0014). */
export const EXPORTS: { readonly [K in ExportKindName]: ExportKind } = {
  personnes: listExport(PEOPLE_LIST, 'Personnes (CSV)', 'personnes', (ctx, query, chunk) => peopleCsv(ctx.db, query, chunk)),
  seances: listExport(SESSIONS_LIST, 'Séances (CSV)', 'seances', (ctx, query, chunk) => sessionsCsv(ctx.db, query, ctx.now(), chunk)),
  attestations: listExport(ATTESTATIONS_LIST, 'Attestations (CSV)', 'attestations', (ctx, query, chunk) => attestationsCsv(ctx.db, query, chunk)),
  missions: listExport(MISSIONS_LIST, 'Missions en binôme (CSV)', 'missions', (ctx, query, chunk) => missionsCsv(ctx.db, query, chunk)),
  'bilan-csv': reportExport('csv'),
  'bilan-xlsx': reportExport('xlsx'),
  // A session's evidence for a quality audit: its files are rendered one by one, so the bar counts them.
  'dossier-audit': {
    label: 'Dossier d’audit d’une séance (ZIP)',
    read: (fields) => uuidParam(fields, 'seance', 'Séance'),
    progressText: countText('fichier', 'fichiers'),
    sourceHref: (params) => `/formation/seances/${params.seance}`,
    sourceLabel: 'Voir la séance',
    async produce({ ctx, params, progress }) {
      const pack = await sessionAuditPack(ctx, params.seance ?? '', progress);
      return pack && { filename: pack.filename, contentType: ZIP_TYPE, bytes: pack.bytes };
    },
  },
};

/** The kind of this name, or undefined for a name the registry does not hold. */
export function exportKind(name: string): ExportKind | undefined {
  return Object.hasOwn(EXPORTS, name) ? EXPORTS[name as ExportKindName] : undefined;
}
