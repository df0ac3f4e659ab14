import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext } from '../support/context.ts';
import { lastEmailTo } from '../support/mailbox.ts';
import { pdfText } from '../support/pdf.ts';
import { countingQueries } from '../support/query-counter.ts';
import { addPerson, buildWorld, type World, type WorldPerson } from '../support/world.ts';
import { openDatabase } from '../../src/lib/db/index.ts';
import { pathwayMember } from '../../src/lib/pathway/members.ts';
import { cohortNames, currentChecklist, decideStage, decisionsOf, requestValidation, setCheck, setCohort } from '../../src/lib/pathway/passages.ts';
import { activeRequirements, addRequirement, evaluateRequirements, pathwayFacts, retiredRequirements, retireRequirement } from '../../src/lib/pathway/requirements.ts';
import { updateTraining } from '../../src/lib/sessions/trainings.ts';
import { addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { cohortBoard } from '../../src/lib/pathway/board.ts';
import { issueStageAttestation } from '../../src/lib/attestations/issue.ts';
import { attestationPdf } from '../../src/lib/attestations/records.ts';

let database: TestDatabase;
let world: World;
beforeAll(async () => {
  database = await freshDatabase();
  world = await buildWorld(database.db);
});
afterAll(() => database.drop());

const names = { moduleTitle: (slug: string) => `Module ${slug}`, training: () => undefined };
const stageTitle = (stage: number) => ['', 'Programme découverte', 'Initiation au métier', 'Pôle de formation continue'][stage] ?? `Étape ${stage}`;
const coordination = () => ({ actorId: world.coordinator.id, actorRoles: world.coordinator.roles });

async function completeModule(person: WorldPerson, slug: string) {
  await database.db.insertInto('module_progress').values({ person_id: person.id, module_id: slug, updated_at: new Date(), completed_at: new Date() }).execute();
}

/** A new trainee whose stage 1 is done but for the coordination's tick. */
async function traineeOnStageOne(givenName: string) {
  const person = await addPerson(database.db, { givenName, familyName: 'Parcours', roles: ['trainee'] });
  await completeModule(person, 'decouvrir-la-pair-aidance');
  return person;
}

describe('moving on in the pathway', () => {
  it('the trainee sees what is missing, asks once it is done; the coordination returns, then validates; every decision is kept', async () => {
    const ctx = testContext(database.db);
    const amina = await addPerson(database.db, { givenName: 'Amina', familyName: 'Haddad', roles: ['trainee'] });
    expect(await pathwayMember(database.db, amina.id)).toMatchObject({ stage: 1, validationRequestedAt: null });
    expect(await pathwayMember(database.db, world.professional.id)).toBeUndefined();

    const before = (await currentChecklist(database.db, amina.id, names))!;
    expect(before.statuses.map((s) => [s.met, s.requirement.kind])).toEqual([
      [false, 'module_completed'],
      [false, 'coordinator_check'],
    ]);
    expect(await requestValidation(ctx, { personId: amina.id, names })).toMatchObject({ ok: false, status: 409 });

    await completeModule(amina, 'decouvrir-la-pair-aidance');
    const check = before.statuses[1]!.requirement.id;
    expect(await setCheck(ctx, { actorId: world.trainer.id, actorRoles: world.trainer.roles, personId: amina.id, requirementId: check, checked: true })).toMatchObject({ ok: false, status: 403 });
    expect(await setCheck(ctx, { ...coordination(), personId: amina.id, requirementId: check, checked: true })).toEqual({ ok: true });
    expect((await currentChecklist(database.db, amina.id, names))!.complete).toBe(true);
    expect(await requestValidation(ctx, { personId: amina.id, names })).toEqual({ ok: true });
    expect((await pathwayMember(database.db, amina.id))!.validationRequestedAt).not.toBeNull();

    // Returned: a comment is required, the trainee is told, the request is cleared.
    expect(await decideStage(ctx, { ...coordination(), personId: amina.id, decision: 'returned', comment: ' ', names, stageTitle })).toMatchObject({ ok: false, status: 400 });
    expect(await decideStage(ctx, { ...coordination(), personId: amina.id, decision: 'returned', comment: 'Venez d’abord à une réunion d’équipe.', names, stageTitle })).toMatchObject({ ok: true, stage: 1 });
    expect((await lastEmailTo(database.db, amina.email)).body_text).toContain('Venez d’abord à une réunion d’équipe.');
    expect((await pathwayMember(database.db, amina.id))!.validationRequestedAt).toBeNull();

    // A trainer cannot decide; the coordination validates: the trainee moves to stage 2.
    expect(await decideStage(ctx, { actorId: world.trainer.id, actorRoles: world.trainer.roles, personId: amina.id, decision: 'validated', comment: '', names, stageTitle })).toMatchObject({ ok: false, status: 403 });
    ctx.clock.advance(86_400_000);
    const validated = await decideStage(ctx, { ...coordination(), personId: amina.id, decision: 'validated', comment: 'Belle première étape.', names, stageTitle });
    expect(validated).toMatchObject({ ok: true, stage: 1 });
    expect(await pathwayMember(database.db, amina.id)).toMatchObject({ stage: 2, stageSince: ctx.now() });
    expect((await lastEmailTo(database.db, amina.email)).subject).toBe('Étape validée : Programme découverte');
    expect((await decisionsOf(database.db, amina.id)).map((d) => [d.stage, d.decision, d.comment, d.decidedBy])).toEqual([
      [1, 'returned', 'Venez d’abord à une réunion d’équipe.', 'Julien Morel'],
      [1, 'validated', 'Belle première étape.', 'Julien Morel'],
    ]);
    // Stage 2 is judged now: its own checklist.
    expect((await currentChecklist(database.db, amina.id, names))!.stage).toBe(2);
  });

  it('the stage attestation is issued once from the validation, by the coordination only', async () => {
    const ctx = testContext(database.db);
    const yanis = await traineeOnStageOne('Yanis');
    const check = (await activeRequirements(database.db, 1)).find((r) => r.kind === 'coordinator_check')!.id;
    await setCheck(ctx, { ...coordination(), personId: yanis.id, requirementId: check, checked: true });
    const validated = await decideStage(ctx, { ...coordination(), personId: yanis.id, decision: 'validated', comment: '', names, stageTitle });
    if (!validated.ok) throw new Error(validated.message);
    expect(await issueStageAttestation(ctx, { actorId: yanis.id, actorRoles: yanis.roles, decisionId: validated.decisionId, stageTitle: 'Programme découverte' })).toMatchObject({ ok: false, status: 403 });
    const issued = await issueStageAttestation(ctx, { ...coordination(), decisionId: validated.decisionId, stageTitle: 'Programme découverte' });
    if (!issued.ok) throw new Error(issued.message);
    expect(issued.created).toBe(true);
    expect(await issueStageAttestation(ctx, { ...coordination(), decisionId: validated.decisionId, stageTitle: 'Programme découverte' })).toEqual({ ok: true, id: issued.id, number: issued.number, created: false });
    const pdf = (await attestationPdf(database.db, issued.id, { id: yanis.id, roles: yanis.roles }))!.pdf;
    expect(await pdfText(pdf)).toContain('a validé l’étape « Programme découverte » du parcours de professionnalisation');
    expect((await decisionsOf(database.db, yanis.id)).at(-1)).toMatchObject({ attestationNumber: issued.number });
    expect((await lastEmailTo(database.db, yanis.email)).subject).toBe(`Attestation d’étape du parcours n° ${issued.number}`);
  });

  it('changing the rules never takes a validated stage away; retired rules stay in the history', async () => {
    const ctx = testContext(database.db);
    const lea = await traineeOnStageOne('Léa');
    const check = (await activeRequirements(database.db, 1)).find((r) => r.kind === 'coordinator_check')!;
    await setCheck(ctx, { ...coordination(), personId: lea.id, requirementId: check.id, checked: true });
    await decideStage(ctx, { ...coordination(), personId: lea.id, decision: 'validated', comment: '', names, stageTitle });

    const added = await addRequirement(ctx, { ...coordination(), stage: 1, requirement: { kind: 'mission_hours', quantity: 5 }, knownModule: () => true });
    expect(added).toMatchObject({ ok: true });
    expect(await pathwayMember(database.db, lea.id)).toMatchObject({ stage: 2 });
    expect((await decisionsOf(database.db, lea.id)).filter((d) => d.decision === 'validated').map((d) => d.stage)).toEqual([1]);

    // Someone still on stage 1 now needs the new rule too.
    const noe = await traineeOnStageOne('Noé');
    expect((await currentChecklist(database.db, noe.id, names))!.statuses.map((s) => s.requirement.kind)).toContain('mission_hours');

    if (!added.ok) throw new Error(added.message);
    expect(await retireRequirement(ctx, { actorId: world.trainer.id, actorRoles: world.trainer.roles, requirementId: added.id })).toMatchObject({ ok: false, status: 403 });
    expect(await retireRequirement(ctx, { ...coordination(), requirementId: added.id })).toEqual({ ok: true });
    expect(await retireRequirement(ctx, { ...coordination(), requirementId: added.id })).toMatchObject({ ok: false, status: 404 });
    expect((await currentChecklist(database.db, noe.id, names))!.statuses.map((s) => s.requirement.kind)).not.toContain('mission_hours');
    expect((await retiredRequirements(database.db)).map((r) => r.id)).toContain(added.id);

    expect(await addRequirement(ctx, { ...coordination(), stage: 9, requirement: { kind: 'mission_hours', quantity: 5 }, knownModule: () => true })).toMatchObject({ ok: false, status: 400 });
    expect(await addRequirement(ctx, { ...coordination(), stage: 2, requirement: { kind: 'module_completed', moduleSlug: 'inconnu' }, knownModule: () => false })).toMatchObject({ ok: false, status: 400 });
    expect(await addRequirement(ctx, { ...coordination(), stage: 2, requirement: { kind: 'coordinator_check', label: 'x' }, knownModule: () => true })).toMatchObject({ ok: false, status: 400 });
  });

  it('two coordinators validating at once move the trainee one stage only', async () => {
    const ctx = testContext(database.db);
    const sam = await traineeOnStageOne('Sam');
    const check = (await activeRequirements(database.db, 1)).find((r) => r.kind === 'coordinator_check')!;
    await setCheck(ctx, { ...coordination(), personId: sam.id, requirementId: check.id, checked: true });
    // On PostgreSQL, a second pool stands for a second server instance.
    const other = database.url ? openDatabase({ kind: 'postgres', url: database.url }) : database.db;
    try {
      const outcomes = await Promise.all([ctx, { ...ctx, db: other }].map((c) => decideStage(c, { ...coordination(), personId: sam.id, decision: 'validated', comment: '', names, stageTitle })));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok)).toMatchObject([{ status: 409 }]);
      expect(await pathwayMember(database.db, sam.id)).toMatchObject({ stage: 2 });
    } finally {
      if (other !== database.db) await other.destroy();
    }
  });
});

