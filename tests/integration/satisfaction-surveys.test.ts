import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { DAY, testContext } from '../support/context.ts';
import { emailsTo } from '../support/mailbox.ts';
import { addPerson, buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import type { Training } from '../../src/lib/sessions/trainings.ts';
import { dueSurveysOf, submitSurveyAnswer, surveyFor, type SurveyAnswerInput } from '../../src/lib/surveys/participation.ts';
import { sendDueSurveyInvitations } from '../../src/lib/surveys/invitations.ts';
import { satisfactionSummary, sessionSatisfaction, trainingSatisfaction } from '../../src/lib/surveys/results.ts';
import { eraseAccount, exportPersonalData } from '../../src/lib/accounts/personal-data.ts';

let database: TestDatabase;
let world: World;
beforeAll(async () => {
  database = await freshDatabase();
  world = await buildWorld(database.db);
});
afterAll(() => database.drop());

let counter = 0;
const newcomers = (n: number) =>
  Promise.all(Array.from({ length: n }, () => addPerson(database.db, { givenName: 'Inès', familyName: `Participante${++counter}`, roles: ['trainee'] })));

/** A training with a session that took place: `present` came to every half-day, `absent` to none. */
async function sessionWith(present: WorldPerson[], absent: WorldPerson[] = [], training?: Training) {
  const ctx = testContext(database.db);
  const t = training ?? (await addTraining(ctx, world.coordinator, { title: `Rétablissement ${++counter}` }));
  const sessionId = await finishedSession(ctx, {
    coordinator: world.coordinator,
    trainer: world.trainer,
    training: t,
    participants: [...present.map((person) => ({ person, presence: [true, true, true, true] })), ...absent.map((person) => ({ person, presence: [false, false, false, false] }))],
  });
  return { ctx, sessionId, training: t };
}

/** The survey invitations in a person's mailbox (they also received their convocation). */
const invitationsTo = async (person: WorldPerson) => (await emailsTo(database.db, person.email)).filter((e) => e.body_text.includes('/avis'));

const hot = (overall: number, objectives: number, trainers: number, organisation: number, comment?: string): SurveyAnswerInput => ({ phase: 'hot', overall, objectives, trainers, organisation, comment });

describe('who may answer', () => {
  it('opens « à chaud » to those who attended at least one half-day of a finished session, and to nobody else', async () => {
    const [ines, partial, absent] = await newcomers(3);
    const ctx = testContext(database.db);
    const training = await addTraining(ctx, world.coordinator, { title: 'Pair-aidance et rétablissement' });
    const sessionId = await finishedSession(ctx, {
      coordinator: world.coordinator,
      trainer: world.trainer,
      training,
      participants: [
        { person: ines!, presence: [true, true, true, true] },
        { person: partial!, presence: [false, false, false, true] },
        { person: absent!, presence: [false, false, false, false] },
      ],
    });
    const now = ctx.now();
    for (const p of [ines!, partial!]) expect(await surveyFor(database.db, { personId: p.id, sessionId, now })).toMatchObject({ ok: true, survey: { phase: 'hot', answered: false, title: 'Pair-aidance et rétablissement' } });
    const notForYou = 'Vous n’avez pas de questionnaire pour cette séance : il est proposé aux personnes qui y ont assisté.';
    expect(await surveyFor(database.db, { personId: absent!.id, sessionId, now })).toEqual({ ok: false, status: 404, message: notForYou });
    expect(await surveyFor(database.db, { personId: world.trainer.id, sessionId, now })).toEqual({ ok: false, status: 404, message: notForYou });
    expect(await surveyFor(database.db, { personId: ines!.id, sessionId: 'pas-un-id', now })).toMatchObject({ ok: false, status: 404 });
    // « Mes séances » offers it to the attendees only.
    expect((await dueSurveysOf(database.db, ines!.id, now)).map((s) => [s.sessionId, s.phase])).toEqual([[sessionId, 'hot']]);
    expect(await dueSurveysOf(database.db, absent!.id, now)).toEqual([]);
    // Three months after the last half-day, the « à froid » replaces it; three months later, nothing is open.
    expect(await surveyFor(database.db, { personId: ines!.id, sessionId, now: new Date(now.getTime() + 90 * DAY) })).toMatchObject({ ok: true, survey: { phase: 'cold' } });
    expect(await surveyFor(database.db, { personId: ines!.id, sessionId, now: new Date(now.getTime() + 181 * DAY) })).toEqual({
      ok: false,
      status: 409,
      message: 'Ce questionnaire est clos : il n’accepte plus de réponses.',
    });
  });

  it('waits until every half-day is closed', async () => {
    const [ines] = await newcomers(1);
    const ctx = testContext(database.db);
    const training = await addTraining(ctx, world.coordinator, { title: `Séance en cours ${++counter}` });
    const sessionId = await addSession(ctx, { coordinator: world.coordinator, trainers: [world.trainer], training, days: 1 });
    // Ines signed the first half-day (recorded by the trainer), the second is not closed yet.
    const slots = await database.db.selectFrom('session_slot').select(['id', 'starts_at']).where('session_id', '=', sessionId).orderBy('starts_at').execute();
    await database.db.updateTable('session_slot').set({ opened_at: slots[0]!.starts_at, opened_by: world.trainer.id, closed_at: slots[0]!.starts_at, closed_by: world.trainer.id }).where('id', '=', slots[0]!.id).execute();
    await database.db.insertInto('attendance_record').values({ slot_id: slots[0]!.id, person_id: ines!.id, status: 'present', method: 'trainer', recorded_by: world.trainer.id }).execute();
    const outcome = await submitSurveyAnswer(ctx, { personId: ines!.id, sessionId, answer: hot(5, 5, 5, 5) });
    expect(outcome).toEqual({ ok: false, status: 409, message: 'Le questionnaire s’ouvre à la fin de la séance, une fois toutes les demi-journées closes.' });
    expect(await database.db.selectFrom('survey_answer').select('id').where('session_id', '=', sessionId).execute()).toEqual([]);
  });
});

describe('answering', () => {
  it('stores the answer without any link to its author, marks the person apart, and refuses a second answer (409, nothing changes)', async () => {
    const [ines, paul] = await newcomers(2);
    const { ctx, sessionId } = await sessionWith([ines!, paul!]);
    expect(await submitSurveyAnswer(ctx, { personId: ines!.id, sessionId, answer: hot(5, 4, 5, 3, 'Un accueil chaleureux') })).toEqual({ ok: true, phase: 'hot' });
    const answers = await database.db.selectFrom('survey_answer').selectAll().where('session_id', '=', sessionId).execute();
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ phase: 'hot', overall: 5, objectives: 4, trainers: 5, organisation: 3, practice_use: null, comment: 'Un accueil chaleureux' });
    // The day only, never the instant.
    expect(answers[0]!.answered_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(Object.values(answers[0]!)).not.toContain(ines!.id);
    expect(await database.db.selectFrom('survey_participant').select(['person_id', 'answered']).where('session_id', '=', sessionId).execute()).toEqual([{ person_id: ines!.id, answered: true }]);

    expect(await submitSurveyAnswer(ctx, { personId: ines!.id, sessionId, answer: hot(1, 1, 1, 1, 'Changé') })).toMatchObject({ ok: false, status: 409, message: expect.stringMatching(/^Vous avez déjà donné votre avis/) });
    expect(await database.db.selectFrom('survey_answer').select(['overall', 'comment']).where('session_id', '=', sessionId).execute()).toEqual([{ overall: 5, comment: 'Un accueil chaleureux' }]);
    expect(await surveyFor(database.db, { personId: ines!.id, sessionId, now: ctx.now() })).toMatchObject({ ok: true, survey: { answered: true } });
    expect(await dueSurveysOf(database.db, ines!.id, ctx.now())).toEqual([]);
    expect(await dueSurveysOf(database.db, paul!.id, ctx.now())).toHaveLength(1);

    // Bad input is refused in French, with nothing written.
    expect(await submitSurveyAnswer(ctx, { personId: paul!.id, sessionId, answer: hot(6, 4, 4, 4) })).toEqual({ ok: false, status: 400, message: 'Chaque question se répond par un choix de 1 à 5.' });
    expect(await submitSurveyAnswer(ctx, { personId: paul!.id, sessionId, answer: { phase: 'cold', practiceUse: 4, uses: [] } })).toMatchObject({ ok: false, status: 409 });
    expect(await database.db.selectFrom('survey_answer').select('id').where('session_id', '=', sessionId).execute()).toHaveLength(1);
  });

  it('takes one answer when the same person sends it twice at once', async () => {
    const [ines] = await newcomers(1);
    const { ctx, sessionId } = await sessionWith([ines!]);
    const handles = database.url ? [0, 1].map(() => openDatabase({ kind: 'postgres', url: database.url!, maxConnections: 2 })) : [database.db, database.db];
    try {
      const outcomes = await Promise.all(handles.map((db) => submitSurveyAnswer({ ...ctx, db }, { personId: ines!.id, sessionId, answer: hot(4, 4, 4, 4) })));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok)).toEqual([expect.objectContaining({ status: 409 })]);
    } finally {
      if (database.url) await Promise.all(handles.map((h) => h.destroy()));
    }
    expect(await database.db.selectFrom('survey_answer').select('id').where('session_id', '=', sessionId).execute()).toHaveLength(1);
  });
});

