import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { testContext } from '../support/context.ts';
import { emailsTo, lastEmailTo } from '../support/mailbox.ts';
import { addPerson, buildWorld, type World, type WorldPerson } from '../support/world.ts';
import type { Database } from '../../src/lib/db/index.ts';
import {
  deleteMission,
  logMission,
  missionsOf,
  missionsToReview,
  resubmitMission,
  reviewMission,
  validatedMissionMinutes,
  type MissionFields,
} from '../../src/lib/pathway/missions.ts';
import { isReferentOf, referentsOf, setReferents, traineesAccompaniedBy } from '../../src/lib/pathway/referents.ts';
import { exportPersonalData, eraseAccount } from '../../src/lib/accounts/personal-data.ts';

let database: TestDatabase;
let world: World;
let camille: WorldPerson;
/** A salaried peer mediator of a partner structure, who has an account as a trainer. */
let pair: WorldPerson;
/** An experienced peer mediator, Camille's peer referent. */
let peerReferent: WorldPerson;
beforeAll(async () => {
  database = await freshDatabase();
  world = await buildWorld(database.db);
  camille = world.trainees[0]!;
  pair = await addPerson(database.db, { givenName: 'Inès', familyName: 'Garcia', roles: ['trainer'] });
  peerReferent = await addPerson(database.db, { givenName: 'Moussa', familyName: 'Diallo', roles: ['trainer'] });
});
afterAll(() => database.drop());

/** The passage flow is tested with the pathway core; here the stage is set directly. */
async function setStage(db: Database, personId: string, stage: number) {
  await db
    .insertInto('pathway_member')
    .values({ person_id: personId, stage })
    .onConflict((oc) => oc.column('person_id').doUpdateSet({ stage }))
    .execute();
}

const mission = (over: Partial<MissionFields> = {}): MissionFields => ({
  doneOn: '2026-11-18',
  minutes: 150,
  kind: 'group',
  partnerStructure: 'GEM Le Fil, Marseille',
  pairName: 'Inès Garcia',
  pairEmail: pair.email,
  ...over,
});

const missionCount = async (personId: string) =>
  Number((await database.db.selectFrom('volunteer_mission').select((eb) => eb.fn.countAll<number>().as('n')).where('person_id', '=', personId).executeTakeFirstOrThrow()).n);

