// npm run bench — builds the production server, seeds a throw-away database with the large world
// (scripts/seed/large-world.ts: ten years, 10,000 people, a million rows of progress and
// attendance, 10,000 attestations), then 5,000 more people for the targeted measurements (module
// progress, sessions, a pathway of 2,000 trainees), serves it, measures a few pages under load
// with autocannon, and weighs what a browser downloads for a module page, and times the
// attendance sheet's PDF and the yearly report of the last full year.
//
// Settings (environment):
//   BENCH_SECONDS=10         measured seconds per endpoint (each after a 2 s warm-up)
//   BENCH_LARGE_SCALE=1      the large world's size (1: the issue's; 0.1 for a quick run)
//   BENCH_SKIP_BUILD=1       reuse the existing dist/ build
//   BENCH_DATABASE_URL=...   a PostgreSQL server to benchmark against (a fresh database
//                            esper_bench_<random> is created on it, then dropped); default PGlite
//
// Exit code 1 only when the benchmark could not run (build, database, server, an endpoint not
// answering 200); missed goals are printed, not failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateToLatest } from '../src/lib/db/migrate.ts';
import { SESSION_COOKIE } from '../src/lib/accounts/sessions.ts';
import { temporaryPglite, temporaryPostgres, type BenchDatabase } from './bench/database.ts';
import { EndpointError, measure, type BenchTarget, type LoadSettings, type Measurement } from './bench/load.ts';
import { publishedModules, seedModuleProgress, type SeededProgress } from './bench/progress.ts';
import { printReport } from './bench/report.ts';
import { findFreePort, residentKb, sampleRss, startServer, waitUntilHealthy } from './bench/server.ts';
import { measurePageWeight, type PageWeight, type WeightTarget } from './bench/weight.ts';
import { seedWorld, type World } from './bench/world.ts';
import { seedAttendance, type SeededAttendance } from './bench/attendance.ts';
import { currentCode } from '../src/lib/attendance/codes.ts';
import { seedPathway, type SeededPathway } from './bench/pathway.ts';
import { seedLargeWorld, type SeededLargeWorld } from './seed/large-world.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const nodeBin = join(root, 'node_modules/.bin/node');

const PEOPLE = 5_000;
/** The large world's seed: the same world on every run (its ten years end at the run's start). */
const LARGE_SEED = 'banc';
const LIVE_PARTICIPANTS = 200;
const SHEET_PARTICIPANTS = 20;
const PDF_RUNS = 5;
const PDF_GOAL_MS = 1000;
const BULK_PARTICIPANTS = 300;
const PATHWAY_TRAINEES = 2_000;
const REPORT_RUNS = 3;
const REPORT_GOAL_MS = 2_000;
const BULK_GOAL_MS = 10_000;
/** Our own target: the ZIP of a 300-person session downloads in well under the time of a page turn. */
const ZIP_GOAL_MS = 2_000;
const ATTESTATION_PDF_GOAL_BYTES = 150 * 1024;
const HOST = '127.0.0.1';
// Clear of the dev server (4321) and of the test servers.
const PORTS = { from: 4390, to: 4399 };
const START_TIMEOUT_MS = 60_000;
const CONNECTIONS = 50;
const WARMUP_SECONDS = 2;
// The signed-in person is reading this module: its first sections read, positioned on the next.
const MODULE = { slug: 'retablissement', sectionsRead: 3 };
// A section without an interactive activity: the module page as most of a module is read.
const MODULE_PAGE = `/modules/${MODULE.slug}/les-cinq-principes`;
// A family name of scripts/seed/vocabulary.ts: the search matches a few hundred of the 10,000.
const PEOPLE_SEARCH = 'martin';

