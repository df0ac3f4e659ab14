// The benchmark's printed summary: one table, the page weights, the memory peak, the goals with PASS/FAIL.
import type { Measurement } from './load.ts';
import type { SeededProgress } from './progress.ts';
import type { PageWeight } from './weight.ts';
import type { SeededPathway } from './pathway.ts';

export interface Report {
  nodeVersion: string;
  database: string;
  /** The large world the dashboard and the yearly report read: its size, rows and seeding time. */
  large: { scale: number; seedMs: number; counts: Record<string, number>; activityRows: number };
  /** From the start to the report (build excluded). */
  totalMs: number;
  people: number;
  progress: SeededProgress;
  pathway: SeededPathway;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  measurements: Measurement[];
  idleRssMb: number | null;
  peakRssMb: number | null;
  phaseRssMb: { phase: string; mb: number }[];
  /** One-off measurements of what a browser downloads for a page. */
  weights: PageWeight[];
  /** One-off timings of a single request, run a few times in a row. */
  timings: Timing[];
  /** Sizes of generated files, against a goal on the largest. */
  sizes: SizeCheck[];
}

export interface SizeCheck {
  name: string;
  maxBytes: number;
  meanBytes: number;
  goalBytes: number;
}

export interface Timing {
  name: string;
  runsMs: number[];
  maxMedianMs: number;
}