describe('a trainee’s missions in binôme, from the referents to the validated hours', () => {
  it('goes through the whole story', async () => {
    const ctx = testContext(database.db);
    const coordinator = world.coordinator;

    // The coordination chooses Camille's two referents; each is told by email.
    const set = await setReferents(ctx, {
      actorId: coordinator.id,
      actorRoles: coordinator.roles,
      personId: camille.id,
      professionalReferent: { email: world.professional.email.toUpperCase() },
      peerReferent: { id: peerReferent.id },
    });
    expect(set).toMatchObject({ ok: true, professionalReferentId: world.professional.id, peerReferentId: peerReferent.id });
    const told = await lastEmailTo(database.db, world.professional.email);
    expect(told.subject).toBe('Vous accompagnez Camille Martin dans son parcours');
    expect(told.body_text).toContain('référent·e professionnel·le');
    expect(told.body_text).toContain('http://parcours.test/accompagnement');
    expect((await lastEmailTo(database.db, peerReferent.email)).body_text).toContain('pair référent·e');
    const referents = await referentsOf(database.db, camille.id);
    expect(referents.professional).toMatchObject({ givenName: 'Karim', roles: ['professional'] });
    expect(referents.peer).toMatchObject({ givenName: 'Moussa', roles: ['trainer'] });
    expect(await isReferentOf(database.db, peerReferent.id, camille.id)).toBe(true);
    expect(await isReferentOf(database.db, pair.id, camille.id)).toBe(false);
    expect((await traineesAccompaniedBy(database.db, peerReferent.id)).map((t) => [t.personId, t.stage, t.as])).toEqual([[camille.id, 1, ['peer']]]);
    const audit = await database.db.selectFrom('audit_event').select(['action', 'actor_id']).where('subject_person_id', '=', camille.id).execute();
    expect(audit).toContainEqual({ action: 'pathway.referents_set', actor_id: coordinator.id });

    // Setting the same referents again tells nobody twice.
    const before = (await emailsTo(database.db, world.professional.email)).length;
    await setReferents(ctx, { actorId: coordinator.id, actorRoles: coordinator.roles, personId: camille.id, professionalReferent: { id: world.professional.id } });
    expect(await emailsTo(database.db, world.professional.email)).toHaveLength(before);

    // On stage 1, missions have not started yet: an encouraging refusal.
    const early = await logMission(ctx, { actorId: camille.id, ...mission() });
    expect(early).toMatchObject({ ok: false, status: 409 });
    if (!early.ok) expect(early.message).toContain('initiation au métier');
    expect(await missionCount(camille.id)).toBe(0);

    // On stage 2, Camille logs a mission done with Inès, who has an account: Inès is asked to validate.
    await setStage(database.db, camille.id, 2);
    const logged = await logMission(ctx, { actorId: camille.id, ...mission() });
    expect(logged).toMatchObject({ ok: true });
    const missionId = logged.ok ? logged.id : '';
    expect(await missionsOf(database.db, camille.id)).toMatchObject([{ id: missionId, stage: 2, minutes: 150, kind: 'group', status: 'submitted', pairName: 'Inès Garcia' }]);
    const asked = await lastEmailTo(database.db, pair.email);
    expect(asked.subject).toBe('Une mission en binôme à valider : Camille Martin');
    expect(asked.body_text).toContain('Groupe, le 18/11/2026, 2 h 30, avec GEM Le Fil, Marseille');

    // Inès sees it to review, as the pair; the referents see it too.
    expect(await missionsToReview(database.db, pair.id)).toMatchObject([{ id: missionId, traineeName: 'Camille Martin', as: 'pair' }]);
    expect(await missionsToReview(database.db, peerReferent.id)).toMatchObject([{ id: missionId, as: 'referent' }]);
    expect(await missionsToReview(database.db, camille.id)).toEqual([]);

    // Inès returns it: the duration was 2 h, not 2 h 30. A return needs a comment.
    expect(await reviewMission(ctx, { actorId: pair.id, missionId, decision: 'returned', comment: '  ' })).toMatchObject({ ok: false, status: 400 });
    expect(await reviewMission(ctx, { actorId: pair.id, missionId, decision: 'returned', comment: 'Nous sommes restés 2 h, pas 2 h 30.' })).toEqual({ ok: true });
    const returned = await lastEmailTo(database.db, camille.email);
    expect(returned.subject).toBe('Mission à compléter : 18/11/2026');
    expect(returned.body_text).toContain('« Nous sommes restés 2 h, pas 2 h 30. »');
    expect(await missionsOf(database.db, camille.id)).toMatchObject([{ status: 'returned', reviewComment: 'Nous sommes restés 2 h, pas 2 h 30.', reviewerName: 'Inès Garcia' }]);
    expect(await missionsToReview(database.db, pair.id)).toEqual([]);
    // A returned mission waits for its correction: no second review meanwhile.
    expect(await reviewMission(ctx, { actorId: peerReferent.id, missionId, decision: 'validated' })).toMatchObject({ ok: false, status: 409 });

    // Camille corrects it and sends it again; a referent validates it.
    expect(await resubmitMission(ctx, { actorId: camille.id, missionId, ...mission({ minutes: 120 }) })).toEqual({ ok: true });
    expect(await missionsOf(database.db, camille.id)).toMatchObject([{ status: 'submitted', minutes: 120, reviewComment: null }]);
    expect(await validatedMissionMinutes(database.db, camille.id)).toEqual(new Map());
    expect(await reviewMission(ctx, { actorId: peerReferent.id, missionId, decision: 'validated', comment: 'Belle animation du groupe.' })).toEqual({ ok: true });
    const validated = await lastEmailTo(database.db, camille.email);
    expect(validated.subject).toBe('Mission validée : 2 h le 18/11/2026');
    expect(validated.body_text).toContain('Moussa Diallo a validé votre mission');
    expect(validated.body_text).toContain('comptent pour votre étape 2');

    // A second mission, on stage 3, validated by the pair: the minutes are counted per stage.
    await setStage(database.db, camille.id, 3);
    const second = await logMission(ctx, { actorId: camille.id, ...mission({ doneOn: '2026-11-23', minutes: 45, kind: 'helpline' }) });
    expect(second).toMatchObject({ ok: true, id: expect.any(String) });
    expect(await reviewMission(ctx, { actorId: pair.id, missionId: second.ok ? second.id : '', decision: 'validated' })).toEqual({ ok: true });
    expect(await validatedMissionMinutes(database.db, camille.id)).toEqual(
      new Map([
        [2, 120],
        [3, 45],
      ]),
    );

    // A validated mission is final: no new review, no correction, no deletion.
    expect(await reviewMission(ctx, { actorId: pair.id, missionId, decision: 'returned', comment: 'Finalement non.' })).toMatchObject({ ok: false, status: 409 });
    expect(await resubmitMission(ctx, { actorId: camille.id, missionId, ...mission({ minutes: 600 }) })).toMatchObject({ ok: false, status: 409 });
    expect(await deleteMission(ctx, { actorId: camille.id, missionId })).toMatchObject({ ok: false, status: 409 });
    expect((await missionsOf(database.db, camille.id)).find((m) => m.id === missionId)).toMatchObject({ status: 'validated', minutes: 120 });

    const actions = (await database.db.selectFrom('audit_event').select('action').where('subject_person_id', '=', camille.id).orderBy('id').execute()).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['pathway.mission_logged', 'pathway.mission_returned', 'pathway.mission_resubmitted', 'pathway.mission_validated']));
  });

  it('lets the trainee delete a mission not yet validated', async () => {
    const ctx = testContext(database.db);
    const zoe = world.trainees[1]!;
    await setStage(database.db, zoe.id, 2);
    const logged = await logMission(ctx, { actorId: zoe.id, ...mission({ pairEmail: undefined }) });
    const id = logged.ok ? logged.id : '';
    // Someone else cannot delete it, nor learn that it exists.
    expect(await deleteMission(ctx, { actorId: camille.id, missionId: id })).toMatchObject({ ok: false, status: 404 });
    expect(await deleteMission(ctx, { actorId: zoe.id, missionId: id })).toEqual({ ok: true });
    expect(await missionsOf(database.db, zoe.id)).toEqual([]);
  });
});

