// The large seeded world (issue 8): ten years of the association's activity ending at `now`, at
// the issue's sizes for scale 1 — 10,000 people (most professionals, some hundreds of pathway
// trainees over every stage), 1,000 sessions of one to three days cut into half-days with their
// signatures, about 1,000,000 rows of module progress, quiz results and attendance, 10,000
// attestations — and smaller at a smaller scale (tests).
//
// Deterministic: every choice is a hash of the seed and of the row's indices (md5, in SQL), every
// date is counted from `now`; the same seed and `now` give the same rows, ids included. Fast: the
// rows are generated set-wise by INSERT … SELECT over generate_series, planned in a few
// work tables (seed_large_*, unlogged, dropped at the end) so that each step joins the previous
// ones instead of recomputing them. The attestations' PDFs are the application's own
// (renderAttestationPdf), rendered in worker threads: each stored PDF is that attestation's,
// with its number, QR link and hash, so downloading and verifying behave as for a real one.
//
// What is not seeded: audit entries, emails, sessions of signed-in people, H5P uploads, Open
// Badge status bits (drawn when a badge is first asked for), re-issued attestations.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { load as parseYaml } from 'js-yaml';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import type { Database } from '../../src/lib/db/index.ts';
import type { AttestationKind } from '../../src/lib/db/schema.ts';
import type { ModuleRules } from '../../src/lib/modules/progress.ts';
import { formatNumber } from '../../src/lib/attestations/kinds.ts';
import { organisation } from '../../src/lib/attestations/organisation.ts';
import { sha256Hex, verificationUrl } from '../../src/lib/attestations/issue.ts';
import type { AttestationDocument } from '../../src/lib/attestations/pdf.ts';
import { PATHWAY_COMPLETE } from '../../src/lib/pathway/members.ts';
import { publishedModules } from '../bench/progress.ts';
import { signaturePng } from '../../tests/support/signature-png.ts';
import { pdfRenderer } from './attestation-pdfs.ts';
import * as words from './vocabulary.ts';

export interface LargeWorldOptions {
  /** Letters, digits and hyphens (it also names the people's email domain: `…@<seed>.exemple.test`). */
  seed: string;
  /** 1: the issue's sizes; 0.005 makes a world of 50 people in a few seconds. */
  scale: number;
  /** The world's ten years end here. */
  now: Date;
  /** The repository (for content/modules, content/activities, content/parcours). */
  root?: string;
  /** The address the PDFs' QR codes point to. */
  publicUrl?: string;
  /** Worker threads rendering the PDFs (default: one per core when there are many to render, else none). */
  pdfWorkers?: number;
  log?: (line: string) => void;
}

export interface SeededLargeWorld {
  seed: string;
  scale: number;
  /** Rows per table, after seeding (the whole table: what was there before included). */
  counts: Record<string, number>;
  /** The world's own figures. */
  people: number;
  trainees: number;
  sessions: number;
  /** Module progress, sections read, quiz results and attendance records: the issue's million. */
  activityRows: number;
  attendance: number;
  attestations: number;
  ms: number;
}

const DAY_SECONDS = 86_400;
const SPAN_DAYS = 3650;
/** A seed: it also names the people's email domain (`…@<seed>.exemple.test`). */
export const SEED_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const WORK_TABLES = ['seed_large_person', 'seed_large_session', 'seed_large_slot', 'seed_large_participant', 'seed_large_signature', 'seed_large_progress', 'seed_large_module', 'seed_large_member', 'seed_large_attended', 'seed_large_attestation', 'seed_large_professional'];
/** The tables the world writes to, counted at the end. */
export const LARGE_WORLD_TABLES = [
  'person', 'person_role', 'training', 'training_session', 'session_trainer', 'session_slot', 'enrolment', 'attendance_record',
  'module_progress', 'module_section_read', 'activity_result', 'pathway_member', 'pathway_decision', 'pathway_check', 'volunteer_mission',
  'journal_entry', 'survey_participant', 'survey_answer', 'attestation', 'attestation_counter',
] as const;

/** A SQL string literal (the values come from this file and its vocabulary, never from input). */
const lit = (value: string) => `'${value.replaceAll("'", "''")}'`;
const textArray = (values: readonly string[]) => `ARRAY[${values.map(lit).join(', ')}]::text[]`;

/** The seed's people, their roles and how many of each. */
interface Sizes {
  people: number;
  coordinators: number;
  trainers: number;
  /** Indices below `staff` are the coordinators, the admin and the trainers. */
  staff: number;
  /** Every `traineeEvery`-th person after the staff is a pathway trainee. */
  traineeEvery: number;
  trainees: number;
  sessions: number;
  futureSessions: number;
  attestations: number;
}

function sizesFor(scale: number): Sizes {
  const people = Math.max(50, Math.round(10_000 * scale));
  const coordinators = Math.max(2, Math.round(4 * scale));
  const trainers = Math.max(2, Math.round(40 * scale));
  const staff = coordinators + 1 + trainers;
  // 1 in 16 at full scale (622 trainees); denser in a small world, which has few people to spread.
  const traineeEvery = Math.max(2, Math.min(16, Math.floor((people - staff) / 10)));
  const sessions = Math.max(8, Math.round(1_000 * scale));
  return {
    people,
    coordinators,
    trainers,
    staff,
    traineeEvery,
    trainees: Math.floor((people - staff) / traineeEvery),
    sessions,
    futureSessions: Math.max(2, Math.round(sessions * 0.025)),
    attestations: Math.max(10, Math.round(10_000 * scale)),
  };
}