describe('invitations', () => {
  it('emails each attendee once per phase, even when two instances run it at the same moment', async () => {
    const [ines, paul, absent] = await newcomers(3);
    const { ctx, sessionId } = await sessionWith([ines!, paul!], [absent!]);
    // Paul answered from « Mes séances » before any email: he is not asked again.
    await submitSurveyAnswer(ctx, { personId: paul!.id, sessionId, answer: hot(4, 4, 4, 4) });
    const handles = database.url ? [0, 1, 2].map(() => openDatabase({ kind: 'postgres', url: database.url!, maxConnections: 3 })) : [database.db, database.db, database.db];
    try {
      const runs = await Promise.all(handles.map((db) => sendDueSurveyInvitations({ ...ctx, db })));
      expect(runs.every((r) => r.ok)).toBe(true);
    } finally {
      if (database.url) await Promise.all(handles.map((h) => h.destroy()));
    }
    const toInes = await invitationsTo(ines!);
    expect(toInes.map((e) => e.subject)).toEqual([expect.stringMatching(/^Votre avis sur la formation « Rétablissement \d+ »$/)]);
    expect(toInes[0]!.body_text).toContain(`http://parcours.test/mes-seances/${sessionId}/avis`);
    expect(toInes[0]!.body_text).toContain('Vos réponses sont anonymes');
    expect(await invitationsTo(paul!)).toEqual([]);
    expect(await invitationsTo(absent!)).toEqual([]);
    // Again later: nothing new.
    expect(await sendDueSurveyInvitations(ctx)).toEqual({ ok: true, sent: 0 });

    // Three months later, the « à froid »: once more, once, to both attendees.
    ctx.clock.advance(90 * DAY);
    const [first, second] = await Promise.all([sendDueSurveyInvitations(ctx), sendDueSurveyInvitations(ctx)]);
    expect(first.sent + second.sent).toBeGreaterThanOrEqual(2);
    expect((await invitationsTo(ines!)).map((e) => e.subject)).toEqual([expect.stringMatching(/^Votre avis/), expect.stringMatching(/^Trois mois après/)]);
    expect(await invitationsTo(paul!)).toHaveLength(1);
    expect(await invitationsTo(absent!)).toEqual([]);
  });
});

