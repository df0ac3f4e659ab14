import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext, DAY, MINUTE } from '../support/context.ts';
import { countingQueries } from '../support/query-counter.ts';
import { addPerson, buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { unzip } from '../support/zip.ts';
import type { EmployerType } from '../../src/lib/db/schema.ts';
import type { Training } from '../../src/lib/sessions/trainings.ts';
import { cancelSession, enrol } from '../../src/lib/sessions/enrolment.ts';
import { sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { closeSlot, openSlot } from '../../src/lib/attendance/slots.ts';
import { recordAttendance } from '../../src/lib/attendance/records.ts';
import { employerTypesOf, setEmployerType } from '../../src/lib/reporting/employer-types.ts';
import { reportPeriod, yearlyReport, type ReportPeriod, type YearlyReport } from '../../src/lib/reporting/yearly.ts';
import { yearlyReportCsv, yearlyReportFilename, yearlyReportSections, yearlyReportXlsx } from '../../src/lib/reporting/yearly-sections.ts';

/**
 * A small world whose yearly figures are known, counted by hand below:
 *
 *   S0 « Rétablissement », 18 Nov 2024, 1 day (Nadia): Karim present all day, outside 2025.
 *   S1 « PSSM », 10–11 Mar 2025, 4 half-days (Nadia and Marc):
 *        Camille (trainee, job seeker)  P P P P  14 h
 *        Karim (private employer)       P P L P  13,5 h (30 min late on the third)
 *        Hélène (public employer)       P P A A  7 h
 *        Omar (job seeker)              A A A A  0 h: not a trainee of the year
 *        Anne (no category)             P – P P  7 h: unsigned on the second (absent at closing),
 *                                                 the third corrected to a justified absence
 *   S2 « Rétablissement », 16 Jun 2025, 2 half-days (Nadia):
 *        Camille (other)  P P 7 h · Zoë (pathway member, no category) P A 3,5 h
 *        Lucie (self-funded) P P 7 h · Karim (private employer) P P 7 h
 *   S3 « PSSM », 30 Dec 2025 – 2 Jan 2026, 8 half-days (Marc):
 *        Paul (other)         30/12 P P · 31/12 P A · 01/01 P P · 02/01 P P → 10,5 h in 2025, 14 h in 2026
 *        Lucie (self-funded)  A A · A A · P P · P P                        → 0 h in 2025, 14 h in 2026
 *        Omar (job seeker)    P P · P P · A A · A A                        → 14 h in 2025, 0 h in 2026
 *   S4 « Rétablissement », 15 Sep 2025: cancelled before it started.
 */

type Mark = 'P' | 'L' | 'A' | '-';
interface Participant {
  person: WorldPerson;
  category: EmployerType | null;
  marks: Mark[];
  /** Half-days whose presence is corrected afterwards into a justified absence. */
  corrected?: number[];
}

let database: TestDatabase;
let world: World;
let marc: WorldPerson;
let people: Record<'camille' | 'zoe' | 'karim' | 'helene' | 'omar' | 'lucie' | 'paul' | 'anne', WorldPerson>;
let pssm: Training;
let retablissement: Training;
const sessions: Record<string, string> = {};

/** A session that took place: every half-day opened and closed by its first trainer, marks recorded as they came. */
async function runSession(input: { training: Training; trainers: WorldPerson[]; startDay: string; days: number; participants: Participant[] }): Promise<string> {
  const ctx = testContext(database.db, new Date(Date.parse(`${input.startDay}T08:00:00Z`) - 14 * DAY));
  const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: input.trainers, training: input.training, startDay: input.startDay, days: input.days });
  const coordination = { actorId: world.coordinator.id, actorRoles: world.coordinator.roles };
  for (const p of input.participants) {
    const enrolled = await enrol(ctx, { actorId: p.person.id, actorRoles: p.person.roles, personId: p.person.id, sessionId });
    if (!enrolled.ok) throw new Error(enrolled.message);
    if (p.category) expect(await setEmployerType(ctx, { ...coordination, sessionId, personId: p.person.id, employerType: p.category })).toEqual({ ok: true });
  }
  const trainer = { id: input.trainers[0]!.id, roles: input.trainers[0]!.roles };
  const slots = (await sessionOverview(database.db, sessionId))!.slots;
  for (const [i, slot] of slots.entries()) {
    ctx.clock.advance(slot.startsAt.getTime() - ctx.now().getTime() + MINUTE);
    expect(await openSlot(ctx, { actor: trainer, slotId: slot.id })).toEqual({ ok: true });
    for (const p of input.participants) {
      const mark = p.marks[i];
      if (mark === 'P') await recordAttendance(ctx, { actor: trainer, slotId: slot.id, personId: p.person.id, status: 'present' });
      if (mark === 'A') await recordAttendance(ctx, { actor: trainer, slotId: slot.id, personId: p.person.id, status: 'absent_unjustified' });
      if (mark === 'L')
        await recordAttendance(ctx, { actor: trainer, slotId: slot.id, personId: p.person.id, status: 'late', arrivedAt: new Date(slot.startsAt.getTime() + 30 * MINUTE) });
    }
    ctx.clock.advance(slot.endsAt.getTime() - ctx.now().getTime());
    expect(await closeSlot(ctx, { actor: trainer, slotId: slot.id })).toMatchObject({ ok: true });
  }
  for (const p of input.participants)
    for (const i of p.corrected ?? [])
      expect(
        await recordAttendance(ctx, { actor: trainer, slotId: slots[i]!.id, personId: p.person.id, status: 'absent_justified', reason: 'Convocation administrative, signée par erreur' }),
      ).toEqual({ ok: true, method: 'correction' });
  return sessionId;
}

