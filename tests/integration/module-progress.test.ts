import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext, MINUTE } from '../support/context.ts';
import { addPerson } from '../support/world.ts';
import { markSectionRead, moduleProgress, progressSummaries, recordPosition, type ModuleRules } from '../../src/lib/modules/progress.ts';
import { recordActivityResult, xapiSubmissionSchema } from '../../src/lib/modules/activity-results.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.drop());

const wrap: ModuleRules = {
  slug: 'wrap',
  sections: [
    { id: 'un-plan', title: 'Un plan' },
    { id: 'les-etapes', title: 'Les étapes' },
    { id: 'verifier', title: 'Vérifier' },
  ],
  activities: [{ id: 'wrap-quiz', required: true }],
  passingScore: 0.8,
};

/** A statement as H5P sends it for the whole quiz. */
function answered(raw: number, max: number, extra: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    actor: { name: 'ignoré', mbox: 'mailto:quelqu.un@ailleurs.example' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } },
    object: { id: 'http://parcours.test/h5p/lecteur/wrap-quiz', definition: { extensions: {} } },
    result: { score: { min: 0, max, raw, scaled: raw / max }, completion: true, success: raw / max >= 0.8, duration: 'PT1M12.5S' },
    ...extra,
  };
}

async function submit(personId: string, statement: Record<string, unknown>, now: Date) {
  const parsed = xapiSubmissionSchema.parse({ moduleId: 'wrap', activityId: 'wrap-quiz', statement });
  return recordActivityResult(database.db, { personId, module: wrap, activityId: 'wrap-quiz', statement: parsed.statement, rawStatement: statement, now });
}

describe('a trainee works through a module', () => {
  it('resumes where they left off, and completes the module once everything is read and the quiz passed', async () => {
    const ctx = testContext(database.db);
    const camille = await addPerson(database.db, { givenName: 'Camille', familyName: 'Martin', roles: ['trainee'] });

    await recordPosition(database.db, camille.id, 'wrap', 'un-plan', ctx.now());
    expect(await markSectionRead(database.db, camille.id, wrap, 'un-plan', ctx.now())).toEqual({ completedNow: false });
    await markSectionRead(database.db, camille.id, wrap, 'un-plan', ctx.now());
    ctx.clock.advance(5 * MINUTE);
    await recordPosition(database.db, camille.id, 'wrap', 'les-etapes', ctx.now());

    // On another device, later: the same place.
    let progress = await moduleProgress(database.db, camille.id, 'wrap');
    expect(progress).toMatchObject({ started: true, lastSectionId: 'les-etapes', completedAt: null });
    expect([...progress.readSections]).toEqual(['un-plan']);

    expect(await submit(camille.id, answered(3, 6), ctx.now())).toMatchObject({ stored: true, completedNow: false, scaled: 0.5 });
    await markSectionRead(database.db, camille.id, wrap, 'les-etapes', ctx.now());
    expect(await markSectionRead(database.db, camille.id, wrap, 'verifier', ctx.now())).toEqual({ completedNow: false });

    ctx.clock.advance(MINUTE);
    expect(await submit(camille.id, answered(5, 6), ctx.now())).toMatchObject({ stored: true, completedNow: true });
    progress = await moduleProgress(database.db, camille.id, 'wrap');
    expect(progress.completedAt).toEqual(ctx.now());
    expect(progress.activities.get('wrap-quiz')).toMatchObject({ best: 5 / 6, last: 5 / 6, attempts: 2 });

    // A later, lower score changes the last score, never the completion.
    ctx.clock.advance(MINUTE);
    await submit(camille.id, answered(1, 6), ctx.now());
    progress = await moduleProgress(database.db, camille.id, 'wrap');
    expect(progress.completedAt).not.toBeNull();
    expect(progress.activities.get('wrap-quiz')).toMatchObject({ best: 5 / 6, last: 1 / 6, attempts: 3 });

    const [summary] = await progressSummaries(database.db, camille.id);
    expect(summary).toMatchObject({ moduleId: 'wrap', sectionsRead: 3, lastSectionId: 'verifier' });
  });
});

describe('activity results (xAPI)', () => {
  it('keep the statement, its score, completion, success and duration, under the signed-in person', async () => {
    const ctx = testContext(database.db);
    const karim = await addPerson(database.db, { givenName: 'Karim', familyName: 'Benali', roles: ['professional'] });
    const statement = answered(4, 6);
    await submit(karim.id, statement, ctx.now());
    const row = await database.db.selectFrom('activity_result').selectAll().where('statement_id', '=', statement.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      person_id: karim.id,
      module_id: 'wrap',
      activity_id: 'wrap-quiz',
      verb: 'http://adlnet.gov/expapi/verbs/answered',
      score_raw: 4,
      score_max: 6,
      completion: true,
      success: false,
      duration: 'PT1M12.5S',
    });
    expect(row.score_scaled).toBeCloseTo(4 / 6);
    expect(row.statement).toMatchObject({ verb: { id: 'http://adlnet.gov/expapi/verbs/answered' } });
  });

  it('store a statement posted twice only once', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Inès', familyName: 'Garcia', roles: ['trainee'] });
    const statement = answered(6, 6);
    const outcomes = await Promise.all([submit(person.id, statement, ctx.now()), submit(person.id, statement, ctx.now())]);
    expect(outcomes.filter((o) => o.stored)).toHaveLength(1);
    expect(await submit(person.id, statement, ctx.now())).toEqual({ stored: false, duplicate: true });
    const rows = await database.db.selectFrom('activity_result').select('id').where('statement_id', '=', statement.id).execute();
    expect(rows).toHaveLength(1);
  });

  it('ignore statements without a result, and those of a sub-question', async () => {
    const ctx = testContext(database.db);
    const person = await addPerson(database.db, { givenName: 'Paul', familyName: 'Renard', roles: ['trainee'] });
    const attempted = { ...answered(1, 1), result: undefined, verb: { id: 'http://adlnet.gov/expapi/verbs/attempted' } };
    expect(await submit(person.id, attempted, ctx.now())).toMatchObject({ stored: false, reason: 'no-result' });
    const child = answered(1, 1, { object: { definition: { extensions: { 'http://h5p.org/x-api/h5p-subContentId': 'abc' } } } });
    expect(await submit(person.id, child, ctx.now())).toMatchObject({ stored: false, reason: 'sub-content' });
  });

  it('refuse malformed statements before they reach the database', () => {
    const bad = [
      { moduleId: 'wrap', activityId: 'wrap-quiz', statement: { ...answered(1, 2), id: 'pas-un-uuid' } },
      { moduleId: 'wrap', activityId: 'wrap-quiz', statement: { ...answered(1, 2), result: { score: { scaled: 7 } } } },
      { moduleId: 'wrap', activityId: 'wrap-quiz', statement: { ...answered(1, 2), verb: { id: "'; drop table activity_result; --" } } },
    ];
    for (const input of bad) expect(xapiSubmissionSchema.safeParse(input).success).toBe(false);
  });
});