describe('what a trainee did, as the checklist counts it', () => {
  it('a finished session counts with its attendance rate, and a practice-analysis one towards stage 6', async () => {
    const ctx = testContext(database.db);
    const karim = await addPerson(database.db, { givenName: 'Karim', familyName: 'Intervision', roles: ['trainee'] });
    const training = await addTraining(ctx, world.coordinator, { title: 'Analyse de la pratique entre pairs' });
    const edited = await updateTraining(ctx, { actorId: world.coordinator.id, trainingId: training.id, title: training.title, topic: 'pair-aidance', audience: 'trainees', durationHours: 14, summary: 'Des séances d’intervision entre pairs.', objectives: 'Revenir ensemble sur des situations vécues', moduleId: undefined, practiceKind: 'practice_analysis' });
    expect(edited).toMatchObject({ ok: true });
    await finishedSession(ctx, { coordinator: world.coordinator, trainer: world.trainer, training, participants: [{ person: karim, presence: [true, true, true, false] }] });

    const facts = await pathwayFacts(database.db, karim.id);
    expect(facts.bestAttendance.get(training.id)).toBe(0.75);
    expect(facts).toMatchObject({ practiceAnalysisSessions: 1, supervisionSessions: 0 });
    const rules = [
      { id: 'a', stage: 6, kind: 'training_attended' as const, moduleSlug: null, trainingId: training.id, minAttendance: 0.8, quantity: null, label: null, position: 1 },
      { id: 'b', stage: 6, kind: 'training_attended' as const, moduleSlug: null, trainingId: training.id, minAttendance: 0.7, quantity: null, label: null, position: 2 },
      { id: 'c', stage: 6, kind: 'practice_analysis_sessions' as const, moduleSlug: null, trainingId: null, minAttendance: null, quantity: 1, label: null, position: 3 },
    ];
    expect(evaluateRequirements(rules, facts, names).map((s) => s.met)).toEqual([false, true, true]);
  });
});