describe('results', () => {
  /**
   * A training with two sessions. The first: five attendees, four answered with known scores. The
   * second: two attendees, one answer, which must show as a count only and stay out of the totals.
   */
  async function seededTraining() {
    const people = await newcomers(7);
    const ctx = testContext(database.db);
    const training = await addTraining(ctx, world.coordinator, { title: `PSSM chiffrée ${++counter}` });
    const a = await sessionWith(people.slice(0, 5), [], training);
    const answersA = [hot(5, 4, 5, 4, 'Zèle des formatrices, merci'), hot(4, 4, 5, 3), hot(3, 5, 4, 2, 'Accueil parfait'), hot(4, 3, 5, 5, 'Des pauses plus longues')];
    for (const [i, answer] of answersA.entries()) expect(await submitSurveyAnswer(a.ctx, { personId: people[i]!.id, sessionId: a.sessionId, answer })).toMatchObject({ ok: true });
    const b = await sessionWith(people.slice(5, 7), [], training);
    expect(await submitSurveyAnswer(b.ctx, { personId: people[5]!.id, sessionId: b.sessionId, answer: hot(1, 1, 1, 1, 'Trop seul·e pour être anonyme') })).toMatchObject({ ok: true });
    return { people, training, a, b, now: b.ctx.now() };
  }

  it('per session: response rate, averages, distribution, comments in alphabetical order; under 3 answers, the count only', async () => {
    const { a, b, now } = await seededTraining();
    const resultA = (await sessionSatisfaction(database.db, a.sessionId, now))!;
    const hotA = resultA.phases.find((p) => p.phase === 'hot')!;
    expect(hotA.opened).toBe(true);
    expect(hotA.result).toMatchObject({ answers: 4, invited: 5, responseRate: 0.8, shown: true, counted: 4 });
    expect(hotA.result.questions.map((q) => [q.key, q.average, q.distribution])).toEqual([
      ['overall', 4, [0, 0, 1, 2, 1]],
      ['objectives', 4, [0, 0, 1, 2, 1]],
      ['trainers', 4.75, [0, 0, 0, 1, 3]],
      ['organisation', 3.5, [0, 1, 1, 1, 1]],
    ]);
    expect(hotA.result.comments).toEqual(['Accueil parfait', 'Des pauses plus longues', 'Zèle des formatrices, merci']);
    expect(resultA.phases.find((p) => p.phase === 'cold')).toMatchObject({ opened: false, result: { answers: 0, invited: 0 } });

    const hotB = (await sessionSatisfaction(database.db, b.sessionId, now))!.phases.find((p) => p.phase === 'hot')!;
    expect(hotB.result).toEqual({ phase: 'hot', answers: 1, invited: 2, responseRate: 0.5, shown: false, counted: 0, questions: [], uses: [], comments: [] });
  });

  it('per training: every answer counted in the response rate, only sessions of 3 answers or more in the figures', async () => {
    const { training, now } = await seededTraining();
    const result = (await trainingSatisfaction(database.db, training.id, now))!;
    expect(result.sessions).toHaveLength(2);
    const overall = result.overall.find((g) => g.phase === 'hot')!;
    expect(overall).toMatchObject({ answers: 5, invited: 7, responseRate: 5 / 7, shown: true, counted: 4 });
    expect(overall.questions[0]).toMatchObject({ key: 'overall', average: 4, distribution: [0, 0, 1, 2, 1] });
    expect(overall.comments).not.toContain('Trop seul·e pour être anonyme');
    expect(await trainingSatisfaction(database.db, '00000000-0000-4000-8000-000000000000', now)).toBeUndefined();
  });

  it('sums up a date range for the dashboard, with the same rule', async () => {
    const { now } = await seededTraining();
    const summary = await satisfactionSummary(database.db, { from: new Date(now.getTime() - 30 * DAY), to: new Date(now.getTime() + DAY), now });
    expect(summary.sessions).toBeGreaterThanOrEqual(2);
    const answered = await database.db.selectFrom('survey_answer').select((eb) => eb.fn.countAll<number>().as('n')).where('phase', '=', 'hot').executeTakeFirstOrThrow();
    expect(summary.hot.answers).toBe(Number(answered.n));
    expect(summary.hot.comments).toEqual([]);
    expect(summary.hot.shown).toBe(true);
    expect(await satisfactionSummary(database.db, { from: new Date('2000-01-01'), to: new Date('2000-12-31'), now })).toMatchObject({ sessions: 0, hot: { answers: 0, invited: 0, responseRate: null, shown: false } });
  });
});