describe('refusals', () => {
  it('only the pair or a referent reviews; anyone else is told the mission does not exist', async () => {
    const ctx = testContext(database.db);
    const lukasz = world.trainees[2]!;
    await setStage(database.db, lukasz.id, 2);
    const logged = await logMission(ctx, { actorId: lukasz.id, ...mission() });
    const missionId = logged.ok ? logged.id : '';
    const otherTrainer = await addPerson(database.db, { givenName: 'Paul', familyName: 'Roux', roles: ['trainer'] });
    for (const who of [lukasz, otherTrainer, world.coordinator, world.admin, camille]) {
      const outcome = await reviewMission(ctx, { actorId: who.id, missionId, decision: 'validated' });
      expect(outcome, who.givenName).toEqual({ ok: false, status: 404, message: 'Cette mission est introuvable.' });
      expect(await missionsToReview(database.db, who.id)).not.toContainEqual(expect.objectContaining({ id: missionId }));
    }
    expect(await reviewMission(ctx, { actorId: pair.id, missionId: 'pas-un-id', decision: 'validated' })).toMatchObject({ ok: false, status: 404 });
    expect((await missionsOf(database.db, lukasz.id))[0]).toMatchObject({ status: 'submitted' });
    // Camille's referent is not Łukasz's.
    expect(await isReferentOf(database.db, peerReferent.id, lukasz.id)).toBe(false);
  });

  it('only the coordination sets referents, among the people who may be one', async () => {
    const ctx = testContext(database.db);
    const zoe = world.trainees[1]!;
    const asCoordinator = { actorId: world.coordinator.id, actorRoles: world.coordinator.roles, personId: zoe.id };
    const forbidden = await setReferents(ctx, { actorId: world.trainer.id, actorRoles: world.trainer.roles, personId: zoe.id, peerReferent: { id: world.trainer.id } });
    expect(forbidden).toMatchObject({ ok: false, status: 403 });

    const refusals: Array<[Parameters<typeof setReferents>[1], 'professional' | 'peer', string]> = [
      [{ ...asCoordinator, professionalReferent: { email: 'personne@inconnue.fr' } }, 'professional', 'aucun compte ne porte cette adresse'],
      [{ ...asCoordinator, professionalReferent: { id: zoe.id } }, 'professional', 'sa propre référente'],
      // A trainee still in the pathway is neither a professional nor an experienced peer.
      [{ ...asCoordinator, professionalReferent: { id: camille.id } }, 'professional', 'le rôle professionnel·le, formateur·rice ou coordinateur·rice'],
      [{ ...asCoordinator, peerReferent: { id: camille.id } }, 'peer', 'une personne qui a terminé le parcours'],
      [{ ...asCoordinator, peerReferent: { id: world.professional.id } }, 'peer', 'une personne qui a terminé le parcours'],
      [{ ...asCoordinator, professionalReferent: { id: world.trainer.id }, peerReferent: { id: world.trainer.id } }, 'peer', 'une autre personne'],
    ];
    for (const [input, field, words] of refusals) {
      const outcome = await setReferents(ctx, input);
      expect(outcome).toMatchObject({ ok: false, status: 400, field });
      if (!outcome.ok) expect(outcome.message).toContain(words);
    }
    expect(await referentsOf(database.db, zoe.id)).toEqual({ professional: null, peer: null });
    expect(await setReferents(ctx, { ...asCoordinator, personId: world.professional.id, peerReferent: null })).toMatchObject({ ok: false, status: 404 });

    // Someone who completed the pathway may be a peer referent; a referent can be cleared.
    const graduate = await addPerson(database.db, { givenName: 'Aïcha', familyName: 'Benali', roles: ['trainee'] });
    await setStage(database.db, graduate.id, 8);
    expect(await setReferents(ctx, { ...asCoordinator, peerReferent: { email: graduate.email } })).toMatchObject({ ok: true, peerReferentId: graduate.id });
    expect(await isReferentOf(database.db, graduate.id, zoe.id)).toBe(true);
    expect(await setReferents(ctx, { ...asCoordinator, peerReferent: null })).toMatchObject({ ok: true, peerReferentId: null });
    expect(await isReferentOf(database.db, graduate.id, zoe.id)).toBe(false);
  });

  it('bad input gets a French 400 naming the field, and writes nothing', async () => {
    const ctx = testContext(database.db);
    const lukasz = world.trainees[2]!;
    await setStage(database.db, lukasz.id, 2);
    const count = await missionCount(lukasz.id);
    const cases: Array<[Partial<MissionFields>, keyof MissionFields, string]> = [
      [{ doneOn: '2026-11-24' }, 'doneOn', 'aujourd’hui au plus tard'],
      [{ doneOn: '2009-12-31' }, 'doneOn', 'au plus tôt'],
      [{ doneOn: '2026-02-30' }, 'doneOn', 'jj/mm/aaaa'],
      [{ minutes: 5 }, 'minutes', 'entre 15 minutes et 12 heures'],
      [{ minutes: 721 }, 'minutes', 'entre 15 minutes et 12 heures'],
      [{ partnerStructure: '   ' }, 'partnerStructure', 'Structure partenaire : ce champ est obligatoire.'],
      [{ kind: 'therapy' }, 'kind', 'Type de mission : choisissez'],
      [{ pairName: '' }, 'pairName', 'Nom de votre binôme'],
      [{ pairEmail: 'pas-une-adresse' }, 'pairEmail', 'nom@exemple.fr'],
      [{ pairEmail: lukasz.email }, 'pairEmail', 'pas la vôtre'],
    ];
    for (const [over, field, words] of cases) {
      const outcome = await logMission(ctx, { actorId: lukasz.id, ...mission(over) });
      expect(outcome, JSON.stringify(over)).toMatchObject({ ok: false, status: 400, errors: { [field]: expect.stringContaining(words) } });
    }
    // Today (in Paris) is accepted.
    expect(await logMission(ctx, { actorId: lukasz.id, ...mission({ doneOn: '2026-11-23' }) })).toMatchObject({ ok: true });
    expect(await missionCount(lukasz.id)).toBe(count + 1);
  });

  it('a pair address that matches no one, or only another trainee, is kept as a name: the referents validate', async () => {
    const ctx = testContext(database.db);
    const nina = await addPerson(database.db, { givenName: 'Nina', familyName: 'Petit', roles: ['trainee'] });
    await setStage(database.db, nina.id, 2);
    await setReferents(ctx, { actorId: world.coordinator.id, actorRoles: world.coordinator.roles, personId: nina.id, peerReferent: { id: peerReferent.id } });
    const unknown = await logMission(ctx, { actorId: nina.id, ...mission({ pairEmail: 'binome@structure-partenaire.fr', pairName: 'Léa Fontaine' }) });
    const friend = await logMission(ctx, { actorId: nina.id, ...mission({ pairEmail: camille.email, pairName: 'Camille Martin' }) });
    expect(unknown).toMatchObject({ ok: true });
    expect(friend).toMatchObject({ ok: true });
    const rows = await database.db.selectFrom('volunteer_mission').select(['pair_id', 'pair_name']).where('person_id', '=', nina.id).orderBy('pair_name').execute();
    expect(rows).toEqual([
      { pair_id: null, pair_name: 'Camille Martin' },
      { pair_id: null, pair_name: 'Léa Fontaine' },
    ]);
    expect(await emailsTo(database.db, 'binome@structure-partenaire.fr')).toEqual([]);
    // Camille, a trainee, cannot validate Nina's hours; Nina's referent can.
    expect(await reviewMission(ctx, { actorId: camille.id, missionId: friend.ok ? friend.id : '', decision: 'validated' })).toMatchObject({ status: 404 });
    expect((await missionsToReview(database.db, peerReferent.id)).filter((m) => m.traineeId === nina.id)).toHaveLength(2);
  });

  it('someone outside the pathway cannot log a mission', async () => {
    const ctx = testContext(database.db);
    const outcome = await logMission(ctx, { actorId: world.professional.id, ...mission() });
    expect(outcome).toMatchObject({ ok: false, status: 403 });
    expect(await missionCount(world.professional.id)).toBe(0);
  });
});