/** Seeds the large world into a migrated database. See the file's head for what it holds. */
export async function seedLargeWorld(db: Database, options: LargeWorldOptions): Promise<SeededLargeWorld> {
  if (!SEED_PATTERN.test(options.seed)) throw new Error(`The seed must be lower-case letters, digits and hyphens (got "${options.seed}").`);
  if (!(options.scale > 0 && options.scale <= 2)) throw new Error(`The scale must be above 0 and at most 2 (got ${options.scale}).`);
  const started = performance.now();
  const log = options.log ?? (() => {});
  const root = options.root ?? fileURLToPath(new URL('../..', import.meta.url));
  const size = sizesFor(options.scale);
  const seed = options.seed;
  const run = async (text: string) => sql.raw(text).execute(db);
  const step = async (what: string, work: () => Promise<unknown>) => {
    const at = performance.now();
    await work();
    log(`  ${what} (${((performance.now() - at) / 1000).toFixed(1)} s)`);
  };

  // ---- The expressions every step shares ----------------------------------------------------
  const NOW = `${lit(options.now.toISOString())}::timestamptz`;
  const TODAY = `(${NOW} AT TIME ZONE 'Europe/Paris')::date`;
  const START = `(${NOW} - interval '${SPAN_DAYS} days')`;
  /** 32 bits of md5 of the seed and a key (a SQL text expression): the world's only source of chance. */
  const h = (key: string) => `(('x' || substr(md5(${lit(`${seed}:`)} || ${key}), 1, 8))::bit(32)::bigint)`;
  /** The same, as a number in [0, 1). */
  const u = (key: string) => `(${h(key)}::float8 / 4294967296.0)`;
  const uuidOf = (key: string) => `md5(${lit(`${seed}:`)} || ${key})::uuid`;
  /** One md5 per row for its several chances: `hashOf` once as a column, then its four 32-bit slices. */
  const hashOf = (key: string) => `md5(${lit(`${seed}:`)} || ${key})`;
  const slice = (hash: string, n: 0 | 1 | 2 | 3) => `(('x' || substr(${hash}, ${1 + 8 * n}, 8))::bit(32)::bigint)`;
  const uslice = (hash: string, n: 0 | 1 | 2 | 3) => `(${slice(hash, n)}::float8 / 4294967296.0)`;
  const paris = (day: string, time: string) => `((${day}) + time '${time}') AT TIME ZONE 'Europe/Paris'`;
  const { people: N, staff: S0, traineeEvery: M, coordinators: C, trainers: TR } = size;

  const modules = await seedModules(root);
  const stageTitles = await readStageTitles(root);
  for (const table of WORK_TABLES) await run(`DROP TABLE IF EXISTS ${table}`);

  try {
    log(`Seeding the large world « ${seed} » at scale ${options.scale}: ${N.toLocaleString('en-US')} people, ${size.sessions.toLocaleString('en-US')} sessions, ten years to ${options.now.toISOString()}`);

    // ---- People ----------------------------------------------------------------------------
    await step(`${N.toLocaleString('en-US')} people (${size.trainees} pathway trainees, ${TR} trainers, ${C} coordinators, an admin)`, async () => {
      // Index order is the order of arrival: the staff first, then more people every year (the
      // share who joined by a fraction x of the ten years grows as x², after 5 % of founders).
      await run(`
        CREATE UNLOGGED TABLE seed_large_person AS
        SELECT i, ${uuidOf(`'person:' || i`)} AS id,
          CASE WHEN i < ${C} THEN 'coordinator' WHEN i = ${C} THEN 'admin' WHEN i < ${S0} THEN 'trainer'
               WHEN (i - ${S0}) % ${M} = ${M - 1} THEN 'trainee' ELSE 'professional' END AS role,
          CASE WHEN i < ${S0} THEN ${START} - interval '120 days' + i * interval '1 day'
               ELSE least(${NOW} - interval '1 hour', ${START} + interval '${SPAN_DAYS} days' * sqrt(greatest(0, ((i - ${S0})::float8 / ${N - S0} - 0.05) / 0.95))
                 + interval '1 minute' * (${h(`'arrive:' || i`)} % 1200)) END AS created_at,
          (${textArray(words.GIVEN_NAMES)})[1 + (${h(`'given:' || i`)} % ${words.GIVEN_NAMES.length})::int] AS given_name,
          (${textArray(words.FAMILY_NAMES)})[1 + (${h(`'family:' || i`)} % ${words.FAMILY_NAMES.length})::int] AS family_name,
          (${h(`'kind:' || i`)} % ${words.STRUCTURE_KINDS.length})::int AS kind,
          (${h(`'town:' || i`)} % ${words.TOWNS.length})::int AS town,
          -- Their signature on the tablet, and whether they are among the few who often miss.
          (${h(`'png:' || i`)} % 12)::int AS png,
          ${u(`'assiduity:' || i`)} < 0.1 AS often_absent
        FROM generate_series(0, ${N - 1}) AS i`);
      await run(`ALTER TABLE seed_large_person ADD PRIMARY KEY (i)`);
      const slugPart = (column: string) => `trim(both '-' from regexp_replace(esper_fold(${column}), '[^a-z0-9]+', '-', 'g'))`;
      await run(`
        INSERT INTO person (id, email, given_name, family_name, structure, email_verified_at, created_at)
        SELECT id, ${slugPart('given_name')} || '.' || ${slugPart('family_name')} || '.' || i || '@' || ${lit(seed)} || '.exemple.test',
          given_name, family_name,
          CASE role WHEN 'trainer' THEN 'ESPER Pro'
            WHEN 'professional' THEN replace((${textArray(words.STRUCTURE_KINDS.map((k) => k.pattern))})[kind + 1], '{of}', (${textArray(words.TOWNS.map((t) => t.of))})[town + 1]) END,
          created_at + interval '12 minutes', created_at
        FROM seed_large_person ORDER BY i`);
      await run(`INSERT INTO person_role (person_id, role, granted_at) SELECT id, role, created_at FROM seed_large_person ORDER BY i`);
      // The people a trainee may name as the pair of a mission (who can vouch), numbered for picking.
      await run(`
        CREATE UNLOGGED TABLE seed_large_professional AS
        SELECT (row_number() OVER (ORDER BY i) - 1)::int AS n, id, given_name || ' ' || family_name AS name
        FROM seed_large_person WHERE role = 'professional'`);
    });

    // ---- The catalogue ---------------------------------------------------------------------
    const trainingValues = words.TRAININGS.map(
      (t, n) =>
        `(${n}, ${lit(t.slug)}, ${lit(t.title)}, ${lit(t.topic)}, ${lit(t.audience)}, ${t.days}, ${t.moduleId ? lit(t.moduleId) : 'NULL'}, ${t.practiceKind ? lit(t.practiceKind) : 'NULL'}, ${t.attendanceThreshold}, ${t.capacity[0]}, ${t.capacity[1]}, ${t.event}, ${lit(t.summary)}, ${lit(t.objectives.join('\n'))})`,
    );
    const TRAININGS = `(VALUES ${trainingValues.join(',\n')}) AS t(n, slug, title, topic, audience, days, module_id, practice_kind, threshold, cap_min, cap_max, event, summary, objectives)`;
    await step(`${words.TRAININGS.length} trainings`, () =>
      run(`
        INSERT INTO training (id, slug, title, topic, audience, duration_hours, summary, objectives, module_id, attendance_threshold, practice_kind, created_by, created_at, updated_at)
        SELECT ${uuidOf(`'training:' || t.slug`)},
          -- A slug already taken (another world, the demo) gets the seed after it.
          t.slug || CASE WHEN EXISTS (SELECT 1 FROM training x WHERE x.slug = t.slug) THEN '-' || ${lit(seed)} ELSE '' END,
          t.title, t.topic, t.audience, t.days * 7, t.summary, t.objectives, t.module_id, t.threshold, t.practice_kind,
          ${uuidOf(`'person:0'`)}, ${START} - interval '100 days', ${START} - interval '100 days'
        FROM ${TRAININGS} ORDER BY t.n`),
    );

    // ---- Sessions and half-days ------------------------------------------------------------
    const pastSessions = size.sessions - size.futureSessions;
    let cumulative = 0;
    const pickTraining = `CASE ${words.TRAININGS.map((t, n) => `WHEN r < ${(cumulative += t.weight).toFixed(6)} THEN ${n}`).join(' ')} ELSE ${words.TRAININGS.length - 1} END`;
    await step(`${size.sessions.toLocaleString('en-US')} sessions (${size.futureSessions} to come) with their half-days and trainers`, async () => {
      // Past sessions grow in number over the years (the k-th starts at √(k/n) of the span);
      // sessions start on a Monday, Tuesday or Wednesday, so three days fit in the week.
      await run(`
        CREATE UNLOGGED TABLE seed_large_session AS
        WITH drawn AS (
          SELECT k, ${uuidOf(`'session:' || k`)} AS id, ${u(`'training:' || k`)} AS r,
            CASE WHEN k < ${pastSessions}
              THEN ${TODAY} - ${SPAN_DAYS} + floor(${SPAN_DAYS} * sqrt((k + ${u(`'day:' || k`)}) / ${pastSessions}))::int
              ELSE ${TODAY} + 7 + (${h(`'day:' || k`)} % 110)::int END AS around
          FROM generate_series(0, ${size.sessions - 1}) AS k
        ), placed AS (
          SELECT d.*, ${pickTraining} AS training, (date_trunc('week', around::timestamp)::date + (k % 3))::date AS first_day
          FROM drawn d
        )
        SELECT p.k, p.id, p.training, t.days, t.event, t.audience, ${uuidOf(`'training:' || t.slug`)} AS training_id,
          p.first_day,
          t.cap_min + (${h(`'capacity:' || p.k`)} % (t.cap_max - t.cap_min + 1))::int AS capacity,
          NOT t.event AND ${u(`'cancelled:' || p.k`)} < 0.02 AS cancelled,
          (${h(`'town:s' || p.k`)} % ${words.TOWNS.length})::int AS town,
          ${S0} + floor(${N - S0} * (0.05 + 0.95 * power(least(1, greatest(0, (p.first_day - 30 - (${TODAY} - ${SPAN_DAYS}))::float8 / ${SPAN_DAYS})), 2)))::int AS pool,
          ${C + 1} + (${h(`'trainer:' || p.k`)} % ${TR})::int AS trainer1,
          CASE WHEN ${u(`'second:' || p.k`)} < 0.4 THEN ${C + 1} + ((${h(`'trainer:' || p.k`)} + 1 + ${h(`'trainer2:' || p.k`)} % ${Math.max(1, TR - 1)}) % ${TR})::int END AS trainer2
        FROM placed p JOIN ${TRAININGS} ON t.n = p.training`);
      await run(`ALTER TABLE seed_large_session ADD PRIMARY KEY (k)`);
      // How many would come: a share of the places (a small group may ask for more: a waiting list).
      await run(`ALTER TABLE seed_large_session ADD COLUMN wanted int, ADD COLUMN trainer1_id uuid, ADD COLUMN trainer2_id uuid`);
      await run(`
        UPDATE seed_large_session s SET
          wanted = greatest(1, round(capacity * CASE WHEN event THEN 0.65 + 0.35 * ${u(`'wanted:' || s.k`)} ELSE 0.7 + 0.5 * ${u(`'wanted:' || s.k`)} END))::int,
          trainer1_id = (SELECT id FROM seed_large_person WHERE i = s.trainer1),
          trainer2_id = (SELECT id FROM seed_large_person WHERE i = s.trainer2)`);
      const place = (patterns: string[], k: string) =>
        `replace((${textArray(patterns)})[1 + (${h(`'place:' || ${k}`)} % ${patterns.length})::int], '{town}', (${textArray(words.TOWNS.map((t) => t.name))})[s.town + 1])`;
      await run(`
        INSERT INTO training_session (id, training_id, place, capacity, cancellation_notice_hours, cancelled_at, created_by, created_at)
        SELECT s.id, s.training_id,
          CASE WHEN s.event THEN ${place(words.EVENT_PLACES, 's.k')} ELSE ${place(words.PLACES, 's.k')} END,
          s.capacity, CASE WHEN s.event THEN 0 ELSE 48 END,
          CASE WHEN s.cancelled THEN least(${NOW} - interval '1 day', ${paris('s.first_day - 6', '10:00')}) END,
          ${uuidOf(`'person:' || (s.k % ${C})`)}, least(${NOW} - interval '2 days', ${paris('s.first_day - 75', '11:00')})
        FROM seed_large_session s ORDER BY s.k`);
      await run(`
        INSERT INTO session_trainer (session_id, person_id)
        SELECT id, trainer1_id FROM seed_large_session
        UNION ALL SELECT id, trainer2_id FROM seed_large_session WHERE trainer2_id IS NOT NULL`);
      // Two half-days a day, 9:00–12:30 and 13:30–17:00 in Paris. Opened a few minutes before
      // the start by the first trainer, closed (countersigned) after the end, once it is past.
      await run(`
        CREATE UNLOGGED TABLE seed_large_slot AS
        SELECT x.*,
          CASE WHEN NOT x.cancelled AND x.starts_at - interval '20 minutes' <= ${NOW}
            THEN x.starts_at - interval '1 minute' * (5 + ${h(`'open:' || x.id`)} % 16) END AS opened_at
        FROM (
          SELECT ${uuidOf(`'slot:' || s.k || ':' || d || ':' || half`)} AS id, s.k, s.id AS session_id, s.cancelled, s.event, s.trainer1_id AS trainer_id, d, half,
            ${paris('s.first_day + d', '09:00')} + interval '270 minutes' * half AS starts_at,
            ${paris('s.first_day + d', '12:30')} + interval '270 minutes' * half AS ends_at
          FROM seed_large_session s, generate_series(0, s.days - 1) AS d, generate_series(0, 1) AS half
        ) x`);
      await run(`ALTER TABLE seed_large_slot ADD COLUMN closed_at timestamptz`);
      await run(`UPDATE seed_large_slot SET closed_at = ends_at + interval '1 minute' * (5 + ${h(`'close:' || id`)} % 35) WHERE opened_at IS NOT NULL AND ends_at + interval '45 minutes' <= ${NOW}`);
      await run(`CREATE INDEX ON seed_large_slot (k)`);
      await run(`
        INSERT INTO session_slot (id, session_id, starts_at, ends_at, opened_at, opened_by, code_secret, closed_at, closed_by)
        SELECT id, session_id, starts_at, ends_at, opened_at, CASE WHEN opened_at IS NOT NULL THEN trainer_id END,
          CASE WHEN opened_at IS NOT NULL THEN decode(substr(md5(${lit(`${seed}:secret:`)} || id) || md5(${lit(`${seed}:secret2:`)} || id), 1, 40), 'hex') END,
          closed_at, CASE WHEN closed_at IS NOT NULL THEN trainer_id END
        FROM seed_large_slot ORDER BY starts_at, id`);
    });

    // ---- Enrolments ------------------------------------------------------------------------
    await step('enrolments, with waiting lists, cancellations and each participant’s category', async () => {
      // Participants are drawn among the people who had joined a month before the session:
      // trainees only for the pathway's trainings, professionals only for theirs.
      const drawIndex = `${S0} + (d.pick % greatest(1, d.pool - ${S0}))::int`;
      const traineeIndex = `${S0} + (d.pick % greatest(1, (d.pool - ${S0}) / ${M}))::int * ${M} + ${M - 1}`;
      await run(`
        CREATE UNLOGGED TABLE seed_large_participant AS
        WITH drawn AS (
          SELECT s.k, s.pool, s.audience, j, ${h(`'pick:' || s.k || ':' || j`)} AS pick
          FROM seed_large_session s, generate_series(1, s.wanted) AS j
        ), draws AS (
          SELECT d.k, d.j,
            CASE d.audience
              WHEN 'trainees' THEN least(${traineeIndex}, ${S0 + (size.trainees - 1) * M + M - 1})
              WHEN 'professionals' THEN CASE WHEN (${drawIndex} - ${S0}) % ${M} = ${M - 1}
                THEN CASE WHEN ${drawIndex} + 1 < ${N} THEN ${drawIndex} + 1 ELSE ${drawIndex} - 1 END ELSE ${drawIndex} END
              ELSE ${drawIndex} END AS i
          FROM drawn d
        ), firsts AS (
          SELECT DISTINCT ON (k, i) k, i, j FROM draws ORDER BY k, i, j
        ), ranked AS (
          SELECT f.k, f.i, row_number() OVER (PARTITION BY f.k ORDER BY f.j) AS rank FROM firsts f
        )
        , hashed AS (
          SELECT r.*, ${hashOf(`'participant:' || r.k || ':' || r.i`)} AS hx FROM ranked r
        )
        SELECT r.k, r.i, p.id AS person_id, s.id AS session_id, r.rank,
          CASE WHEN r.rank > s.capacity THEN 'waitlisted'
               WHEN ${uslice('r.hx', 0)} < 0.04 THEN 'cancelled'
               WHEN ${uslice('r.hx', 0)} < 0.045 THEN 'removed'
               ELSE 'enrolled' END AS status,
          CASE WHEN p.role = 'professional' THEN replace((${textArray(words.STRUCTURE_KINDS.map((k) => k.pattern))})[p.kind + 1], '{of}', (${textArray(words.TOWNS.map((t) => t.of))})[p.town + 1]) END AS employer,
          CASE WHEN s.first_day > ${TODAY} - 540 AND ${uslice('r.hx', 1)} < 0.15 THEN NULL
               WHEN p.role = 'professional' THEN (${textArray(words.STRUCTURE_KINDS.map((k) => k.employerType))})[p.kind + 1]
               ELSE (ARRAY['job_seeker', 'job_seeker', 'job_seeker', 'self_funded', 'self_funded', 'other', 'other', 'other', 'public_employer', 'private_employer'])[1 + (${slice('r.hx', 2)} % 10)::int] END AS employer_type,
          least(${NOW} - interval '1 minute' * (1 + ${slice('r.hx', 3)} % 600),
            greatest(p.created_at + interval '1 hour', ${paris('s.first_day', '10:00')} - interval '1 hour' * (150 + ${slice('r.hx', 3)} % 1200))) AS requested_at
        FROM hashed r JOIN seed_large_session s ON s.k = r.k JOIN seed_large_person p ON p.i = r.i`);
      await run(`CREATE INDEX ON seed_large_participant (k) WHERE status = 'enrolled'`);
      await run(`
        INSERT INTO enrolment (id, session_id, person_id, status, employer, employer_type, requested_at, updated_at)
        SELECT ${uuidOf(`'enrolment:' || k || ':' || i`)}, session_id, person_id, status, employer, employer_type::text, requested_at, requested_at
        FROM seed_large_participant ORDER BY requested_at, k, i`);
    });

    // ---- Attendance ------------------------------------------------------------------------
    await step('attendance records: signatures by code and on the tablet, late arrivals, absences, closings, corrections', async () => {
      // A dozen real signature PNGs, as drawn on the tablet (small: 240 × 96).
      await run(`CREATE UNLOGGED TABLE seed_large_signature (n int PRIMARY KEY, png bytea NOT NULL)`);
      const signatures = Array.from({ length: 12 }, (_, n) => sql`(${n}, ${signaturePng(n + 1, 240, 96)})`);
      await sql`INSERT INTO seed_large_signature (n, png) VALUES ${sql.join(signatures)}`.execute(db);
      // One record per enrolled participant and opened half-day (none for the silent of a
      // half-day still open): most sign with the code, some on the tablet, a few arrive late or
      // are excused; the closing records the silent as absent. A few people miss often.
      await run(`
        INSERT INTO attendance_record (slot_id, person_id, status, method, signed_at, arrived_at, signature_png, signature_text, reason, recorded_by, recorded_at, idempotency_key)
        SELECT slot_id, person_id,
          CASE outcome WHEN 'excused' THEN 'absent_justified' WHEN 'closing' THEN 'absent_unjustified' WHEN 'late' THEN 'late' ELSE 'present' END,
          CASE outcome WHEN 'excused' THEN 'trainer' WHEN 'closing' THEN 'closing' WHEN 'late' THEN 'trainer' ELSE outcome END,
          CASE WHEN outcome IN ('code', 'tablet') THEN signed_at END,
          CASE WHEN outcome = 'late' THEN arrived_at END,
          CASE WHEN outcome = 'tablet' AND typed IS NULL THEN png END,
          CASE WHEN outcome = 'tablet' THEN typed END,
          CASE WHEN outcome = 'excused' THEN (${textArray(words.ABSENCE_REASONS)})[1 + (${slice('hy', 2)} % ${words.ABSENCE_REASONS.length})::int] END,
          CASE WHEN outcome = 'code' THEN person_id ELSE trainer_id END,
          recorded_at,
          CASE outcome WHEN 'code' THEN 'code:' || slot_id || ':' || person_id WHEN 'tablet' THEN 'tablet:' || hy::uuid END
        FROM (
          SELECT x.*,
            CASE outcome WHEN 'excused' THEN least(${NOW}, x.opened_at + interval '40 minutes') WHEN 'closing' THEN x.closed_at
              WHEN 'late' THEN x.arrived_at + interval '2 minutes' WHEN 'tablet' THEN x.signed_at + interval '1 second' ELSE x.signed_at END AS recorded_at
          FROM (
            SELECT a.slot_id, a.person_id, a.trainer_id, a.opened_at, a.closed_at, a.hy,
              a.opened_at + interval '1 minute' * (1 + ${slice('a.hy', 0)} % 30) AS signed_at,
              a.starts_at + interval '1 minute' * (10 + ${slice('a.hy', 1)} % 60) AS arrived_at,
              sg.png,
              CASE WHEN ${uslice('a.hx', 3)} < 0.08 THEN a.name END AS typed,
              CASE
                WHEN ${uslice('a.hx', 0)} < a.absent THEN CASE WHEN ${uslice('a.hx', 1)} < 0.4 THEN 'excused' WHEN a.closed_at IS NOT NULL THEN 'closing' ELSE 'silent' END
                WHEN ${uslice('a.hx', 0)} < a.absent + 0.04 THEN 'late'
                WHEN ${uslice('a.hx', 2)} < CASE WHEN a.event THEN 0.03 ELSE 0.2 END THEN 'tablet'
                ELSE 'code' END AS outcome
            FROM (
              SELECT sl.id AS slot_id, sl.starts_at, sl.opened_at, sl.closed_at, sl.event, sl.trainer_id, p.person_id, p.i,
                0.04 + CASE WHEN pe.often_absent THEN 0.2 ELSE 0 END AS absent, pe.png AS png_n, pe.given_name || ' ' || pe.family_name AS name,
                ${hashOf(`'attend:' || sl.id || p.person_id`)} AS hx, ${hashOf(`'attend2:' || sl.id || p.person_id`)} AS hy
              FROM seed_large_slot sl
              JOIN seed_large_participant p ON p.k = sl.k AND p.status = 'enrolled'
              JOIN seed_large_person pe ON pe.i = p.i
              WHERE sl.opened_at IS NOT NULL
            ) a
            JOIN seed_large_signature sg ON sg.n = a.png_n
          ) x
        ) y
        WHERE outcome <> 'silent' AND recorded_at <= ${NOW}
        ORDER BY recorded_at, slot_id, person_id`);
      // Corrections, later and with their reason: a signature forgotten, a late arrival noticed.
      await run(`
        INSERT INTO attendance_record (slot_id, person_id, status, method, arrived_at, reason, recorded_by, recorded_at)
        SELECT slot_id, person_id, status, 'correction', arrived_at, reason, trainer_id, recorded_at FROM (
          SELECT r.slot_id, r.person_id, sl.trainer_id,
            CASE WHEN r.method = 'closing' THEN 'present' ELSE 'late' END AS status,
            CASE WHEN r.method = 'closing' THEN NULL ELSE sl.starts_at + interval '35 minutes' END AS arrived_at,
            CASE WHEN r.method = 'closing' THEN 'Présente toute la demi-journée : signature oubliée, vérifiée avec la formatrice.'
                 ELSE 'Arrivée à la pause constatée : la signature avait été faite en avance.' END AS reason,
            least(${NOW}, sl.closed_at + interval '1 hour' * (1 + ${h(`'fix:' || r.id`)} % 47)) AS recorded_at
          FROM attendance_record r JOIN seed_large_slot sl ON sl.id = r.slot_id
          WHERE sl.closed_at IS NOT NULL
            AND ((r.method = 'closing' AND ${u(`'fix:' || r.slot_id || r.person_id`)} < 0.06)
              OR (r.method = 'code' AND ${u(`'fix:' || r.slot_id || r.person_id`)} < 0.004))
        ) c ORDER BY recorded_at, slot_id, person_id`);
    });

    // ---- Module progress and quiz results ---------------------------------------------------
    await step('module progress, sections read and quiz results over the published modules', async () => {
      const moduleValues = modules.map((m, n) => `(${n}, ${lit(m.slug)}, ${m.sections.length}, ${textArray(m.sections.map((s) => s.id))}, ${m.quiz ? lit(m.quiz.id) : 'NULL'}, ${m.quiz?.max ?? 0}, ${m.quiz?.passing ?? 0})`);
      await run(`CREATE UNLOGGED TABLE seed_large_module AS SELECT * FROM (VALUES ${moduleValues.join(', ')}) AS m(n, slug, sections, ids, quiz, quiz_max, quiz_pass)`);
      // Who started which module, read how far, tried the quiz how often and passed it when.
      // Everything of a (person, module) happens within 25 days of its start, before now.
      await run(`
        CREATE UNLOGGED TABLE seed_large_progress AS
        SELECT x.*, CASE WHEN x.quiz IS NULL OR x.nread < x.sections THEN 0
            WHEN ${uslice('x.hy', 2)} < 0.85 THEN 1 + (${slice('x.hy', 3)} % x.attempts)::int ELSE 0 END AS pass_at
        FROM (
          SELECT c.i, c.person_id, c.n, c.slug, c.sections, c.ids, c.quiz, c.quiz_max, c.quiz_pass,
            c.created_at + (${NOW} - interval '25 days' - c.created_at) * ${uslice('c.hx', 1)} AS started_at,
            CASE WHEN ${uslice('c.hx', 2)} < 0.7 THEN c.sections ELSE 1 + (${slice('c.hx', 2)} % (c.sections - 1))::int END AS nread,
            interval '1 second' * (1200 + ${slice('c.hx', 3)} % 172800) AS step,
            CASE WHEN c.quiz IS NULL THEN 0 ELSE 1 + (${slice('c.hy', 0)} % 10)::int END AS attempts,
            interval '1 second' * (600 + ${slice('c.hy', 1)} % 86400) AS retry,
            c.hy
          FROM (
            SELECT p.i, p.id AS person_id, p.created_at, p.role, m.*, ${hashOf(`'module:' || p.i || ':' || m.n`)} AS hx, ${hashOf(`'module2:' || p.i || ':' || m.n`)} AS hy
            FROM seed_large_person p CROSS JOIN seed_large_module m
            WHERE p.role IN ('professional', 'trainee') AND p.created_at < ${NOW} - interval '26 days'
          ) c
          WHERE ${uslice('c.hx', 0)} < CASE c.role WHEN 'trainee' THEN 0.95 ELSE 0.88 END
        ) x`);
      await run(`
        INSERT INTO module_section_read (person_id, module_id, section_id, read_at)
        SELECT person_id, slug, ids[s], started_at + step * s
        FROM seed_large_progress, generate_series(1, nread) AS s ORDER BY started_at + step * s, person_id, s`);
      // One xAPI statement per attempt, as the quiz sends it: the attempts before the one that
      // passes score below the threshold, those after it anything.
      await run(`
        INSERT INTO activity_result (statement_id, person_id, module_id, activity_id, verb, score_raw, score_max, score_scaled, completion, success, duration, recorded_at, statement)
        SELECT statement_id, person_id, slug, quiz, 'http://adlnet.gov/expapi/verbs/answered', raw, quiz_max, round(raw::numeric / quiz_max, 4), true, raw >= quiz_pass,
          'PT' || seconds || 'S', recorded_at,
          jsonb_build_object('id', statement_id, 'verb', jsonb_build_object('id', 'http://adlnet.gov/expapi/verbs/answered', 'display', jsonb_build_object('en-US', 'answered')),
            'result', jsonb_build_object('score', jsonb_build_object('raw', raw, 'max', quiz_max, 'min', 0, 'scaled', round(raw::numeric / quiz_max, 4)),
              'completion', true, 'success', raw >= quiz_pass, 'duration', 'PT' || seconds || 'S'))
        FROM (
          SELECT y.*, y.hx::uuid AS statement_id, 60 + ${slice('y.hx', 0)} % 400 AS seconds,
            CASE WHEN y.pass_at = 0 OR y.a < y.pass_at THEN (${slice('y.hx', 1)} % y.quiz_pass)::int
                 WHEN y.a = y.pass_at THEN y.quiz_pass + (${slice('y.hx', 1)} % (y.quiz_max - y.quiz_pass + 1))::int
                 ELSE (${slice('y.hx', 1)} % (y.quiz_max + 1))::int END AS raw
          FROM (
            SELECT pr.person_id, pr.slug, pr.quiz, pr.quiz_max, pr.quiz_pass, pr.pass_at, a,
              pr.started_at + pr.step * pr.sections + pr.retry * a AS recorded_at,
              ${hashOf(`'statement:' || pr.person_id || pr.slug || a`)} AS hx
            FROM seed_large_progress pr, generate_series(1, pr.attempts) AS a
            WHERE pr.quiz IS NOT NULL AND pr.nread = pr.sections
          ) y
        ) x ORDER BY recorded_at, person_id`);
      // The completion rule: every section read and the quiz passed (the later of the two).
      await run(`
        INSERT INTO module_progress (person_id, module_id, started_at, last_section_id, updated_at, completed_at)
        SELECT person_id, slug, started_at, ids[least(nread + 1, sections)],
          started_at + step * nread + CASE WHEN nread = sections AND quiz IS NOT NULL THEN retry * attempts ELSE interval '0' END,
          CASE WHEN nread = sections AND quiz IS NULL THEN started_at + step * sections
               WHEN nread = sections AND pass_at > 0 THEN started_at + step * sections + retry * pass_at END
        FROM seed_large_progress ORDER BY started_at, person_id`);
    });

    // ---- The pathway -----------------------------------------------------------------------
    await step(`the pathway: ${size.trainees} trainees over the seven stages, decisions, ticks, missions in binôme, journals`, async () => {
      // Each trainee moves on every 3 to 13 months since joining; a quarter stall on a stage.
      await run(`
        CREATE UNLOGGED TABLE seed_large_member AS
        SELECT y.* FROM (
          SELECT x.*, least(${PATHWAY_COMPLETE}, 1 + floor(extract(epoch from ${NOW} - x.joined_at) / extract(epoch from x.pace))::int,
              CASE WHEN ${u(`'stall:' || x.i`)} < 0.25 THEN 1 + (${h(`'stall:' || x.i`)} % 5)::int ELSE ${PATHWAY_COMPLETE} END) AS stage
          FROM (
            SELECT p.i, p.id AS person_id, least(${NOW} - interval '1 hour', p.created_at + interval '1 hour' * (2 + ${h(`'join:' || p.i`)} % 700)) AS joined_at,
              interval '1 day' * (90 + ${h(`'pace:' || p.i`)} % 300) AS pace
            FROM seed_large_person p WHERE p.role = 'trainee'
          ) x
        ) y`);
      const decided = (stage: string) => `least(${NOW} - interval '1 hour', m.joined_at + m.pace * ${stage} - interval '1 hour' * (${h(`'decided:' || m.i || ':' || ${stage}`)} % 72))`;
      // On a stage since its predecessor's validation.
      await run(`ALTER TABLE seed_large_member ADD COLUMN stage_since timestamptz`);
      await run(`UPDATE seed_large_member m SET stage_since = CASE WHEN m.stage = 1 THEN m.joined_at ELSE ${decided('(m.stage - 1)')} END`);
      const coordinatorOf = (key: string) => `(SELECT id FROM seed_large_person WHERE i = ${h(key)} % ${C})`;
      await run(`
        INSERT INTO pathway_member (person_id, stage, cohort, joined_at, stage_since, validation_requested_at, professional_referent_id)
        SELECT m.person_id, m.stage, 'Promotion ' || extract(year FROM m.joined_at AT TIME ZONE 'Europe/Paris'), m.joined_at, m.stage_since,
          CASE WHEN m.stage < ${PATHWAY_COMPLETE} AND ${u(`'ask:' || m.i`)} < 0.08 THEN greatest(m.stage_since, ${NOW} - interval '1 hour' * (1 + ${h(`'ask:' || m.i`)} % 480)) END,
          CASE WHEN ${u(`'referent:' || m.i`)} < 0.7 THEN (SELECT id FROM seed_large_person WHERE i = ${C + 1} + ${h(`'referent:' || m.i`)} % ${TR}) END
        FROM seed_large_member m ORDER BY m.i`);
      // A peer referent: someone who finished the pathway.
      await run(`
        UPDATE pathway_member pm SET peer_referent_id = (
          SELECT f.person_id FROM seed_large_member f WHERE f.stage = ${PATHWAY_COMPLETE} ORDER BY md5(${lit(`${seed}:peer:`)} || m.i || ':' || f.i) LIMIT 1)
        FROM seed_large_member m
        WHERE pm.person_id = m.person_id AND m.stage < ${PATHWAY_COMPLETE} AND ${u(`'peer:' || m.i`)} < 0.35`);
      await run(`
        INSERT INTO pathway_decision (id, person_id, stage, decision, comment, decided_by, decided_at)
        SELECT id, person_id, stage, decision, comment, decided_by, decided_at FROM (
          SELECT ${uuidOf(`'decision:' || m.i || ':' || s`)} AS id, m.person_id, s AS stage, 'validated' AS decision,
            (${textArray(words.VALIDATION_COMMENTS)})[1 + (${h(`'comment:' || m.i || ':' || s`)} % ${words.VALIDATION_COMMENTS.length})::int] AS comment,
            ${coordinatorOf(`'decider:' || m.i || ':' || s`)} AS decided_by, ${decided('s')} AS decided_at
          FROM seed_large_member m, generate_series(1, m.stage - 1) AS s
          UNION ALL
          SELECT ${uuidOf(`'returned:' || m.i || ':' || s`)}, m.person_id, s, 'returned',
            (${textArray(words.RETURN_COMMENTS)})[1 + (${h(`'comment:r' || m.i || ':' || s`)} % ${words.RETURN_COMMENTS.length})::int],
            ${coordinatorOf(`'decider:r' || m.i || ':' || s`)}, ${decided('s')} - interval '1 day' * (10 + ${h(`'returned:' || m.i || ':' || s`)} % 20)
          FROM seed_large_member m, generate_series(1, m.stage - 1) AS s
          WHERE ${u(`'returned:' || m.i || ':' || s`)} < 0.15
        ) d ORDER BY decided_at, person_id`);
      // The coordination's ticks of the conditions it checks itself, for the stages passed and
      // for half of those on the stage now.
      await run(`
        INSERT INTO pathway_check (requirement_id, person_id, checked_by, checked_at)
        SELECT r.id, m.person_id, ${coordinatorOf(`'checker:' || m.i`)},
          CASE WHEN m.stage > r.stage THEN ${decided('r.stage')} - interval '3 days'
               ELSE greatest(m.stage_since, ${NOW} - interval '1 hour' * (1 + ${h(`'check:' || m.i`)} % 500)) END
        FROM seed_large_member m JOIN pathway_requirement r ON r.kind = 'coordinator_check' AND r.retired_at IS NULL
        WHERE m.stage > r.stage OR (m.stage = r.stage AND ${u(`'check:' || m.i || ':' || r.id`)} < 0.5)`);
      // Missions in binôme, from stage 2 on: validated for the stages passed; on the stage now,
      // some still waiting or returned. Half name a professional of the platform as their pair.
      const professionals = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM seed_large_professional`.execute(db)).rows[0]?.n ?? 0);
      await run(`
        INSERT INTO volunteer_mission (id, person_id, stage, done_on, minutes, kind, partner_structure, pair_id, pair_name, status, reviewed_by, reviewed_at, review_comment, created_at)
        SELECT id, person_id, stage, done_on, minutes, kind, partner, pair_id, coalesce(pair_name, (${textArray(words.GIVEN_NAMES)})[1 + (${h(`'pairg:' || id`)} % ${words.GIVEN_NAMES.length})::int] || ' ' || (${textArray(words.FAMILY_NAMES)})[1 + (${h(`'pairf:' || id`)} % ${words.FAMILY_NAMES.length})::int]), status,
          CASE WHEN status <> 'submitted' THEN reviewer END,
          CASE WHEN status <> 'submitted' THEN least(${NOW}, ${paris('done_on + 4', '18:00')}) END,
          CASE WHEN status = 'returned' THEN (${textArray(words.RETURNED_MISSION_COMMENTS)})[1 + (${h(`'returned:' || id`)} % ${words.RETURNED_MISSION_COMMENTS.length})::int] END,
          least(${NOW}, ${paris('done_on + 1', '20:00')})
        FROM (
          SELECT ${uuidOf(`'mission:' || m.i || ':' || s || ':' || nth`)} AS id, m.person_id, s AS stage,
            ((CASE WHEN s = 1 THEN m.joined_at ELSE ${decided('(s - 1)')} END
              + (CASE WHEN s < m.stage THEN ${decided('s')} ELSE ${NOW} END - CASE WHEN s = 1 THEN m.joined_at ELSE ${decided('(s - 1)')} END)
                * ${u(`'done:' || m.i || ':' || s || ':' || nth`)}) AT TIME ZONE 'Europe/Paris')::date AS done_on,
            60 + 15 * (${h(`'minutes:' || m.i || ':' || s || ':' || nth`)} % 13)::int AS minutes,
            (${textArray(words.MISSION_KINDS)})[1 + (${h(`'mkind:' || m.i || ':' || s || ':' || nth`)} % ${words.MISSION_KINDS.length})::int] AS kind,
            (${textArray(words.PARTNER_STRUCTURES)})[1 + (${h(`'partner:' || m.i || ':' || s || ':' || nth`)} % ${words.PARTNER_STRUCTURES.length})::int] AS partner,
            pro.id AS pair_id, pro.name AS pair_name,
            CASE WHEN s < m.stage OR ${u(`'mstatus:' || m.i || ':' || s || ':' || nth`)} < 0.6 THEN 'validated'
                 WHEN ${u(`'mstatus:' || m.i || ':' || s || ':' || nth`)} < 0.88 THEN 'submitted' ELSE 'returned' END AS status,
            coalesce(pro.id, (SELECT professional_referent_id FROM pathway_member pm WHERE pm.person_id = m.person_id), ${coordinatorOf(`'reviewer:' || m.i`)}) AS reviewer
          FROM seed_large_member m
          CROSS JOIN LATERAL generate_series(2, least(m.stage, 7)) AS s
          CROSS JOIN LATERAL generate_series(1, 2 + (${h(`'missions:' || m.i || ':' || s`)} % 5)::int) AS nth
          LEFT JOIN seed_large_professional pro ON ${u(`'pair:' || m.i || ':' || s || ':' || nth`)} < 0.5 AND pro.n = ${h(`'pairwho:' || m.i || ':' || s || ':' || nth`)} % ${Math.max(1, professionals)}
        ) x ORDER BY done_on, person_id`);
      await run(`
        INSERT INTO journal_entry (id, author_id, stage, body, written_at, updated_at, shared_at)
        SELECT ${uuidOf(`'journal:' || m.i || ':' || n`)}, m.person_id, least(m.stage, 7),
          (${textArray(words.JOURNAL_NOTES)})[1 + (${h(`'note:' || m.i || ':' || n`)} % ${words.JOURNAL_NOTES.length})::int],
          w.at, w.at, CASE WHEN ${u(`'share:' || m.i || ':' || n`)} < 0.2 THEN w.at + interval '2 days' END
        FROM seed_large_member m, generate_series(1, 1 + (${h(`'notes:' || m.i`)} % 3)::int) AS n,
          LATERAL (SELECT m.stage_since + (${NOW} - interval '3 days' - m.stage_since) * ${u(`'wrote:' || m.i || ':' || n`)} AS at) w
        WHERE m.stage_since < ${NOW} - interval '3 days'
        ORDER BY w.at, m.i`);
    });

    // ---- Satisfaction surveys ----------------------------------------------------------------
    await step('satisfaction surveys of the sessions finished in the last three years', async () => {
      // Who attended what, for how many hours (the latest record of each half-day counts: present
      // in full, late from the arrival); the surveys and the attestations both start from it.
      await run(`
        CREATE UNLOGGED TABLE seed_large_attended AS
        SELECT sl.k, c.person_id,
          sum(CASE c.status WHEN 'present' THEN extract(epoch FROM sl.ends_at - sl.starts_at)
                            WHEN 'late' THEN greatest(0, extract(epoch FROM sl.ends_at - greatest(sl.starts_at, c.arrived_at))) ELSE 0 END) / 3600 AS hours
        FROM seed_large_slot sl
        CROSS JOIN LATERAL (
          SELECT DISTINCT ON (r.person_id) r.person_id, r.status, r.arrived_at FROM attendance_record r WHERE r.slot_id = sl.id ORDER BY r.person_id, r.id DESC
        ) c
        WHERE sl.closed_at IS NOT NULL
        GROUP BY sl.k, c.person_id`);
      await run(`ALTER TABLE seed_large_session ADD COLUMN finished boolean, ADD COLUMN first_start timestamptz, ADD COLUMN last_end timestamptz, ADD COLUMN planned numeric`);
      await run(`
        UPDATE seed_large_session s SET finished = NOT s.cancelled AND x.open = 0, first_start = x.first_start, last_end = x.last_end, planned = x.planned
        FROM (SELECT k, count(*) FILTER (WHERE closed_at IS NULL) AS open, min(starts_at) AS first_start, max(ends_at) AS last_end,
                sum(extract(epoch FROM ends_at - starts_at)) / 3600 AS planned FROM seed_large_slot GROUP BY k) x
        WHERE x.k = s.k`);
      await run(`
        INSERT INTO survey_participant (id, session_id, phase, person_id, emailed_at, answered)
        SELECT ${uuidOf(`'invited:' || s.k || ':' || phase || ':' || a.person_id`)}, s.id, phase, a.person_id, emailed_at,
          ${u(`'answered:' || s.k || ':' || phase || ':' || a.person_id`)} < CASE phase WHEN 'hot' THEN 0.45 ELSE 0.3 END
        FROM seed_large_attended a JOIN seed_large_session s ON s.k = a.k
        CROSS JOIN LATERAL (VALUES ('hot', s.last_end + interval '1 hour'), ('cold', s.last_end + interval '90 days')) AS v(phase, emailed_at)
        WHERE s.finished AND a.hours > 0 AND s.last_end >= ${NOW} - interval '3 years' AND v.emailed_at <= ${NOW}
        ORDER BY emailed_at, s.k, a.person_id`);
      // The answers: as many as the marks « answered », and nothing in them that points back to a
      // person (their order and scores come from the session, the phase and a counter).
      const score = (key: string) =>
        `(CASE WHEN ${u(key)} < 0.5 THEN 5 WHEN ${u(key)} < 0.84 THEN 4 WHEN ${u(key)} < 0.95 THEN 3 WHEN ${u(key)} < 0.985 THEN 2 ELSE 1 END)`;
      const key = (what: string) => `'${what}:' || sp.session_id || sp.phase || sp.n`;
      await run(`
        INSERT INTO survey_answer (id, session_id, phase, answered_on, overall, objectives, trainers, organisation, practice_use,
          uses_posture, uses_knowledge, uses_tools, uses_resources, uses_exchanges, comment)
        SELECT ${uuidOf(key('answer'))}, sp.session_id, sp.phase,
          least(${TODAY}, (sp.emailed_at AT TIME ZONE 'Europe/Paris')::date + (${h(key('day'))} % 6)::int),
          CASE WHEN sp.phase = 'hot' THEN ${score(key('overall'))} END,
          CASE WHEN sp.phase = 'hot' THEN ${score(key('objectives'))} END,
          CASE WHEN sp.phase = 'hot' THEN ${score(key('trainers'))} END,
          CASE WHEN sp.phase = 'hot' THEN ${score(key('organisation'))} END,
          CASE WHEN sp.phase = 'cold' THEN ${score(key('practice'))} END,
          ${['posture', 'knowledge', 'tools', 'resources', 'exchanges'].map((w) => `CASE WHEN sp.phase = 'cold' THEN ${u(key(w))} < 0.6 END`).join(',\n          ')},
          CASE WHEN ${u(key('comment'))} < 0.15 THEN CASE sp.phase
            WHEN 'hot' THEN (${textArray(words.HOT_COMMENTS)})[1 + (${h(key('which'))} % ${words.HOT_COMMENTS.length})::int]
            ELSE (${textArray(words.COLD_COMMENTS)})[1 + (${h(key('which'))} % ${words.COLD_COMMENTS.length})::int] END END
        FROM (
          SELECT session_id, phase, emailed_at, row_number() OVER (PARTITION BY session_id, phase ORDER BY id) AS n
          FROM survey_participant
          WHERE answered AND session_id IN (SELECT id FROM seed_large_session)
        ) sp ORDER BY sp.emailed_at, sp.session_id, sp.phase, sp.n`);
    });

    // ---- Attestations ------------------------------------------------------------------------
    let attestationCount = 0;
    await step(`attestations (${size.attestations.toLocaleString('en-US')} at most: the most recent) with their numbers and PDFs`, async () => {
      attestationCount = await seedAttestations();
    });

    async function seedAttestations(): Promise<number> {
      const stageTitleCase = `CASE d.stage ${[...stageTitles.entries()].map(([stage, title]) => `WHEN ${stage} THEN ${lit(title)}`).join(' ')} ELSE 'Étape ' || d.stage END`;
      // The candidates: each participant of a finished training (not an event) who attended, with
      // the document their training gives (the end-of-training attestation when the training asks
      // for a threshold above 80 % and it was met, else the certificate; now and then the
      // attendance attestation too), and the stage attestations of half the validated stages.
      // The most recent ones are kept: the platform's own history of issuing.
      await run(`
        CREATE UNLOGGED TABLE seed_large_attestation AS
        WITH docs AS (
          SELECT ${uuidOf(`'attestation:' || kinds.kind || ':' || s.k || ':' || a.person_id`)} AS id, kinds.kind, a.person_id, s.id AS session_id, NULL::uuid AS decision_id,
            pe.given_name || ' ' || pe.family_name AS holder_name, sp.employer AS holder_employer, t.title,
            ts.place, s.first_start AS starts_at, s.last_end AS ends_at, round(a.hours::numeric, 2) AS hours_attended, round(s.planned, 2) AS hours_planned,
            least(1, a.hours / nullif(s.planned, 0)) AS rate,
            least(${NOW} - interval '1 hour', s.last_end + interval '1 day' * (1 + ${h(`'issued:' || s.k`)} % 9) + interval '1 minute' * (${h(`'issued:' || a.person_id`)} % 600)) AS issued_at
          FROM seed_large_attended a
          JOIN seed_large_session s ON s.k = a.k AND s.finished AND NOT s.event
          JOIN training t ON t.id = s.training_id
          JOIN training_session ts ON ts.id = s.id
          JOIN seed_large_person pe ON pe.id = a.person_id
          JOIN seed_large_participant sp ON sp.k = a.k AND sp.person_id = a.person_id
          CROSS JOIN LATERAL (
            SELECT CASE WHEN t.attendance_threshold > 0.8 AND a.hours / s.planned + 1e-9 >= t.attendance_threshold THEN 'end_of_training' ELSE 'completion_certificate' END AS kind
            UNION ALL SELECT 'attendance' WHERE ${u(`'assiduity-doc:' || s.k || ':' || a.person_id`)} < 0.05
          ) kinds
          WHERE a.hours > 0
          UNION ALL
          SELECT ${uuidOf(`'attestation:stage:' || d.id`)}, 'pathway_stage', d.person_id, NULL, d.id,
            pe.given_name || ' ' || pe.family_name, NULL, ${stageTitleCase},
            NULL, NULL, d.decided_at, 0, 0, 0, least(${NOW}, d.decided_at + interval '2 hours')
          FROM pathway_decision d JOIN seed_large_person pe ON pe.id = d.person_id
          WHERE d.decision = 'validated' AND ${u(`'stage-doc:' || d.id`)} < 0.5
        ), kept AS (
          SELECT * FROM docs WHERE kind = 'pathway_stage'
          UNION ALL
          (SELECT * FROM docs WHERE kind <> 'pathway_stage' ORDER BY issued_at DESC, id
            LIMIT greatest(0, ${size.attestations} - (SELECT count(*) FROM docs WHERE kind = 'pathway_stage')))
        ), dated AS (
          SELECT k.*, extract(year FROM k.issued_at AT TIME ZONE 'Europe/Paris')::int AS year FROM kept k
        )
        SELECT d.*, coalesce(c.last_number, 0) + row_number() OVER (PARTITION BY d.year ORDER BY d.issued_at, d.id) AS seq,
          ${u(`'revoked:' || d.id`)} < 0.003 AS revoked,
          ${uuidOf(`'person:' || (${h(`'issuer:' || d.id`)} % ${C})`)} AS issued_by
        FROM dated d LEFT JOIN attestation_counter c ON c.year = d.year
        ORDER BY d.year, seq
        LIMIT ${size.attestations}`);
      const issuer = await organisation(db);
      const publicUrl = options.publicUrl ?? 'http://localhost:4321';
      const total = Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM seed_large_attestation`.execute(db)).rows[0]?.n ?? 0);
      const workers = options.pdfWorkers ?? (total > 200 ? Math.min(4, availableParallelism()) : 0);
      const renderer = pdfRenderer(workers);
      const CHUNK = 250;
      type Planned = {
        id: string; kind: AttestationKind; person_id: string; session_id: string | null; holder_name: string; holder_employer: string | null; title: string;
        place: string | null; starts_at: Date | null; ends_at: Date | null; hours_attended: number; hours_planned: number; rate: number; issued_at: Date;
        year: number; seq: number; revoked: boolean; issued_by: string;
      };
      const readChunk = async (offset: number) =>
        (await sql<Planned>`SELECT * FROM seed_large_attestation ORDER BY year, seq LIMIT ${CHUNK} OFFSET ${offset}`.execute(db)).rows;
      const documents = (rows: Planned[]) =>
        rows.map((r) => {
          const number = formatNumber(r.year, Number(r.seq));
          const checkCode = checkCodeOf(seed, r.id);
          const doc: AttestationDocument = {
            kind: r.kind, number, holderName: r.holder_name, holderEmployer: r.holder_employer, title: r.title, place: r.place,
            startsAt: r.starts_at, endsAt: r.ends_at, hoursAttended: Number(r.hours_attended), hoursPlanned: Number(r.hours_planned),
            attendanceRate: Number(r.rate), issuedAt: r.issued_at, verifyUrl: verificationUrl(publicUrl, number, checkCode), organisation: issuer, replaces: null,
          };
          return { row: r, number, checkCode, doc };
        });
      try {
        // Reading, rendering and writing overlap: the next chunks render while one is written,
        // a few ahead at most (each chunk's PDFs weigh about 6 MB).
        const queue = async (offset: number) => {
          const docs = documents(await readChunk(offset));
          return { docs, pdfs: await renderer.render(docs.map((d) => d.doc)) };
        };
        const ahead = Math.max(2, workers + 1);
        const chunks: Array<ReturnType<typeof queue>> = [];
        let nextOffset = 0;
        const refill = () => {
          while (chunks.length < ahead && nextOffset < total) {
            const pending = queue(nextOffset);
            // Awaited in turn below; a failure meanwhile must not go unhandled.
            pending.catch(() => undefined);
            chunks.push(pending);
            nextOffset += CHUNK;
          }
        };
        refill();
        let written = 0;
        while (chunks.length) {
          const { docs, pdfs } = await chunks.shift()!;
          refill();
          await db
            .insertInto('attestation')
            .values(
              docs.map(({ row, number, checkCode, doc }, n) => ({
                id: row.id, number, year: row.year, kind: row.kind, person_id: row.person_id, session_id: row.session_id,
                holder_name: row.holder_name, holder_employer: row.holder_employer, title: row.title,
                details: {
                  place: doc.place, startsAt: doc.startsAt?.toISOString() ?? null, endsAt: doc.endsAt?.toISOString() ?? null,
                  hoursAttended: doc.hoursAttended, hoursPlanned: doc.hoursPlanned, attendanceRate: doc.attendanceRate, issuer: issuer.name,
                },
                issued_at: row.issued_at, issued_by: row.issued_by, pdf: pdfs[n]!, pdf_sha256: sha256Hex(pdfs[n]!), check_code: checkCode,
                ...(row.revoked
                  ? { revoked_at: new Date(Math.min(options.now.getTime(), row.issued_at.getTime() + 5 * DAY_SECONDS * 1000)), revoked_by: row.issued_by, revocation_reason: 'Délivrée par erreur : la personne n’a pas suivi cette séance.' }
                  : {}),
              })),
            )
            .execute();
          written += docs.length;
          if (written % 2_000 < CHUNK || written === total) log(`    ${written.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} attestations`);
        }
      } finally {
        await renderer.close();
      }
      await run(`UPDATE pathway_decision d SET attestation_id = a.id FROM seed_large_attestation a WHERE a.decision_id = d.id`);
      await run(`
        INSERT INTO attestation_counter (year, last_number)
        SELECT year, max(seq) FROM seed_large_attestation GROUP BY year
        ON CONFLICT (year) DO UPDATE SET last_number = greatest(attestation_counter.last_number, excluded.last_number)`);
      return total;
    }

    // As autovacuum would have left ten years of data: statistics for the planner, and the
    // visibility map that lets index-only scans skip the table (PGlite runs no autovacuum).
    await step('VACUUM (ANALYZE)', () => run(`VACUUM (ANALYZE) ${LARGE_WORLD_TABLES.join(', ')}`));

    const counts = await countRows(db);
    const mine = async (query: string) => Number((await sql.raw<{ n: number }>(query).execute(db)).rows[0]?.n ?? 0);
    const sessionIds = `(SELECT id FROM seed_large_session)`;
    const people = `(SELECT id FROM seed_large_person)`;
    const attendance = await mine(`SELECT count(*)::int AS n FROM attendance_record WHERE slot_id IN (SELECT id FROM seed_large_slot)`);
    const progress = await mine(`SELECT (SELECT count(*) FROM module_progress WHERE person_id IN ${people}) + (SELECT count(*) FROM module_section_read WHERE person_id IN ${people}) + (SELECT count(*) FROM activity_result WHERE person_id IN ${people}) AS n`);
    const result: SeededLargeWorld = {
      seed,
      scale: options.scale,
      counts,
      people: N,
      trainees: size.trainees,
      sessions: await mine(`SELECT count(*)::int AS n FROM training_session WHERE id IN ${sessionIds}`),
      activityRows: attendance + progress,
      attendance,
      attestations: attestationCount,
      ms: performance.now() - started,
    };
    return result;
  } finally {
    for (const table of WORK_TABLES) await run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  }
}