function period(from: string, to: string): ReportPeriod {
  const chosen = reportPeriod({ du: from, au: to }, new Date());
  if (!chosen.ok) throw new Error(chosen.message);
  return chosen.period;
}

const figures = (report: YearlyReport) => ({
  total: report.total,
  pathway: report.pathway,
  professionals: report.professionals,
  professionalsByCategory: Object.fromEntries(report.professionalsByCategory.map((c) => [c.category ?? 'unknown', [c.trainees, c.hours]])),
  byCategory: Object.fromEntries(report.byCategory.map((c) => [c.category ?? 'unknown', [c.trainees, c.hours]])),
  byTraining: report.byTraining.map((t) => [t.title, t.trainees, t.hours, t.sessions, t.days, t.halfDays, t.hoursDelivered]),
  delivery: report.delivery,
  trainers: report.trainers.map((t) => [t.name, t.halfDays, t.hours]),
  bpf: [...report.bpf.lines.map((l) => [l.line, l.trainees, l.hours]), ['total', report.bpf.total.trainees, report.bpf.total.hours]],
});

beforeAll(async () => {
  database = await freshDatabase();
  world = await buildWorld(database.db);
  const db = database.db;
  marc = await addPerson(db, { givenName: 'Marc', familyName: 'Durand', roles: ['trainer'] });
  const zoe = await addPerson(db, { givenName: 'Zoé', familyName: 'Garnier', roles: ['professional'] });
  // In the pathway without the trainee role: she counts with the pathway's trainees all the same.
  await db.insertInto('pathway_member').values({ person_id: zoe.id }).execute();
  people = {
    camille: world.trainees[0]!,
    zoe,
    karim: world.professional,
    helene: await addPerson(db, { givenName: 'Hélène', familyName: 'Garcia', roles: ['professional'] }),
    omar: await addPerson(db, { givenName: 'Omar', familyName: 'Saïd', roles: ['professional'] }),
    lucie: await addPerson(db, { givenName: 'Lucie', familyName: 'Blanc', roles: ['professional'] }),
    paul: await addPerson(db, { givenName: 'Paul', familyName: 'Roux', roles: ['professional'] }),
    anne: await addPerson(db, { givenName: 'Anne', familyName: 'Petit', roles: ['professional'] }),
  };
  const setup = testContext(db, new Date('2024-10-01T08:00:00Z'));
  pssm = await addTraining(setup, world.coordinator, { title: 'Premiers secours en santé mentale' });
  retablissement = await addTraining(setup, world.coordinator, { title: 'Rétablissement & pair-aidance <atelier>', durationHours: 7 });
  const { camille, karim, helene, omar, lucie, paul, anne } = people;

  sessions.s0 = await runSession({ training: retablissement, trainers: [world.trainer], startDay: '2024-11-18', days: 1, participants: [{ person: karim, category: 'private_employer', marks: ['P', 'P'] }] });
  sessions.s1 = await runSession({
    training: pssm,
    trainers: [world.trainer, marc],
    startDay: '2025-03-10',
    days: 2,
    participants: [
      { person: camille, category: 'job_seeker', marks: ['P', 'P', 'P', 'P'] },
      { person: karim, category: 'private_employer', marks: ['P', 'P', 'L', 'P'] },
      { person: helene, category: 'public_employer', marks: ['P', 'P', 'A', 'A'] },
      { person: omar, category: 'job_seeker', marks: ['A', 'A', 'A', 'A'] },
      { person: anne, category: null, marks: ['P', '-', 'P', 'P'], corrected: [2] },
    ],
  });
  sessions.s2 = await runSession({
    training: retablissement,
    trainers: [world.trainer],
    startDay: '2025-06-16',
    days: 1,
    participants: [
      { person: camille, category: 'other', marks: ['P', 'P'] },
      { person: zoe, category: null, marks: ['P', 'A'] },
      { person: lucie, category: 'self_funded', marks: ['P', 'P'] },
      { person: karim, category: 'private_employer', marks: ['P', 'P'] },
    ],
  });
  sessions.s3 = await runSession({
    training: pssm,
    trainers: [marc],
    startDay: '2025-12-30',
    days: 4,
    participants: [
      { person: paul, category: 'other', marks: ['P', 'P', 'P', 'A', 'P', 'P', 'P', 'P'] },
      { person: lucie, category: 'self_funded', marks: ['A', 'A', 'A', 'A', 'P', 'P', 'P', 'P'] },
      { person: omar, category: 'job_seeker', marks: ['P', 'P', 'P', 'P', 'A', 'A', 'A', 'A'] },
    ],
  });
  const early = testContext(db, new Date('2025-08-01T08:00:00Z'));
  sessions.s4 = await addSession(early, { coordinator: world.coordinator, trainers: [world.trainer], training: retablissement, startDay: '2025-09-15', days: 1 });
  await enrol(early, { actorId: karim.id, actorRoles: karim.roles, personId: karim.id, sessionId: sessions.s4 });
  const cancelled = await cancelSession(early, { actorId: world.coordinator.id, actorRoles: world.coordinator.roles, sessionId: sessions.s4, reason: 'Formatrice indisponible' });
  expect(cancelled.ok).toBe(true);
}, 120_000);
afterAll(() => database.drop());

