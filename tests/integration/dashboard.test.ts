import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { HOUR, testContext } from '../support/context.ts';
import { countingQueries } from '../support/query-counter.ts';
import { addPerson, buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { addSession, addTraining, dayFromNow } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { enrol, cancelSession } from '../../src/lib/sessions/enrolment.ts';
import { sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { recordAttendance } from '../../src/lib/attendance/records.ts';
import { issueAttestation, revokeAttestation } from '../../src/lib/attestations/issue.ts';
import { computeDashboard, dashboardFigures, lastTwelveMonths, type DashboardData } from '../../src/lib/reporting/dashboard.ts';
import { cohortBoard } from '../../src/lib/pathway/board.ts';
import { satisfactionSummary } from '../../src/lib/surveys/results.ts';

/**
 * The coordinator opens the dashboard on 2 December 2026, after a two-day PSSM session that
 * straddled November and December. Every figure of this world is known in advance.
 */
let database: TestDatabase;
let world: World;
let ctx: ReturnType<typeof testContext>;
let figures: DashboardData;
let camille: WorldPerson, zoe: WorldPerson, lukasz: WorldPerson, karim: WorldPerson;
let finishedId: string;

const coordination = () => ({ actorId: world.coordinator.id, actorRoles: world.coordinator.roles });

async function mission(person: WorldPerson, doneOn: string, minutes: number, status: 'submitted' | 'validated' | 'returned') {
  await database.db
    .insertInto('volunteer_mission')
    .values({
      person_id: person.id,
      stage: 2,
      done_on: doneOn,
      minutes,
      kind: 'group',
      partner_structure: 'GEM de Marseille',
      pair_name: 'Sami Durand',
      status,
      reviewed_by: status === 'submitted' ? null : world.coordinator.id,
      reviewed_at: status === 'submitted' ? null : new Date(`${doneOn}T18:00:00Z`),
      review_comment: status === 'returned' ? 'Précisez la durée.' : null,
    })
    .execute();
}

async function moduleProgress(person: WorldPerson, moduleId: string, startedAt: string, completedAt: string | null) {
  await database.db
    .insertInto('module_progress')
    .values({ person_id: person.id, module_id: moduleId, started_at: startedAt, updated_at: completedAt ?? startedAt, completed_at: completedAt })
    .execute();
}

beforeAll(async () => {
  database = await freshDatabase();
  world = await buildWorld(database.db);
  [camille, zoe, lukasz] = world.trainees as [WorldPerson, WorldPerson, WorldPerson];
  karim = world.professional;

  // A session of June 2025, long before the twelve months: none of it may count.
  const old = testContext(database.db, new Date('2025-06-02T08:00:00Z'));
  const oldTraining = await addTraining(old, world.coordinator, { title: 'WRAP : plan d’action' });
  const oldSession = await finishedSession(old, { coordinator: world.coordinator, trainer: world.trainer, training: oldTraining, participants: [{ person: camille, presence: [true, true, true, true] }] });
  const oldIssue = await issueAttestation(old, { ...coordination(), sessionId: oldSession, personId: camille.id, kind: 'completion_certificate' });
  expect(oldIssue).toMatchObject({ ok: true });

  // Monday 30 November and Tuesday 1 December 2026, four half-days of 3.5 h.
  ctx = testContext(database.db, new Date('2026-11-23T09:00:00Z'));
  const training = await addTraining(ctx, world.coordinator);
  finishedId = await finishedSession(ctx, {
    coordinator: world.coordinator,
    trainer: world.trainer,
    training,
    participants: [
      { person: camille, presence: [true, true, true, true] },
      { person: zoe, presence: [true, false, true, false] },
      { person: karim, presence: [true, true, true, false], employer: 'CMP de la Belle de Mai' },
    ],
  });
  // Zoé's absence of Monday afternoon is corrected: she came late. Only the latest record counts.
  const slots = (await sessionOverview(database.db, finishedId))!.slots;
  const corrected = await recordAttendance(ctx, {
    actor: { id: world.trainer.id, roles: world.trainer.roles },
    slotId: slots[1]!.id,
    personId: zoe.id,
    status: 'late',
    arrivedAt: new Date(slots[1]!.startsAt.getTime() + HOUR),
    reason: 'Arrivée notée sur la feuille papier',
  });
  expect(corrected).toMatchObject({ ok: true, method: 'correction' });

  // Attestations: two certificates and one end-of-training attestation; one is revoked later (still issued in the period).
  for (const [person, kind] of [
    [camille, 'completion_certificate'],
    [karim, 'completion_certificate'],
    [camille, 'end_of_training'],
  ] as const) {
    const issued = await issueAttestation(ctx, { ...coordination(), sessionId: finishedId, personId: person.id, kind });
    if (!issued.ok) throw new Error(issued.message);
    if (person === karim) expect(await revokeAttestation(ctx, { ...coordination(), attestationId: issued.id, reason: 'Erreur de nom' })).toEqual({ ok: true });
  }

  // Sessions to come: one full with a waiting list, one barely started filling, one cancelled.
  const soon = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 2, startDay: dayFromNow(ctx, 10) });
  for (const person of [camille, zoe, lukasz]) await enrol(ctx, { actorId: person.id, actorRoles: person.roles, personId: person.id, sessionId: soon });
  const later = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 10, startDay: dayFromNow(ctx, 40) });
  await enrol(ctx, { actorId: karim.id, actorRoles: karim.roles, personId: karim.id, sessionId: later, employer: 'CMP de la Belle de Mai' });
  const cancelled = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, capacity: 12, startDay: dayFromNow(ctx, 20) });
  expect(await cancelSession(ctx, { ...coordination(), sessionId: cancelled, reason: 'Salle indisponible' })).toMatchObject({ ok: true });

  // The pathway: Zoé on stage 3, Łukasz has completed it, Camille (no row yet) is on stage 1.
  await database.db.insertInto('pathway_member').values([
    { person_id: zoe.id, stage: 3 },
    { person_id: lukasz.id, stage: 8 },
  ]).execute();

  // Modules: started and completed dates on both sides of 1 January 2026.
  await moduleProgress(camille, 'pssm', '2026-10-01T10:00:00Z', '2026-10-15T10:00:00Z');
  await moduleProgress(zoe, 'pssm', '2026-11-01T10:00:00Z', null);
  await moduleProgress(lukasz, 'wrap', '2025-11-20T10:00:00Z', '2026-02-01T10:00:00Z');
  await moduleProgress(karim, 'wrap', '2025-03-01T10:00:00Z', null);

  // Missions in binôme: only the validated ones of the period count.
  await mission(zoe, '2026-03-05', 120, 'validated');
  await mission(zoe, '2026-11-10', 90, 'validated');
  await mission(zoe, '2026-11-12', 60, 'submitted');
  await mission(zoe, '2026-11-13', 45, 'returned');
  await mission(lukasz, '2025-12-31', 240, 'validated');

  figures = await computeDashboard(database.db, ctx.now());
});
afterAll(() => database.drop());

