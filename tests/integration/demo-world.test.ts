import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext } from '../support/context.ts';
import { seedDemoAccounts } from '../../src/lib/accounts/demo.ts';
import { seedDemoTrainings } from '../../src/lib/sessions/demo.ts';
import { seedDemoPathway } from '../../src/lib/pathway/demo.ts';
import { dueSurveysOf } from '../../src/lib/surveys/participation.ts';
import { sessionSatisfaction } from '../../src/lib/surveys/results.ts';
import { computeDashboard } from '../../src/lib/reporting/dashboard.ts';

/**
 * `npm start`'s demo world, as a new user meets it: past sessions whose satisfaction results
 * already show figures, and surveys still waiting for the demo trainee and professional.
 */
let database: TestDatabase;
const now = new Date('2026-11-23T10:00:00Z');
beforeAll(async () => {
  database = await freshDatabase();
  const ctx = testContext(database.db, now);
  await seedDemoAccounts(database.db);
  expect(await seedDemoTrainings(ctx)).toBe(3);
  await seedDemoPathway(ctx);
});
afterAll(() => database.drop());

const demoPerson = (email: string) => database.db.selectFrom('person').select(['id', 'password_hash']).where('email', '=', email).executeTakeFirstOrThrow();
const sessionsOf = (title: string) =>
  database.db
    .selectFrom('training_session as s')
    .innerJoin('training as t', 't.id', 's.training_id')
    .select('s.id')
    .select((eb) => eb.selectFrom('session_slot').select((e) => e.fn.min('starts_at').as('first')).whereRef('session_id', '=', 's.id').as('first'))
    .where('t.title', '=', title)
    .orderBy('first')
    .execute();

describe('the demo world', () => {
  it('shows last month’s PSSM session’s « à chaud » results: four answers out of seven attendees', async () => {
    const [lastMonth] = await sessionsOf('Premiers secours en santé mentale (PSSM)');
    const results = await sessionSatisfaction(database.db, lastMonth!.id, now);
    const hot = results!.phases.find((p) => p.phase === 'hot')!.result;
    expect(hot).toMatchObject({ answers: 4, invited: 7, shown: true });
    expect(hot.comments).toEqual(['Des mises en situation très concrètes.', 'La salle était un peu petite pour les jeux de rôle.']);
    expect(hot.questions.find((q) => q.key === 'overall')!.average).toBeCloseTo(4.5);
  });

  it('shows the « à froid » results of the session four months ago, and leaves its last answer to the demo trainee', async () => {
    const [earlier] = await sessionsOf('Rétablissement et pair-aidance');
    const cold = (await sessionSatisfaction(database.db, earlier!.id, now))!.phases.find((p) => p.phase === 'cold')!;
    expect(cold.opened).toBe(true);
    expect(cold.result).toMatchObject({ answers: 3, invited: 4, shown: true });
    const trainee = await demoPerson('stagiaire@demo.esper-parcours.fr');
    const due = await dueSurveysOf(database.db, trainee.id, now);
    expect(due.map((s) => [s.title, s.phase, s.answered]).sort()).toEqual([
      ['Premiers secours en santé mentale (PSSM)', 'hot', false],
      ['Rétablissement et pair-aidance', 'cold', false],
    ]);
    const professional = await demoPerson('professionnel@demo.esper-parcours.fr');
    expect((await dueSurveysOf(database.db, professional.id, now)).map((s) => s.phase)).toEqual(['hot']);
  });

  it('gives the dashboard figures to show, and nobody can sign in as the other participants', async () => {
    const dashboard = await computeDashboard(database.db, now);
    // Two closed half-days each: seven people expected at the first session (one absent once), four at the other.
    expect(dashboard.totals).toMatchObject({ halfDays: 4, expected: 7 * 2 + 4 * 2, present: 7 * 2 + 4 * 2 - 1 });
    const participant = await demoPerson('hugo.faure@demo.esper-parcours.fr');
    expect(participant.password_hash).toBeNull();
  });

  it('is seeded once: a second start adds nothing', async () => {
    const before = await database.db.selectFrom('survey_answer').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(await seedDemoTrainings(testContext(database.db, now))).toBe(0);
    const after = await database.db.selectFrom('survey_answer').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    expect(Number(after.n)).toBe(7);
  });
});