/** The measured endpoints, in order. A new benchmark is one more line here. */
function targets(world: World, attendance: SeededAttendance, pathway: SeededPathway, origin: string): BenchTarget[] {
  const signedIn = { cookie: `${SESSION_COOKIE}=${world.signedIn.token}` };
  const trainer = { cookie: attendance.trainerCookie };
  const slot = attendance.liveSlotId;
  return [
    // A file served from dist/client without touching Astro or the database: the machine's ceiling.
    { name: 'static', path: '/favicon.svg', baseline: true },
    { name: 'public home', path: '/', goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
    { name: 'catalogue', path: '/formations', goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
    { name: 'login page', path: '/connexion', goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
    { name: 'signed-in home', path: '/accueil', headers: signedIn, goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
    { name: 'module page', path: MODULE_PAGE, headers: signedIn, goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
    // The trainer's screen during a half-day of 200 people: the page, and the JSON it polls.
    { name: 'live slot page', path: `/formation/demi-journees/${slot}`, headers: trainer, goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
    { name: 'live slot poll', path: `/api/demi-journees/${slot}`, headers: trainer, goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
    // 200 participants typing the code of the moment, in turn (after the first round, they are told they already signed).
    {
      name: 'sign-in with code',
      path: '/emargement',
      method: 'POST',
      headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: () => `code=${currentCode(attendance.liveSlotSecret, new Date()).code}`,
      rotateHeaders: attendance.participantCookies.map((cookie) => ({ cookie })),
      goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 },
    },
    // The trainee's pathway (timeline, checklist, decisions), and the coordination's board of the 2,000.
    { name: 'Mon parcours', path: '/mon-parcours', headers: signedIn, goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
    { name: 'cohort board', path: '/coordination/parcours', headers: { cookie: attendance.coordinatorCookie }, goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
    { name: 'cohort board, one stage', path: `/coordination/parcours?etape=${pathway.busiestStage}`, headers: { cookie: attendance.coordinatorCookie }, goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
    // The coordination's people list, searched by a family name the large world gives to many.
    { name: 'people list, search', path: `/coordination/personnes?q=${PEOPLE_SEARCH}`, headers: { cookie: attendance.coordinatorCookie }, goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
    // The coordination's dashboard (figures read through their 30-second cache).
    { name: 'dashboard', path: '/coordination', headers: { cookie: attendance.coordinatorCookie }, goals: { minRatioToBaseline: 0.5, maxP99Ms: 100 } },
    // An employer following an attestation's QR code.
    { name: 'verification page', path: attendance.verifyPath, goals: { minRatioToBaseline: 0.5, maxP99Ms: 50 } },
  ];
}

/** The one-off page weights: the page and the same-origin CSS and JS it pulls in, raw and gzipped. */
function weightTargets(world: World): WeightTarget[] {
  const signedIn = { cookie: `${SESSION_COOKIE}=${world.signedIn.token}` };
  return [{ name: 'module page weight', path: MODULE_PAGE, headers: signedIn, maxGzipBytes: 60 * 1024 }];
}

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number of seconds (got "${raw}").`);
  return value;
}

function step(message: string): () => void {
  const started = performance.now();
  process.stdout.write(`• ${message}… `);
  return () => console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function build(): void {
  const done = step('Building the production server');
  const result = spawnSync(nodeBin, [join(root, 'node_modules/astro/bin/astro.mjs'), 'build'], {
    cwd: root,
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`The build failed (${result.error?.message ?? `exit code ${result.status}`}):\n${output}`);
  }
  done();
}

/**
 * Creates, migrates and seeds the database, then closes it: PGlite allows one process per folder.
 * The large world comes first (the dashboard and the yearly report read it); the targeted seeds
 * then add their own people and sessions beside it.
 */
async function prepareWorld(database: BenchDatabase, largeScale: number): Promise<{ large: SeededLargeWorld; world: World; progress: SeededProgress; attendance: SeededAttendance; pathway: SeededPathway }> {
  const db = database.open();
  try {
    let done = step('Migrating the database');
    await migrateToLatest(db);
    done();
    console.log(`• Seeding the large world (seed « ${LARGE_SEED} », scale ${largeScale}):`);
    const large = await seedLargeWorld(db, { seed: LARGE_SEED, scale: largeScale, now: new Date(), root, log: (line) => console.log(`  ${line}`) });
    console.log(`  done in ${(large.ms / 1000).toFixed(1)} s`);
    done = step(`Seeding ${PEOPLE.toLocaleString('en-US')} people`);
    const world = await seedWorld(db, { people: PEOPLE });
    done();
    done = step('Seeding module progress');
    const modules = await publishedModules(root);
    const progress = await seedModuleProgress(db, world.signedIn.personId, modules, {
      moduleSlug: MODULE.slug,
      sectionsRead: MODULE.sectionsRead,
      every: 3,
      modulesEach: 2,
    });
    done();
    done = step(`Seeding sessions: a half-day of ${LIVE_PARTICIPANTS} people open now, a 3-day session of ${SHEET_PARTICIPANTS} signed on the tablet`);
    const attendance = await seedAttendance(db, SESSION_COOKIE, { liveParticipants: LIVE_PARTICIPANTS, sheetParticipants: SHEET_PARTICIPANTS, bulkParticipants: BULK_PARTICIPANTS });
    done();
    done = step(`Seeding the pathway: ${PATHWAY_TRAINEES.toLocaleString('en-US')} trainees over the seven stages`);
    const pathway = await seedPathway(db, { trainees: PATHWAY_TRAINEES, signedInId: world.signedIn.personId, coordinatorId: attendance.coordinatorId, referentId: attendance.trainerId, now: new Date() });
    done();
    return { large, world, progress, attendance, pathway };
  } finally {
    await db.destroy();
  }
}

// Cleanup steps, run last-in first-out whatever happens (error, Ctrl-C).
const cleanups: Array<{ what: string; run: () => Promise<void> }> = [];
async function cleanUp(): Promise<void> {
  for (let next = cleanups.pop(); next; next = cleanups.pop()) {
    try {
      await next.run();
    } catch (error) {
      console.error(`Cleanup failed (${next.what}): ${(error as Error).message}`);
    }
  }
}

async function main(): Promise<void> {
  const load: LoadSettings = { connections: CONNECTIONS, seconds: positiveNumber('BENCH_SECONDS', 10), warmupSeconds: WARMUP_SECONDS };
  const largeScale = positiveNumber('BENCH_LARGE_SCALE', 1);
  const started = performance.now();
  if (process.env.BENCH_SKIP_BUILD === '1') console.log('• Build skipped (BENCH_SKIP_BUILD=1), using dist/');
  else build();

  const adminUrl = process.env.BENCH_DATABASE_URL;
  const database = adminUrl ? await temporaryPostgres(adminUrl) : await temporaryPglite();
  cleanups.push({ what: 'removing the bench database', run: () => database.dispose() });
  const { large, world, progress, attendance, pathway } = await prepareWorld(database, largeScale);

  const port = await findFreePort(HOST, PORTS.from, PORTS.to);
  const starting = step(`Starting the server on port ${port}`);
  const server = startServer({ root, host: HOST, port, env: database.serverEnv });
  cleanups.push({ what: 'stopping the server', run: () => server.stop(5000) });
  await waitUntilHealthy(server, START_TIMEOUT_MS);
  starting();
  const idleKb = residentKb(server.pid);
  const rss = sampleRss(server.pid, 200);

  const measurements: Measurement[] = [];
  const pdfTimes: number[] = [];
  const reportTimes: { page: number[]; xlsx: number[] } = { page: [], xlsx: [] };
  let bulk: Awaited<ReturnType<typeof timeBulkIssue>> | undefined;
  const weights: PageWeight[] = [];
  try {
    for (const target of weightTargets(world)) {
      const done = step(`Weighing ${target.name} (GET ${target.path} and its CSS and JS)`);
      weights.push(await measurePageWeight(server.url, target));
      done();
    }
    for (const target of targets(world, attendance, pathway, server.url)) {
      const done = step(`Measuring ${target.name} (${target.method ?? 'GET'} ${target.path})`);
      rss.phase(target.name);
      measurements.push(await measure(server.url, target, load));
      done();
    }
    rss.phase('attendance sheet PDF');
    const done = step(`Timing the attendance sheet PDF (${attendance.sheetSlots} half-days × ${attendance.sheetParticipants} people, ${PDF_RUNS} runs)`);
    pdfTimes.push(...(await timePdfSheet(server.url, attendance)));
    done();
    rss.phase('yearly report');
    const reporting = step(`Timing the yearly report of ${REPORT_YEAR} (the page, and the XLSX as an export: asked, ready, downloaded; ${REPORT_RUNS} runs each)`);
    Object.assign(reportTimes, await timeYearlyReport(server.url, attendance.coordinatorCookie, origin(server.url)));
    reporting();
    rss.phase('bulk issue');
    const issuing = step(`Issuing ${attendance.bulkParticipants} certificates in bulk (one request), then weighing them`);
    bulk = await timeBulkIssue(server.url, attendance, origin(server.url));
    issuing();
  } finally {
    rss.stop();
  }

  printReport({
    nodeVersion: execFileSync(nodeBin, ['--version'], { encoding: 'utf8' }).trim(),
    database: database.label,
    large: { scale: largeScale, seedMs: large.ms, counts: large.counts, activityRows: large.activityRows },
    totalMs: performance.now() - started,
    people: world.people,
    progress,
    pathway,
    connections: load.connections,
    seconds: load.seconds,
    warmupSeconds: load.warmupSeconds,
    measurements,
    idleRssMb: idleKb === null ? null : idleKb / 1024,
    peakRssMb: rss.peakMb(),
    phaseRssMb: rss.phasePeaksMb(),
    weights,
    timings: [
      { name: `attendance sheet PDF (${attendance.sheetSlots} half-days × ${attendance.sheetParticipants} people, each signature drawn)`, runsMs: pdfTimes, maxMedianMs: PDF_GOAL_MS },
      { name: `yearly report page (${REPORT_YEAR}, the large world's last full year)`, runsMs: reportTimes.page, maxMedianMs: REPORT_GOAL_MS },
      { name: `yearly report XLSX (${REPORT_YEAR}, an export: asked, ready, downloaded)`, runsMs: reportTimes.xlsx, maxMedianMs: REPORT_GOAL_MS },
      ...(bulk
        ? [
            { name: `bulk issue of ${bulk.count} certificates (numbers, PDFs, hashes, emails), request to finished`, runsMs: [bulk.ms], maxMedianMs: BULK_GOAL_MS },
            { name: `ZIP of the ${bulk.count} certificates (${(bulk.zipBytes / 1_048_576).toFixed(1)} MB)`, runsMs: [bulk.zipMs], maxMedianMs: ZIP_GOAL_MS },
          ]
        : []),
    ],
    sizes: bulk ? [{ name: `certificate PDFs (${bulk.count})`, maxBytes: bulk.maxBytes, meanBytes: bulk.meanBytes, goalBytes: ATTESTATION_PDF_GOAL_BYTES }] : [],
  });
}

const origin = (url: string) => new URL(url).origin;

/**
 * Issues every participant's certificate with one press of the button: from the request to the
 * moment the progress the page polls says it is finished. Then downloads the ZIP of them all,
 * and each PDF to weigh it.
 */
async function timeBulkIssue(baseUrl: string, attendance: SeededAttendance, siteOrigin: string): Promise<{ ms: number; count: number; maxBytes: number; meanBytes: number; zipMs: number; zipBytes: number }> {
  const page = `${baseUrl}/formation/seances/${attendance.bulkSessionId}/attestations`;
  const cookie = attendance.coordinatorCookie;
  const started = performance.now();
  const response = await fetch(page, {
    method: 'POST',
    headers: { cookie, origin: siteOrigin, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'kind=completion_certificate',
    redirect: 'manual',
  });
  const batchId = /[?&]lot=([0-9a-f-]{36})/.exec(response.headers.get('location') ?? '')?.[1];
  if (response.status !== 303 || !batchId) throw new EndpointError(`the bulk issue answered ${response.status} without starting`);
  for (;;) {
    const progress = (await (await fetch(`${baseUrl}/api/seances/${attendance.bulkSessionId}/delivrances/${batchId}`, { headers: { cookie } })).json()) as { finished?: boolean };
    if (progress.finished) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ms = performance.now() - started;
  const html = await (await fetch(`${page}?lot=${batchId}`, { headers: { cookie } })).text();
  if (!html.includes(`${attendance.bulkParticipants} délivrées`)) throw new EndpointError(`the bulk issue did not issue ${attendance.bulkParticipants} certificates`);
  const ids = [...new Set([...html.matchAll(/\/coordination\/attestations\/([0-9a-f-]{36})/g)].map((m) => m[1]!))];
  const zipStarted = performance.now();
  const zip = await fetch(`${baseUrl}/formation/seances/${attendance.bulkSessionId}/attestations-zip`, { headers: { cookie } });
  const zipBytes = (await zip.arrayBuffer()).byteLength;
  const zipMs = performance.now() - zipStarted;
  if (zip.status !== 200) throw new EndpointError(`the ZIP answered ${zip.status}`);
  let maxBytes = 0;
  let total = 0;
  for (const id of ids) {
    const pdf = await fetch(`${baseUrl}/attestations/${id}/pdf`, { headers: { cookie } });
    const size = (await pdf.arrayBuffer()).byteLength;
    maxBytes = Math.max(maxBytes, size);
    total += size;
  }
  return { ms, count: ids.length, maxBytes, meanBytes: ids.length ? total / ids.length : 0, zipMs, zipBytes };
}

/** The last full calendar year (in Paris): the large world's busiest complete year. */
const REPORT_YEAR = Number(new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: 'Europe/Paris' }).format(new Date())) - 1;

/**
 * The yearly report of the last full year, on screen then as XLSX, each from request to last
 * byte. The XLSX is an export: posted to /coordination/exports (303 to its page), its progress
 * polled on /api/exports/<id> until ready ({ status, href }), then the file at `href` downloaded.
 */
async function timeYearlyReport(baseUrl: string, cookie: string, siteOrigin: string): Promise<{ page: number[]; xlsx: number[] }> {
  const period = { du: `${REPORT_YEAR}-01-01`, au: `${REPORT_YEAR}-12-31` };
  const times = { page: [] as number[], xlsx: [] as number[] };
  for (let i = 0; i < REPORT_RUNS; i++) {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/coordination/bilan?${new URLSearchParams(period)}`, { headers: { cookie } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new EndpointError(`the yearly report page answered ${response.status}`);
    times.page.push(performance.now() - started);
  }
  for (let i = 0; i < REPORT_RUNS; i++) {
    const started = performance.now();
    const asked = await fetch(`${baseUrl}/coordination/exports`, {
      method: 'POST',
      headers: { cookie, origin: siteOrigin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ export: 'bilan-xlsx', ...period }),
      redirect: 'manual',
    });
    await asked.body?.cancel();
    const id = /\/coordination\/exports\/([0-9a-f-]{36})$/.exec(asked.headers.get('location') ?? '')?.[1];
    if (asked.status !== 303 || !id) throw new EndpointError(`the yearly report's export answered ${asked.status}`);
    let href: string | null | undefined;
    for (;;) {
      const polled = await fetch(`${baseUrl}/api/exports/${id}`, { headers: { cookie } });
      const state = (await polled.json()) as { status?: string; href?: string | null };
      if (polled.status !== 200) throw new EndpointError(`the export's progress answered ${polled.status}`);
      if (state.status === 'ready') {
        href = state.href;
        break;
      }
      if (state.status !== 'running') throw new EndpointError(`the yearly report's export ended ${state.status}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (!href) throw new EndpointError('the yearly report\'s export is ready without a file to download');
    const file = await fetch(new URL(href, baseUrl), { headers: { cookie } });
    const bytes = new Uint8Array(await file.arrayBuffer());
    // An XLSX is a ZIP (« PK »).
    if (file.status !== 200 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw new EndpointError(`the yearly report's XLSX answered ${file.status} without a spreadsheet`);
    times.xlsx.push(performance.now() - started);
  }
  return times;
}

/** Downloads the sheet a few times, one after the other, from request to last byte. */
async function timePdfSheet(baseUrl: string, attendance: SeededAttendance): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < PDF_RUNS; i++) {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/formation/seances/${attendance.sheetSessionId}/feuille-pdf`, { headers: { cookie: attendance.trainerCookie } });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (response.status !== 200 || !new TextDecoder().decode(bytes.slice(0, 5)).startsWith('%PDF')) throw new EndpointError(`the PDF sheet answered ${response.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the server and removing the bench database…`);
    void cleanUp().finally(() => process.exit(130));
  });

let exitCode = 0;
try {
  await main();
} catch (error) {
  console.log('');
  console.error(error instanceof EndpointError ? `Endpoint check failed: ${error.message}` : `Benchmark failed: ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await cleanUp();
}
// Explicit: a stray handle (a pool, a socket) must not keep the benchmark hanging after its report.
process.exit(exitCode);