/** Rows per table the world writes to. */
export async function countRows(db: Database): Promise<Record<string, number>> {
  const row = (
    await sql
      .raw<Record<string, number>>(`SELECT ${LARGE_WORLD_TABLES.map((t) => `(SELECT count(*) FROM ${t})::int AS ${t}`).join(', ')}`)
      .execute(db)
  ).rows[0]!;
  return Object.fromEntries(LARGE_WORLD_TABLES.map((t) => [t, Number(row[t])]));
}

/** The counts as lines for a terminal: « attendance_record  352,118 ». */
export function formatCounts(counts: Record<string, number>): string[] {
  const width = Math.max(...Object.keys(counts).map((t) => t.length));
  return Object.entries(counts).map(([table, n]) => `  ${table.padEnd(width)}  ${n.toLocaleString('en-US').padStart(10)}`);
}

/** The check code of the QR link, as the application draws it (10 bytes, base32), from the seed. */
function checkCodeOf(seed: string, id: string): string {
  return encodeBase32LowerCaseNoPadding(createHash('sha256').update(`${seed}:check:${id}`).digest().subarray(0, 10));
}

interface SeedModule extends ModuleRules {
  /** The first required activity, with its number of questions and the score that passes. */
  quiz: { id: string; max: number; passing: number } | null;
}