describe('the yearly report', () => {
  it('counts 2025 by audience, category, training, trainer and BPF line, with the straddling session cut at 31 December', async () => {
    const report = await yearlyReport(database.db, period('2025-01-01', '2025-12-31'));
    expect(figures(report)).toEqual({
      // Camille, Zoé, Karim, Hélène, Anne, Lucie, Paul, Omar; Omar only for S3.
      total: { trainees: 8, hours: 90.5 },
      pathway: { trainees: 2, hours: 24.5 },
      professionals: { trainees: 6, hours: 66 },
      professionalsByCategory: {
        private_employer: [1, 20.5],
        public_employer: [1, 7],
        job_seeker: [1, 14],
        self_funded: [1, 7],
        other: [1, 10.5],
        unknown: [1, 7],
      },
      // Camille came as a job seeker (S1) and under « other » (S2): she counts in both.
      byCategory: {
        private_employer: [1, 20.5],
        public_employer: [1, 7],
        job_seeker: [2, 28],
        self_funded: [1, 7],
        other: [2, 17.5],
        unknown: [2, 10.5],
      },
      byTraining: [
        ['Premiers secours en santé mentale', 6, 66, 2, 4, 8, 28],
        ['Rétablissement & pair-aidance <atelier>', 4, 24.5, 1, 1, 2, 7],
      ],
      // S1, S2 and the two December days of S3; the cancelled S4 delivered nothing.
      delivery: { sessions: 3, days: 5, halfDays: 10, hours: 35 },
      trainers: [
        ['Marc Durand', 8, 28],
        ['Nadia Rossi', 6, 21],
      ],
      bpf: [
        ['a', 1, 20.5],
        ['c', 2, 28],
        ['d', 1, 7],
        // Hélène (public), Camille and Paul (other), Anne and Zoé (unknown).
        ['e', 5, 35],
        ['total', 9, 90.5],
      ],
    });
    expect(report.unknownCategory.trainees).toBe(2);
    expect(report.unknownCategory.sessionCount).toBe(2);
    expect(report.unknownCategory.sessions.map((s) => [s.sessionId, s.unknown, s.trainees])).toEqual([
      [sessions.s1, 1, 4],
      [sessions.s2, 1, 4],
    ]);
  });

  it('splits the session of 30 December – 2 January between the two years by the half-days attended', async () => {
    const y2026 = await yearlyReport(database.db, period('2026-01-01', '2026-12-31'));
    // Omar attended only in December: he is not a trainee of 2026. Lucie attended only in January.
    expect(figures(y2026)).toMatchObject({
      total: { trainees: 2, hours: 28 },
      pathway: { trainees: 0, hours: 0 },
      professionals: { trainees: 2, hours: 28 },
      byTraining: [['Premiers secours en santé mentale', 2, 28, 1, 2, 4, 14]],
      delivery: { sessions: 1, days: 2, halfDays: 4, hours: 14 },
      trainers: [['Marc Durand', 4, 14]],
      bpf: [
        ['a', 0, 0],
        ['c', 0, 0],
        ['d', 1, 14],
        ['e', 1, 14],
        ['total', 2, 28],
      ],
    });
    // The whole session: its 8 half-days and 52,5 hours attended, each in exactly one of the two
    // years (24,5 h in 2025: Paul 10,5 h and Omar 14 h; 28 h in 2026).
    const whole = await yearlyReport(database.db, period('2025-12-30', '2026-01-02'));
    expect(whole.delivery).toEqual({ sessions: 1, days: 4, halfDays: 8, hours: 28 });
    expect(whole.total).toEqual({ trainees: 3, hours: 52.5 });
    expect(whole.total.hours).toBe(24.5 + y2026.total.hours);

    // Any range: 31 December and 1 January only, with the bounds in Paris time.
    const newYear = await yearlyReport(database.db, period('2025-12-31', '2026-01-01'));
    expect(figures(newYear)).toMatchObject({
      total: { trainees: 3, hours: 24.5 },
      delivery: { sessions: 1, days: 2, halfDays: 4, hours: 14 },
      byCategory: { other: [1, 10.5], self_funded: [1, 7], job_seeker: [1, 7] },
    });
    // Nothing from 2024 leaks into 2025, and the 2024 session is there when asked for.
    expect((await yearlyReport(database.db, period('2024-01-01', '2024-12-31'))).total).toEqual({ trainees: 1, hours: 7 });
  });

  it('costs six statements (the memory setting and five queries), none per person or per session', async () => {
    const counting = countingQueries(database.db);
    await yearlyReport(counting.db, period('2025-01-01', '2025-12-31'));
    expect(counting.count()).toBe(6);
  });

  it('refuses bad periods with a French 400', () => {
    const now = new Date('2026-05-10T10:00:00Z');
    expect(reportPeriod({ du: '2025-02-30', au: '2025-12-31' }, now)).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('Du : cette date n’existe pas') });
    expect(reportPeriod({ du: '2025-01-01', au: '31/12/2025' }, now)).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('Au :') });
    expect(reportPeriod({ du: '2025-12-31', au: '2025-01-01' }, now)).toMatchObject({ ok: false, status: 400, message: 'Période : la date de fin doit venir après la date de début.' });
    expect(reportPeriod({ du: '2020-01-01', au: '2025-01-01' }, now)).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('5 ans au plus') });
    expect(reportPeriod({ du: '2025-01-01' }, now)).toMatchObject({ ok: false, status: 400, message: expect.stringContaining('les deux dates') });
    expect(reportPeriod({ du: '2020-01-01', au: '2024-12-31' }, now)).toMatchObject({ ok: true });
  });

  it('exports the same figures as CSV and as an XLSX workbook', async () => {
    const report = await yearlyReport(database.db, period('2025-01-01', '2025-12-31'));
    expect(yearlyReportFilename(report, 'csv')).toBe('bilan-2025.csv');
    const csv = yearlyReportCsv(report);
    expect(csv.startsWith('\uFEFFBilan annuel, l’année 2025\r\n')).toBe(true);
    expect(csv).toContain('Heures-stagiaires;90,5\r\n');
    expect(csv).toContain('Premiers secours en santé mentale;6;66;2;4;8;28\r\n');
    expect(csv).toContain('dont salarié·e ou agent·e d’un employeur public;1;7\r\n');
    expect(csv).toContain('e. Autres stagiaires;5;35\r\n');
    expect(csv).toContain('Total (F-1);9;90,5\r\n');
    expect(csv).toContain('Marc Durand;8;28\r\n');

    const files = await unzip(await yearlyReportXlsx(report, new Date('2026-02-01T10:00:00Z')));
    const text = (name: string) => new TextDecoder().decode(files.get(name));
    const sections = yearlyReportSections(report);
    expect(text('xl/workbook.xml')).toContain('<sheet name="BPF cadre F-1" sheetId="5" r:id="rId5"/>');
    expect([...files.keys()].filter((f) => f.startsWith('xl/worksheets/')).length).toBe(sections.length);
    const synthese = text('xl/worksheets/sheet1.xml');
    // Header row in bold (style 1), figures as numbers, words as inline strings.
    expect(synthese).toContain('<c r="A1" s="1" t="inlineStr"><is><t xml:space="preserve">Indicateur</t></is></c>');
    expect(synthese).toContain('<c r="A4" t="inlineStr"><is><t xml:space="preserve">Heures-stagiaires</t></is></c><c r="B4"><v>90.5</v></c>');
    const trainings = text('xl/worksheets/sheet3.xml');
    expect(trainings).toContain('<t xml:space="preserve">Rétablissement &amp; pair-aidance &lt;atelier&gt;</t></is></c><c r="B3"><v>4</v></c><c r="C3"><v>24.5</v></c>');
    const bpf = text('xl/worksheets/sheet5.xml');
    expect(bpf).toContain('<t xml:space="preserve">a. Salariés d’employeurs privés hors apprentis</t></is></c><c r="B2"><v>1</v></c><c r="C2"><v>20.5</v></c>');
    expect(bpf).toContain('<t xml:space="preserve">Total (F-1)</t></is></c><c r="B9"><v>9</v></c><c r="C9"><v>90.5</v></c>');
    expect(text('xl/styles.xml')).toContain('<font><b/>');
  });
});