const fmt = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  // The name column is left-aligned, the figures right-aligned.
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Prints the report; returns whether every goal was met (informative only). */
export function printReport(report: Report): boolean {
  const baseline = report.measurements.find((m) => m.target.baseline);
  const ratio = (m: Measurement) => (baseline && baseline.requestsPerSecond > 0 ? m.requestsPerSecond / baseline.requestsPerSecond : NaN);
  const baselineName = baseline?.target.name ?? 'baseline';

  console.log('');
  console.log(`Node ${report.nodeVersion} · database: ${report.database}`);
  const c = report.large.counts;
  console.log(
    `large world (scale ${report.large.scale}, seeded in ${fmt(report.large.seedMs / 1000)} s): ${fmt(c.person ?? 0)} people · ${fmt(c.training_session ?? 0)} sessions (${fmt(c.session_slot ?? 0)} half-days) · ` +
      `progress ${fmt((c.module_progress ?? 0) + (c.module_section_read ?? 0) + (c.activity_result ?? 0))} rows (${fmt(c.module_progress ?? 0)} modules started, ${fmt(c.module_section_read ?? 0)} sections read, ${fmt(c.activity_result ?? 0)} quiz results) · ` +
      `attendance ${fmt(c.attendance_record ?? 0)} rows · ${fmt(c.attestation ?? 0)} attestations · ${fmt(c.enrolment ?? 0)} enrolments · ${fmt(c.pathway_member ?? 0)} pathway trainees`,
  );
  console.log('  (counted after seeding it, before the targeted seeds below add their own)');
  console.log(`run so far: ${fmt(report.totalMs / 60_000, 1)} min (build excluded)`);
  const p = report.progress;
  console.log(
    `${fmt(report.people)} people · module progress: ${fmt(p.people)} people, ${fmt(p.modules)} modules started (${fmt(p.completed)} completed), ${fmt(p.sectionsRead)} sections read`,
  );
  const pw = report.pathway;
  console.log(`pathway: ${fmt(pw.trainees)} trainees, ${fmt(pw.decisions)} validated passages, ${fmt(pw.missions)} missions in binôme`);
  console.log(
    `${report.connections} connections · ${report.seconds} s per endpoint after a ${report.warmupSeconds} s warm-up`,
  );
  console.log('');
  console.log(
    table(
      ['name', 'req/s', `× ${baselineName}`, 'p50 ms', 'p99 ms', 'non-2xx', 'errors'],
      report.measurements.map((m) => [
        m.target.name,
        fmt(m.requestsPerSecond),
        Number.isNaN(ratio(m)) ? '–' : `${ratio(m).toFixed(2)}×`,
        fmt(m.p50Ms),
        fmt(m.p99Ms),
        fmt(m.non2xx),
        fmt(m.errors),
      ]),
    ),
  );
  for (const m of report.measurements.filter((m) => m.non2xx > 0 || m.errors > 0)) {
    const codes = Object.entries(m.statusCodes).map(([code, count]) => `${code}: ${fmt(count)}`).join(', ');
    console.log(`  ! ${m.target.name}: ${fmt(m.non2xx)} non-2xx, ${fmt(m.errors)} errors/timeouts of ${fmt(m.requests)} (status codes ${codes})`);
  }
  let allMet = true;
  for (const w of report.weights) allMet = printWeight(w) && allMet;
  for (const t of report.timings) allMet = printTiming(t) && allMet;
  for (const size of report.sizes) {
    const met = size.maxBytes <= size.goalBytes;
    allMet &&= met;
    console.log(`${size.name}: largest ${fmt(size.maxBytes)} B, mean ${fmt(size.meanBytes)} B`);
    console.log(`  ${met ? 'PASS' : 'FAIL'}  each ≤ ${kb(size.goalBytes)}: largest ${kb(size.maxBytes)}`);
  }
  console.log('');
  const mb = (v: number | null) => (v === null ? 'n/a (no /proc)' : `${v.toFixed(1)} MB`);
  console.log(`peak server RSS: ${mb(report.peakRssMb)} (after start, idle: ${mb(report.idleRssMb)})`);
  if (report.phaseRssMb.length)
    console.log(`  peak by phase: ${report.phaseRssMb.map((p) => `${p.phase} ${p.mb.toFixed(0)} MB`).join(' · ')}`);

  const withGoals = report.measurements.filter((m) => m.target.goals);
  if (!withGoals.length) return allMet;
  const wording = withGoals.map((m) => {
    const parts: string[] = [];
    if (m.target.goals?.minRatioToBaseline !== undefined) parts.push(`≥ ${m.target.goals.minRatioToBaseline}× ${baselineName}`);
    if (m.target.goals?.maxP99Ms !== undefined) parts.push(`p99 ≤ ${m.target.goals.maxP99Ms} ms`);
    return `${m.target.name} ${parts.join(', ')}`;
  });
  console.log(`target: ${wording.join('; ')}`);
  for (const m of withGoals) {
    const { minRatioToBaseline, maxP99Ms } = m.target.goals ?? {};
    if (minRatioToBaseline !== undefined) {
      const met = ratio(m) >= minRatioToBaseline;
      allMet &&= met;
      console.log(`  ${met ? 'PASS' : 'FAIL'}  ${m.target.name} ≥ ${minRatioToBaseline}× ${baselineName}: ${ratio(m).toFixed(2)}×`);
    }
    if (maxP99Ms !== undefined) {
      const met = m.p99Ms <= maxP99Ms;
      allMet &&= met;
      console.log(`  ${met ? 'PASS' : 'FAIL'}  ${m.target.name} p99 ≤ ${maxP99Ms} ms: ${fmt(m.p99Ms)} ms`);
    }
  }
  return allMet;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** One page's weight: a table of its files, the totals, and the goal with PASS/FAIL. */
function printWeight(w: PageWeight): boolean {
  console.log('');
  console.log(`${w.name} (GET ${w.path}): ${w.files.length} files, HTML + CSS + JS, gzip level 6`);
  console.log(
    table(
      ['file', 'kind', 'raw B', 'gzip B'],
      [
        ...w.files.map((f) => [f.path, f.kind, fmt(f.rawBytes), fmt(f.gzipBytes)]),
        [`total (${w.files.length} files)`, '', fmt(w.rawBytes), fmt(w.gzipBytes)],
      ],
    ),
  );
  for (const href of w.otherOrigins) console.log(`  ! not counted, other origin: ${href}`);
  const met = w.gzipBytes < w.maxGzipBytes;
  console.log(
    `  ${met ? 'PASS' : 'FAIL'}  ${w.name} gzip total < ${kb(w.maxGzipBytes)} (${fmt(w.maxGzipBytes)} B): ${fmt(w.gzipBytes)} B (${kb(w.gzipBytes)}; raw ${fmt(w.rawBytes)} B)`,
  );
  return met;
}

/** A one-off timing: each run, the median, and the goal on the median with PASS/FAIL. */
function printTiming(t: Timing): boolean {
  const sorted = [...t.runsMs].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  console.log('');
  console.log(`${t.name}: runs ${t.runsMs.map((ms) => `${fmt(ms)} ms`).join(', ')}`);
  const met = median <= t.maxMedianMs;
  console.log(`  ${met ? 'PASS' : 'FAIL'}  median ≤ ${fmt(t.maxMedianMs)} ms: ${fmt(median)} ms (fastest ${fmt(sorted[0] ?? NaN)} ms, slowest ${fmt(sorted.at(-1) ?? NaN)} ms)`);
  return met;
}