describe('personal data', () => {
  it('a trainee’s download holds their missions without anyone’s address, and erasure removes them', async () => {
    const ctx = testContext(database.db);
    const leo = await addPerson(database.db, { givenName: 'Léo', familyName: 'Blanc', roles: ['trainee'] });
    await setStage(database.db, leo.id, 2);
    const logged = await logMission(ctx, { actorId: leo.id, ...mission() });
    await reviewMission(ctx, { actorId: pair.id, missionId: logged.ok ? logged.id : '', decision: 'validated', comment: 'Merci !' });
    const data = await exportPersonalData(database.db, leo.id);
    expect(data.missions).toMatchObject([{ stage: 2, kind: 'Groupe', pair: 'Inès Garcia', status: 'Validée', reviewedBy: 'Inès Garcia', reviewComment: 'Merci !' }]);
    expect(JSON.stringify(data.missions)).not.toContain(pair.email);

    expect(await eraseAccount(ctx, { personId: leo.id, password: leo.password })).toEqual({ ok: true });
    expect(await missionCount(leo.id)).toBe(0);
  });

  it('an erased pair’s name leaves the missions that named them, and an erased referent stops being one', async () => {
    const ctx = testContext(database.db);
    const sam = await addPerson(database.db, { givenName: 'Sam', familyName: 'Leroy', roles: ['trainee'] });
    const leaving = await addPerson(database.db, { givenName: 'Hugo', familyName: 'Marchand', roles: ['trainer'] });
    await setStage(database.db, sam.id, 2);
    await setReferents(ctx, { actorId: world.coordinator.id, actorRoles: world.coordinator.roles, personId: sam.id, peerReferent: { id: leaving.id } });
    await logMission(ctx, { actorId: sam.id, ...mission({ pairEmail: leaving.email, pairName: 'Hugo Marchand' }) });
    expect(await eraseAccount(ctx, { personId: leaving.id, password: leaving.password })).toEqual({ ok: true });
    expect(await missionsOf(database.db, sam.id)).toMatchObject([{ pairName: 'Personne effacée', status: 'submitted' }]);
    expect(await referentsOf(database.db, sam.id)).toEqual({ professional: null, peer: null });
  });
});