describe('the coordinator’s dashboard', () => {
  it('covers the current month and the eleven before it, cut in Paris time', () => {
    expect(ctx.now().toISOString().slice(0, 10)).toBe('2026-12-02');
    expect(figures.period.months.map((m) => m.key)).toEqual([
      '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12',
    ]);
    expect(figures.period.fromDay).toBe('2026-01-01');
    expect(figures.period.toDay).toBe('2026-12-02');
    // Midnight in Paris is 23:00 UTC the day before, in winter.
    expect(figures.period.from.toISOString()).toBe('2025-12-31T23:00:00.000Z');
    expect(figures.period.months[11]).toMatchObject({ short: 'déc', long: 'décembre 2026' });
    // A summer month starts at 22:00 UTC.
    expect(lastTwelveMonths(new Date('2026-07-15T12:00:00Z')).months[11]!.start.toISOString()).toBe('2026-06-30T22:00:00.000Z');
  });

  it('counts the trainees on each stage as the cohort board does', async () => {
    expect(figures.stages).toEqual([
      { stage: 1, count: 1 },
      { stage: 2, count: 0 },
      { stage: 3, count: 1 },
      { stage: 4, count: 0 },
      { stage: 5, count: 0 },
      { stage: 6, count: 0 },
      { stage: 7, count: 0 },
      { stage: 8, count: 1 },
    ]);
    expect(figures.trainees).toBe(3);
    const board = await cohortBoard(database.db, { now: ctx.now(), stalledMonths: 6 });
    expect(figures.stages.filter((s) => s.count > 0).map((s) => [s.stage, s.count])).toEqual([...board.counts.entries()].sort((a, b) => a[0] - b[0]));
  });

  it('lists the sessions to come with their fill rate and waiting list, not the cancelled one nor those already held', () => {
    expect(figures.upcoming.sessions.map((s) => [s.trainingTitle, s.capacity, s.enrolled, s.waitlisted, s.fillRate])).toEqual([
      ['Premiers secours en santé mentale', 2, 2, 1, 1],
      ['Premiers secours en santé mentale', 10, 1, 0, 0.1],
    ]);
    expect(figures.upcoming.sessions[0]!.startsAt < figures.upcoming.sessions[1]!.startsAt).toBe(true);
    expect(figures.upcoming).toMatchObject({ total: 2, capacity: 12, enrolled: 3, waitlisted: 1, fillRate: 0.25 });
  });

  it('gives the attendance rate of each month from the latest record of each half-day, and the hours delivered', () => {
    const november = figures.months[10]!;
    const december = figures.months[11]!;
    // Monday: 3 expected in each half-day; the afternoon absence of Zoé was corrected to a late arrival.
    expect(november).toMatchObject({ halfDays: 2, hoursDelivered: 7, expected: 6, present: 6, attendanceRate: 1 });
    // Tuesday: everyone in the morning, only Camille in the afternoon.
    expect(december).toMatchObject({ halfDays: 2, hoursDelivered: 7, expected: 6, present: 4 });
    expect(december.attendanceRate).toBeCloseTo(4 / 6);
    expect(figures.months.slice(0, 10).every((m) => m.halfDays === 0 && m.attendanceRate === null)).toBe(true);
    expect(figures.totals).toMatchObject({ halfDays: 4, hoursDelivered: 14, expected: 12, present: 10 });
    expect(figures.totals.attendanceRate).toBeCloseTo(10 / 12);
  });

  it('counts the attestations issued in the period by kind, revoked ones included', () => {
    expect(figures.attestations).toEqual([
      { kind: 'end_of_training', count: 1 },
      { kind: 'completion_certificate', count: 2 },
      { kind: 'attendance', count: 0 },
      { kind: 'pathway_stage', count: 0 },
    ]);
  });

  it('counts the modules started and completed in the period', () => {
    expect(figures.modules).toEqual([
      { moduleId: 'pssm', started: 2, completed: 1 },
      { moduleId: 'wrap', started: 0, completed: 1 },
    ]);
  });

  it('adds up the validated mission hours by month', () => {
    expect(figures.months.map((m) => m.missionMinutes)).toEqual([0, 0, 120, 0, 0, 0, 0, 0, 0, 0, 90, 0]);
    expect(figures.totals).toMatchObject({ missionMinutes: 210, missions: 2 });
  });

  it('carries the satisfaction surveys of the sessions that ended in the twelve months', async () => {
    const period = lastTwelveMonths(ctx.now());
    expect(figures.satisfaction).toEqual(await satisfactionSummary(database.db, { from: period.from, to: period.to, now: ctx.now() }));
    expect(figures.satisfaction.sessions).toBeGreaterThan(0);
    expect(figures.satisfaction.hot.invited).toBeGreaterThan(0);
  });

  it('costs the same ten queries whatever the history (six figures, four for the surveys), and the page reads them through a short cache', async () => {
    const counting = countingQueries(database.db);
    await computeDashboard(counting.db, ctx.now());
    const small = counting.count();
    expect(small).toBe(10);

    // More of everything: people, a second finished session, attestations, missions, progress.
    const more: WorldPerson[] = [];
    for (let i = 0; i < 12; i++) more.push(await addPerson(database.db, { givenName: `Personne${i}`, familyName: 'Nombreuse', roles: ['trainee'] }));
    const training = await addTraining(ctx, world.coordinator, { title: 'Rétablissement et pair-aidance' });
    const second = await finishedSession(ctx, { coordinator: world.coordinator, trainer: world.trainer, training, participants: more.map((person) => ({ person, presence: [true, true, false, true] })) });
    for (const person of more.slice(0, 5)) await issueAttestation(ctx, { ...coordination(), sessionId: second, personId: person.id, kind: 'completion_certificate' });
    for (const person of more) {
      await moduleProgress(person, 'retablissement', '2026-11-20T10:00:00Z', null);
      await mission(person, '2026-11-25', 60, 'validated');
    }

    counting.reset();
    const bigger = await computeDashboard(counting.db, ctx.now());
    expect(counting.count()).toBe(small);
    expect(bigger.trainees).toBe(15);
    expect(bigger.totals.halfDays).toBe(8);
    expect(bigger.attestations.find((a) => a.kind === 'completion_certificate')!.count).toBe(7);
    expect(bigger.totals.missions).toBe(14);

    // The page's reading: computed once, then the same figures for 30 s, then recomputed.
    const cached = countingQueries(database.db);
    const view = { ...ctx, db: cached.db };
    const first = await dashboardFigures(view);
    expect(cached.count()).toBe(10);
    expect(await dashboardFigures(view)).toBe(first);
    expect(cached.count()).toBe(10);
    ctx.clock.advance(31_000);
    expect(await dashboardFigures(view)).toBe(first); // the last figures at once, new ones on their way
    await expect.poll(async () => (await dashboardFigures(view)).asOf.getTime()).toBe(ctx.now().getTime());
    expect(cached.count()).toBe(20); // once, however many readers asked meanwhile
  });
});
