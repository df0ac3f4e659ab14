import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { pdfAllText, pdfQrCodes } from '../support/pdf.ts';
import type { Database } from '../../src/lib/db/index.ts';
import { computeDashboard } from '../../src/lib/reporting/dashboard.ts';
import { reportPeriod, yearlyReport } from '../../src/lib/reporting/yearly.ts';
import { attestationByNumber, attestationByPdf } from '../../src/lib/attestations/records.ts';
import { PATHWAY_COMPLETE } from '../../src/lib/pathway/members.ts';
import { seedLargeWorld, type SeededLargeWorld } from '../../scripts/seed/large-world.ts';

/**
 * The large world of `npm run seed:large` and `npm run bench`, at a hundredth of its size: seeded
 * twice with the same seed and the same « now » into two databases, it is the same row for row;
 * another seed gives another world; and the coordination's figures compute on it.
 */
const NOW = new Date('2026-06-15T08:00:00Z');
const SCALE = 0.01;

/** One digest per table of what the world wrote (the PDFs through their hashes). */
async function digest(db: Database): Promise<Record<string, string>> {
  const tables: Record<string, string> = {
    person: 'SELECT * FROM person',
    person_role: 'SELECT * FROM person_role',
    training: 'SELECT * FROM training',
    training_session: 'SELECT * FROM training_session',
    session_slot: 'SELECT * FROM session_slot',
    enrolment: 'SELECT id, session_id, person_id, status, employer, employer_type, requested_at FROM enrolment',
    attendance_record: 'SELECT * FROM attendance_record',
    module_progress: 'SELECT * FROM module_progress',
    module_section_read: 'SELECT * FROM module_section_read',
    activity_result: 'SELECT * FROM activity_result',
    pathway_member: 'SELECT * FROM pathway_member',
    pathway_decision: 'SELECT * FROM pathway_decision',
    volunteer_mission: 'SELECT * FROM volunteer_mission',
    survey_answer: 'SELECT * FROM survey_answer',
    attestation: 'SELECT id, number, kind, person_id, session_id, holder_name, title, details, issued_at, pdf_sha256, check_code, revoked_at FROM attestation',
    attestation_counter: 'SELECT * FROM attestation_counter',
  };
  const result: Record<string, string> = {};
  for (const [table, query] of Object.entries(tables)) {
    const row = (await sql.raw<{ digest: string; n: number }>(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest, count(*)::int AS n FROM (${query}) t`).execute(db)).rows[0]!;
    result[table] = `${row.n}:${row.digest}`;
  }
  return result;
}

let first: TestDatabase, second: TestDatabase, other: TestDatabase;
let world: SeededLargeWorld;

beforeAll(async () => {
  [first, second, other] = await Promise.all([freshDatabase(), freshDatabase(), freshDatabase()]);
  world = await seedLargeWorld(first.db, { seed: 'essai', scale: SCALE, now: NOW });
  await seedLargeWorld(second.db, { seed: 'essai', scale: SCALE, now: NOW });
  await seedLargeWorld(other.db, { seed: 'autre', scale: SCALE, now: NOW });
}, 300_000);

afterAll(async () => {
  await Promise.all([first?.drop(), second?.drop(), other?.drop()]);
});

describe('the large world, seeded at a hundredth of its size', () => {
  it('is the same, row for row, when seeded again with the same seed, and another with another seed', async () => {
    const [a, b, c] = await Promise.all([digest(first.db), digest(second.db), digest(other.db)]);
    expect(b).toEqual(a);
    for (const table of ['person', 'session_slot', 'attendance_record', 'activity_result', 'attestation']) expect(c[table], table).not.toBe(a[table]);
  });

  it('has the sizes asked for, a hundredth of the issue’s (attestations at most: a small world has fewer to give)', async () => {
    expect(world.counts.person).toBe(100);
    expect(world.counts.training_session).toBe(10);
    expect(world.counts.attestation).toBe(world.attestations);
    expect(world.attestations).toBeGreaterThan(20);
    expect(world.attestations).toBeLessThanOrEqual(100);
    expect(world.trainees).toBeGreaterThanOrEqual(8);
    // Progress and attendance make up most of the rows, as in the full world's million.
    expect(world.activityRows).toBeGreaterThan(3_000);
    expect(world.attendance).toBeGreaterThan(100);
  });

  it('numbers the attestations per year without gaps, and each PDF is its own: its holder, its QR link, found again by its bytes', async () => {
    const rows = await first.db.selectFrom('attestation').select(['number', 'year', 'holder_name', 'check_code', 'pdf']).orderBy('number').execute();
    const byYear = new Map<number, number[]>();
    for (const r of rows) byYear.set(r.year, [...(byYear.get(r.year) ?? []), Number(r.number.slice(-6))]);
    for (const [year, numbers] of byYear) {
      expect(numbers, String(year)).toEqual(numbers.map((_, i) => i + 1));
      const counter = await first.db.selectFrom('attestation_counter').select('last_number').where('year', '=', year).executeTakeFirstOrThrow();
      expect(counter.last_number).toBe(numbers.length);
    }
    const sample = rows[rows.length - 1]!;
    expect(await pdfAllText(sample.pdf)).toContain(sample.holder_name);
    expect(await pdfQrCodes(sample.pdf)).toEqual([`http://localhost:4321/verifier/${sample.number}?c=${sample.check_code}`]);
    expect((await attestationByPdf(first.db, sample.pdf))?.number).toBe(sample.number);
    expect((await attestationByNumber(first.db, sample.number, sample.check_code))?.checked).toBe(true);
  });

  it('gives the dashboard plausible figures: a rate between 0 and 1, every trainee on a stage, sessions to come', async () => {
    const figures = await computeDashboard(first.db, NOW);
    expect(figures.totals.halfDays).toBeGreaterThan(0);
    expect(figures.totals.attendanceRate).toBeGreaterThan(0.5);
    expect(figures.totals.attendanceRate).toBeLessThanOrEqual(1);
    expect(figures.trainees).toBe(world.trainees);
    expect(figures.stages.reduce((sum, s) => sum + s.count, 0)).toBe(world.trainees);
    expect(figures.stages.map((s) => s.stage)).toEqual([1, 2, 3, 4, 5, 6, 7, PATHWAY_COMPLETE]);
    expect(figures.upcoming.total).toBeGreaterThan(0);
    expect(figures.attestations.reduce((sum, a) => sum + a.count, 0)).toBeGreaterThan(0);
    expect(figures.modules.reduce((sum, m) => sum + m.started, 0)).toBeGreaterThan(0);
  });

  it('gives the yearly report of the last full year trainees, hours and BPF lines that add up', async () => {
    const chosen = reportPeriod({ du: '2025-01-01', au: '2025-12-31' }, NOW);
    if (!chosen.ok) throw new Error(chosen.message);
    const report = await yearlyReport(first.db, chosen.period);
    expect(report.total.trainees).toBeGreaterThan(0);
    expect(report.delivery.halfDays).toBeGreaterThan(0);
    expect(report.pathway.trainees + report.professionals.trainees).toBe(report.total.trainees);
    expect(report.bpf.total.trainees).toBeGreaterThanOrEqual(report.total.trainees);
  });
});