describe('the cohort board', () => {
  it('counts by stage, lists who waits and who has not moved, in the same number of queries whatever the cohort', async () => {
    const ctx = testContext(database.db);
    const counting = countingQueries(database.db);
    await cohortBoard(counting.db, { now: ctx.now(), stalledMonths: 6, stage: 1 });
    const small = counting.count();
    for (let i = 0; i < 30; i++) await addPerson(database.db, { givenName: `Cohorte${i}`, familyName: 'Grande', roles: ['trainee'] });
    counting.reset();
    const board = await cohortBoard(counting.db, { now: ctx.now(), stalledMonths: 6, stage: 1 });
    expect(counting.count()).toBe(small);
    expect(board.total).toBe([...board.counts.values()].reduce((a, b) => a + b, 0));
    expect(board.counts.get(2)).toBeGreaterThanOrEqual(3);
    expect(board.stageList!.trainees.length).toBeLessThanOrEqual(50);

    // Nobody has moved in a year from now.
    const later = await cohortBoard(database.db, { now: new Date(ctx.now().getTime() + 400 * 86_400_000), stalledMonths: 12 });
    expect(later.stalled.count).toBe(board.total - (board.counts.get(8) ?? 0));
  });

  it('the trainee’s page costs the same number of queries with a long history', async () => {
    const ctx = testContext(database.db);
    const counting = countingQueries(database.db);
    const zoe = world.trainees[0]!;
    await currentChecklist(counting.db, zoe.id, names);
    await decisionsOf(counting.db, zoe.id);
    const first = counting.count();
    for (let i = 0; i < 10; i++) await decideStage(ctx, { ...coordination(), personId: zoe.id, decision: 'returned', comment: `Retour ${i}`, names, stageTitle });
    counting.reset();
    await currentChecklist(counting.db, zoe.id, names);
    await decisionsOf(counting.db, zoe.id);
    expect(counting.count()).toBe(first);
  });

  it('the coordination puts a trainee in a promotion, without counting it as an advance; others may not', async () => {
    const ctx = testContext(database.db);
    const yanis = await addPerson(database.db, { givenName: 'Yanis', familyName: 'Promo', roles: ['trainee'] });
    const since = (await pathwayMember(database.db, yanis.id))!.stageSince;

    expect(await setCohort(ctx, { actorId: world.trainer.id, actorRoles: world.trainer.roles, personId: yanis.id, cohort: 'Promotion 2027' })).toMatchObject({ ok: false, status: 403 });
    expect(await setCohort(ctx, { ...coordination(), personId: world.professional.id, cohort: 'Promotion 2027' })).toMatchObject({ ok: false, status: 404 });
    expect((await pathwayMember(database.db, yanis.id))!.cohort).toBeNull();

    expect(await setCohort(ctx, { ...coordination(), personId: yanis.id, cohort: 'Promotion 2027' })).toEqual({ ok: true });
    const member = (await pathwayMember(database.db, yanis.id))!;
    expect(member).toMatchObject({ cohort: 'Promotion 2027', stage: 1 });
    expect(member.stageSince.getTime()).toBe(since.getTime());
    expect(await cohortNames(database.db)).toContain('Promotion 2027');
    const audit = await database.db.selectFrom('audit_event').select(['action', 'details']).where('subject_person_id', '=', yanis.id).execute();
    expect(audit).toEqual([{ action: 'pathway.cohort_set', details: { from: null, to: 'Promotion 2027' } }]);

    expect(await setCohort(ctx, { ...coordination(), personId: yanis.id, cohort: undefined })).toEqual({ ok: true });
    expect((await pathwayMember(database.db, yanis.id))!.cohort).toBeNull();
  });
});