describe('the category of each participant', () => {
  it('is set by the coordination on the session, counted at once, and never by a trainer', async () => {
    const ctx = testContext(database.db);
    const anne = people.anne;
    expect(await setEmployerType(ctx, { actorId: world.trainer.id, actorRoles: world.trainer.roles, sessionId: sessions.s1!, personId: anne.id, employerType: 'public_employer' })).toMatchObject({
      ok: false,
      status: 403,
    });
    const coordination = { actorId: world.coordinator.id, actorRoles: world.coordinator.roles };
    expect(await setEmployerType(ctx, { ...coordination, sessionId: sessions.s1!, personId: world.admin.id, employerType: 'other' })).toMatchObject({ ok: false, status: 404 });
    expect(await setEmployerType(ctx, { ...coordination, sessionId: sessions.s1!, personId: anne.id, employerType: 'public_employer' })).toEqual({ ok: true });
    expect((await employerTypesOf(database.db, sessions.s1!)).get(anne.id)).toBe('public_employer');
    const report = await yearlyReport(database.db, period('2025-01-01', '2025-12-31'));
    expect(report.byCategory.find((c) => c.category === 'public_employer')).toMatchObject({ trainees: 2, hours: 14 });
    expect(report.unknownCategory).toMatchObject({ trainees: 1, sessionCount: 1 });
    // Back to unknown: the figures follow.
    expect(await setEmployerType(ctx, { ...coordination, sessionId: sessions.s1!, personId: anne.id, employerType: null })).toEqual({ ok: true });
    expect((await yearlyReport(database.db, period('2025-01-01', '2025-12-31'))).unknownCategory.trainees).toBe(2);
    const audit = await database.db.selectFrom('audit_event').select('details').where('action', '=', 'enrolment.employer_type').where('subject_person_id', '=', anne.id).orderBy('id').execute();
    expect(audit.map((a) => a.details.employerType)).toEqual(['public_employer', null]);
  });
});