/** The published modules (as the bench reads them), with each one's required quiz. */
async function seedModules(root: string): Promise<SeedModule[]> {
  const modules = await publishedModules(root);
  const result: SeedModule[] = [];
  for (const m of modules) {
    const required = m.activities.find((a) => a.required);
    let quiz: SeedModule['quiz'] = null;
    if (required) {
      const content = JSON.parse(await readFile(join(root, 'content/activities', required.id, 'content/content.json'), 'utf8')) as { questions?: unknown[] };
      const max = content.questions?.length ?? 0;
      // A module whose required activity reports no score cannot be completed: it gets readers only.
      if (max > 0) quiz = { id: required.id, max, passing: Math.ceil(m.passingScore * max - 1e-9) };
    }
    if (m.sections.length >= 2) result.push({ ...m, quiz });
  }
  if (!result.length) throw new Error('No published module of content/modules/ has two sections or more: the world needs some to read.');
  return result;
}

/** The stages' titles from content/parcours (the build reads them through astro:content). */
async function readStageTitles(root: string): Promise<Map<number, string>> {
  const dir = join(root, 'content/parcours');
  const titles = new Map<number, string>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.md')).sort()) {
    const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(await readFile(join(dir, file), 'utf8'));
    const data = match ? (parseYaml(match[1] ?? '') as { stage?: number; title?: string }) : {};
    if (typeof data.stage === 'number' && typeof data.title === 'string') titles.set(data.stage, data.title);
  }
  return titles;
}