describe('anonymity', () => {
  it('no column of the answers refers to a person, an enrolment or an instant', async () => {
    const columns = await sql<{ column_name: string; data_type: string }>`
      SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'survey_answer' ORDER BY ordinal_position`.execute(database.db);
    const names = columns.rows.map((c) => c.column_name);
    expect(names.length).toBeGreaterThan(5);
    expect(names.filter((n) => /person|enrol|author|email|name|_at$|_by$/.test(n))).toEqual([]);
    expect(columns.rows.filter((c) => /timestamp|time/.test(c.data_type))).toEqual([]);
    const references = await sql<{ target: string }>`
      SELECT ccu.table_name AS target FROM information_schema.table_constraints tc
      JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name
      WHERE tc.table_name = 'survey_answer' AND tc.constraint_type = 'FOREIGN KEY'`.execute(database.db);
    expect(references.rows.map((r) => r.target)).toEqual(['training_session']);
    // And the marks of who answered do not point to an answer.
    const marks = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns WHERE table_name = 'survey_participant'`.execute(database.db);
    expect(marks.rows.map((c) => c.column_name).filter((n) => /answer_id|survey_answer/.test(n))).toEqual([]);
  });

  it('no result nor report carries a name, an email or a person’s id', async () => {
    const people = await newcomers(4);
    const ctx = testContext(database.db);
    const training = await addTraining(ctx, world.coordinator, { title: `Anonymat ${++counter}` });
    const { sessionId } = await sessionWith(people, [], training);
    for (const p of people) await submitSurveyAnswer(ctx, { personId: p.id, sessionId, answer: hot(4, 4, 4, 4, `Avis numéro ${p.familyName.length}`) });
    const now = new Date(ctx.now().getTime() + 30 * DAY);
    const reports = JSON.stringify([
      await sessionSatisfaction(database.db, sessionId, now),
      await trainingSatisfaction(database.db, training.id, now),
      await satisfactionSummary(database.db, { from: new Date(now.getTime() - 365 * DAY), to: now, now }),
    ]);
    expect(reports).toContain('Avis numéro');
    const everyone = await database.db.selectFrom('person').select(['id', 'email', 'given_name', 'family_name']).execute();
    const leaks = everyone.flatMap((p) => [p.id, p.email, p.family_name]).filter((v) => reports.includes(v));
    expect(leaks).toEqual([]);
  });
});

describe('personal data', () => {
  it('the download says which surveys the person answered, not what; erasure keeps the anonymous answers and unties the marks', async () => {
    const people = await newcomers(3);
    const { ctx, sessionId } = await sessionWith(people);
    for (const p of people) await submitSurveyAnswer(ctx, { personId: p.id, sessionId, answer: hot(2, 3, 4, 5, 'Mon commentaire secret') });
    const ines = people[0]!;
    const data = await exportPersonalData(database.db, ines.id);
    expect(data.satisfactionSurveys).toEqual([expect.objectContaining({ sessionId, survey: 'à chaud', answered: true })]);
    expect(JSON.stringify(data)).not.toContain('Mon commentaire secret');

    const before = (await sessionSatisfaction(database.db, sessionId, ctx.now()))!.phases[0]!.result;
    expect(await eraseAccount(ctx, { personId: ines.id, password: ines.password })).toEqual({ ok: true });
    expect(await database.db.selectFrom('survey_participant').select('id').where('person_id', '=', ines.id).execute()).toEqual([]);
    expect(await database.db.selectFrom('survey_answer').select('id').where('session_id', '=', sessionId).execute()).toHaveLength(3);
    const after = (await sessionSatisfaction(database.db, sessionId, ctx.now()))!.phases[0]!.result;
    expect(after).toEqual(before);
    // The erased account is invited to nothing more.
    ctx.clock.advance(90 * DAY);
    await sendDueSurveyInvitations(ctx);
    expect(await database.db.selectFrom('survey_participant').select('id').where('person_id', '=', ines.id).execute()).toEqual([]);
    expect(await database.db.selectFrom('survey_participant').select('id').where('session_id', '=', sessionId).where('phase', '=', 'cold').execute()).toHaveLength(2);
  });
});
