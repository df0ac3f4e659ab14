import { randomUUID } from 'node:crypto';
import type { APIRequestContext } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import { signedInRequest, visibleText } from './support/security.ts';
import type { Database } from '../../src/lib/db/index.ts';
import { newCodeSecret } from '../../src/lib/attendance/codes.ts';
import { issueAttestation } from '../../src/lib/attestations/issue.ts';
import { logMission } from '../../src/lib/pathway/missions.ts';
import { startExport } from '../../src/lib/reporting/exports/jobs.ts';
import { enrol } from '../../src/lib/sessions/enrolment.ts';
import { sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { parisDay } from '../../src/lib/time.ts';
import { testContext } from '../support/context.ts';
import { finishedSession } from '../support/finished-session.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import type { WorldPerson } from '../support/world.ts';

/**
 * One person reaching for another's things by their id: attestations, carnet de bord, missions,
 * results, personal data, exports, the half-days of another trainer's session. Each attempt is
 * answered « not found » (or 403 for a trainer's pages) and changes nothing, while the owner, in
 * the same test, gets the thing: the refusal comes from the ownership, not from a broken address.
 */

const NOT_FOUND_PAGE = 'Page introuvable';

async function expectNotFound(request: APIRequestContext, path: string, secrets: string[] = []) {
  const response = await request.get(path);
  expect(response.status(), path).toBe(404);
  const text = await response.text();
  for (const secret of secrets) expect(text, `${path} shows ${secret}`).not.toContain(secret);
  return text;
}

async function inPathway(db: Database, trainee: WorldPerson, referents: { professional?: WorldPerson } = {}) {
  await db.insertInto('pathway_member').values({ person_id: trainee.id, stage: 2, professional_referent_id: referents.professional?.id ?? null }).execute();
}

test('a trainee cannot download another trainee’s attestation or Open Badge', async ({ playwright, person, db, baseURL }) => {
  const coordinator = await person({ givenName: 'Coord', familyName: 'Idor', roles: ['coordinator'] });
  const trainer = await person({ givenName: 'Form', familyName: 'Idor', roles: ['trainer'] });
  const alice = await person({ givenName: 'Alice', familyName: 'Curieuse', roles: ['trainee'] });
  const bruno = await person({ givenName: 'Bruno', familyName: 'Titulaire', roles: ['trainee'] });
  const ctx = testContext(db, new Date());
  const sessionId = await finishedSession(ctx, { coordinator, trainer, training: await addTraining(ctx, coordinator), participants: [{ person: alice, presence: [true, true, true, true] }, { person: bruno, presence: [true, true, true, true] }] });
  const issue = async (who: WorldPerson) => {
    const issued = await issueAttestation(ctx, { actorId: coordinator.id, actorRoles: coordinator.roles, sessionId, personId: who.id, kind: 'completion_certificate' });
    if (!issued.ok) throw new Error(issued.message);
    return issued;
  };
  const [mine, theirs] = [await issue(alice), await issue(bruno)];

  const { request: asAlice } = await signedInRequest(playwright, db, baseURL!, alice);
  const own = await asAlice.get(`/attestations/${mine.id}/pdf`);
  expect(own.status()).toBe(200);
  expect(own.headers()['content-type']).toBe('application/pdf');
  expect((await asAlice.get(`/attestations/${mine.id}/open-badge`)).status()).toBe(200);
  for (const path of [`/attestations/${theirs.id}/pdf`, `/attestations/${theirs.id}/open-badge`])
    expect(visibleText(await expectNotFound(asAlice, path, [bruno.familyName, theirs.number]))).toContain(NOT_FOUND_PAGE);
  // Her list names her attestation only.
  const list = await (await asAlice.get('/mes-attestations')).text();
  expect(list).toContain(mine.number);
  expect(list).not.toContain(theirs.number);
  await asAlice.dispose();
});

test('a trainee can neither read nor change another trainee’s carnet de bord; a referent reads only what was shared with them', async ({ playwright, person, db, baseURL }) => {
  const referent = await person({ givenName: 'Karim', familyName: 'Référent', roles: ['professional'] });
  const stranger = await person({ givenName: 'Paul', familyName: 'Étranger', roles: ['professional'] });
  const alice = await person({ givenName: 'Alice', familyName: 'Carnet', roles: ['trainee'] });
  const bruno = await person({ givenName: 'Bruno', familyName: 'Carnet', roles: ['trainee'] });
  await inPathway(db, alice);
  await inPathway(db, bruno, { professional: referent });
  const secret = `PRIVE-${randomUUID()}`;
  const shared = `PARTAGE-${randomUUID()}`;
  const note = (body: string, sharedAt: Date | null) =>
    db.insertInto('journal_entry').values({ author_id: bruno.id, stage: 2, body, written_at: new Date(), updated_at: new Date(), shared_at: sharedAt }).returning(['id']).executeTakeFirstOrThrow();
  const [privateNote, sharedNote] = [await note(secret, null), await note(shared, new Date())];
  const snapshot = () => db.selectFrom('journal_entry').select(['id', 'body', 'stage', 'shared_at', 'updated_at']).where('author_id', '=', bruno.id).orderBy('id').execute();
  const before = await snapshot();

  const { request: asAlice } = await signedInRequest(playwright, db, baseURL!, alice);
  // Every way the page takes a note's id: to edit, to confirm a deletion, to show a message.
  const page = await (await asAlice.get(`/mon-parcours/carnet?modifier=${privateNote.id}&supprimer=${privateNote.id}&note=${sharedNote.id}&info=modifiee`)).text();
  expect(page).not.toContain(secret);
  expect(page).not.toContain(shared);
  const attempts: Array<Record<string, string>> = [
    { intent: 'update', entry: privateNote.id, stage: '2', body: 'Réécrit par une autre.' },
    { intent: 'delete', entry: privateNote.id },
    { intent: 'share', entry: privateNote.id },
    { intent: 'unshare', entry: sharedNote.id },
    { intent: 'delete', entry: sharedNote.id },
  ];
  for (const form of attempts) {
    const response = await asAlice.post('/mon-parcours/carnet', { form });
    expect(response.status(), form.intent).toBe(404);
    expect(visibleText(await response.text())).toContain('Cette note n’existe pas, ou plus.');
  }
  expect(await snapshot()).toEqual(before);

  const { request: asStranger } = await signedInRequest(playwright, db, baseURL!, stranger);
  const strangerPage = await (await asStranger.get('/accompagnement/carnets')).text();
  expect(strangerPage).not.toContain(shared);
  const { request: asReferent } = await signedInRequest(playwright, db, baseURL!, referent);
  const referentPage = await (await asReferent.get('/accompagnement/carnets')).text();
  expect(referentPage).toContain(shared);
  expect(referentPage).not.toContain(secret);
  await Promise.all([asAlice.dispose(), asStranger.dispose(), asReferent.dispose()]);
});

test('missions: another trainee cannot delete, correct or validate them; neither can a professional who is not the referent', async ({ playwright, person, db, baseURL }) => {
  const referent = await person({ givenName: 'Karim', familyName: 'RéférentMission', roles: ['professional'] });
  const stranger = await person({ givenName: 'Paul', familyName: 'ÉtrangerMission', roles: ['professional'] });
  const alice = await person({ givenName: 'Alice', familyName: 'Mission', roles: ['trainee'] });
  const bruno = await person({ givenName: 'Bruno', familyName: 'Mission', roles: ['trainee'] });
  await inPathway(db, alice);
  await inPathway(db, bruno, { professional: referent });
  const ctx = testContext(db, new Date());
  const yesterday = parisDay(new Date(Date.now() - 86_400_000));
  const structure = `GEM-${randomUUID().slice(0, 8)}`;
  const log = async () => {
    const logged = await logMission(ctx, { actorId: bruno.id, doneOn: yesterday, minutes: 120, kind: 'workshop', partnerStructure: structure, pairName: 'Inès Garcia' });
    if (!logged.ok) throw new Error(logged.message);
    return logged.id;
  };
  const [returned, submitted] = [await log(), await log()];
  await db.updateTable('volunteer_mission').set({ status: 'returned', reviewed_by: referent.id, reviewed_at: new Date(), review_comment: 'À préciser.' }).where('id', '=', returned).execute();
  const snapshot = () => db.selectFrom('volunteer_mission').selectAll().where('person_id', '=', bruno.id).orderBy('id').execute();
  const before = await snapshot();

  const { request: asAlice } = await signedInRequest(playwright, db, baseURL!, alice);
  expect(await (await asAlice.get(`/mon-parcours/missions?corriger=${returned}`)).text()).not.toContain(structure);
  const fields = { doneOn: yesterday, hours: '3', minutes: '0', kind: 'group', partnerStructure: 'Ailleurs', pairName: 'Quelqu’un' };
  const attempts: Array<Record<string, string>> = [{ intent: 'delete', mission: returned }, { intent: 'delete', mission: submitted }, { intent: 'resubmit', mission: returned, ...fields }];
  for (const form of attempts) {
    const response = await asAlice.post('/mon-parcours/missions', { form });
    expect(response.status(), form.intent).toBe(404);
    expect(visibleText(await response.text())).toContain('Cette mission est introuvable.');
  }
  const { request: asStranger } = await signedInRequest(playwright, db, baseURL!, stranger);
  const { request: asBruno } = await signedInRequest(playwright, db, baseURL!, bruno);
  for (const [who, request] of [['Alice', asAlice], ['un professionnel sans lien', asStranger], ['Bruno lui-même', asBruno]] as const) {
    const review = await request.post('/accompagnement', { form: { mission: submitted, decision: 'validated' } });
    expect(review.status(), who).toBe(404);
  }
  expect(await snapshot()).toEqual(before);
  expect(await (await asStranger.get('/accompagnement')).text()).not.toContain(structure);

  // The referent may: the refusals above were about who asked.
  const { request: asReferent } = await signedInRequest(playwright, db, baseURL!, referent);
  expect((await asReferent.post('/accompagnement', { form: { mission: submitted, decision: 'validated' } })).status()).toBe(303);
  expect((await db.selectFrom('volunteer_mission').select('status').where('id', '=', submitted).executeTakeFirstOrThrow()).status).toBe('validated');
  await Promise.all([asAlice.dispose(), asStranger.dispose(), asBruno.dispose(), asReferent.dispose()]);
});

test('results are recorded for the signed-in learner only, whatever the statement claims', async ({ playwright, person, db, baseURL }) => {
  const alice = await person({ givenName: 'Alice', familyName: 'Xapi', roles: ['trainee'] });
  const bruno = await person({ givenName: 'Bruno', familyName: 'Xapi', roles: ['trainee'] });
  const { request: asAlice } = await signedInRequest(playwright, db, baseURL!, alice);
  const response = await asAlice.post('/api/xapi', {
    data: {
      moduleId: 'retablissement',
      activityId: 'retablissement-quiz',
      personId: bruno.id,
      actor: { mbox: `mailto:${bruno.email}` },
      statement: { id: randomUUID(), actor: { mbox: `mailto:${bruno.email}`, account: { name: bruno.id } }, verb: { id: 'http://adlnet.gov/expapi/verbs/answered' }, result: { score: { raw: 6, max: 6, scaled: 1 } } },
    },
  });
  expect(response.status()).toBe(201);
  expect(await db.selectFrom('activity_result').select('id').where('person_id', '=', bruno.id).execute()).toEqual([]);
  expect(await db.selectFrom('activity_result').select('id').where('person_id', '=', alice.id).execute()).toHaveLength(1);
  await asAlice.dispose();
});

test('the personal-data download holds the signed-in person’s data, and nobody else’s', async ({ playwright, person, db, baseURL }) => {
  const referent = await person({ givenName: 'Karim', familyName: 'Données', roles: ['professional'] });
  const alice = await person({ givenName: 'Alice', familyName: 'Données', roles: ['trainee'] });
  const bruno = await person({ givenName: 'Bruno', familyName: 'Autrui', roles: ['trainee'] });
  await inPathway(db, alice, { professional: referent });
  await inPathway(db, bruno, { professional: referent });
  const marker = `BRUNO-${randomUUID()}`;
  await db.insertInto('journal_entry').values({ author_id: bruno.id, stage: 2, body: marker, written_at: new Date(), updated_at: new Date(), shared_at: new Date() }).execute();
  const ctx = testContext(db, new Date());
  await logMission(ctx, { actorId: bruno.id, doneOn: parisDay(new Date()), minutes: 60, kind: 'group', partnerStructure: marker.slice(0, 40), pairName: 'Alice Données', pairEmail: alice.email });
  await ctx.mail({ to: bruno.email, personId: bruno.id, subject: `Pour Bruno ${marker}`, text: marker });

  const { request: asAlice } = await signedInRequest(playwright, db, baseURL!, alice);
  const response = await asAlice.get('/mon-compte/donnees');
  expect(response.status()).toBe(200);
  const text = await response.text();
  const data = JSON.parse(text) as { person: { id: string; email: string } };
  expect(data.person).toMatchObject({ id: alice.id, email: alice.email });
  for (const other of [bruno.email, bruno.id, marker, marker.slice(0, 40), referent.email]) expect(text).not.toContain(other);
  await asAlice.dispose();
});

test('an export is its requester’s alone: another coordinator is told it does not exist', async ({ playwright, person, db, baseURL }) => {
  const owner = await person({ givenName: 'Coord', familyName: 'Demandeuse', roles: ['coordinator'] });
  const colleague = await person({ givenName: 'Coord', familyName: 'Collègue', roles: ['coordinator'] });
  const started = await startExport(testContext(db, new Date()), { actorId: owner.id, actorRoles: owner.roles, kind: 'missions', params: {} });
  if (!started.ok) throw new Error(started.message);
  await started.completion;
  const paths = [`/coordination/exports/${started.exportId}`, `/coordination/exports/${started.exportId}/fichier`, `/api/exports/${started.exportId}`];

  const { request: asOwner } = await signedInRequest(playwright, db, baseURL!, owner);
  for (const path of paths) expect((await asOwner.get(path)).status(), path).toBe(200);
  const { request: asColleague } = await signedInRequest(playwright, db, baseURL!, colleague);
  for (const path of paths) expect((await asColleague.get(path)).status(), path).toBe(404);
  expect(await (await asColleague.get('/coordination/exports')).text()).not.toContain(started.exportId);
  await Promise.all([asOwner.dispose(), asColleague.dispose()]);
});

test('a trainer cannot open or act on another trainer’s session, nor sign for someone not enrolled', async ({ playwright, person, db, baseURL }) => {
  const coordinator = await person({ givenName: 'Coord', familyName: 'Séances', roles: ['coordinator'] });
  const trainer = await person({ givenName: 'Nadia', familyName: 'Animatrice', roles: ['trainer'] });
  const other = await person({ givenName: 'Olivier', familyName: 'Autre', roles: ['trainer'] });
  const alice = await person({ givenName: 'Alice', familyName: 'Inscrite', roles: ['trainee'] });
  const bruno = await person({ givenName: 'Bruno', familyName: 'PasInscrit', roles: ['trainee'] });
  const ctx = testContext(db, new Date());
  const sessionId = await addSession(ctx, { coordinator, trainers: [trainer], training: await addTraining(ctx, coordinator) });
  await enrol(ctx, { actorId: alice.id, actorRoles: alice.roles, personId: alice.id, sessionId });
  const slot = (await sessionOverview(db, sessionId))!.slots[0]!;
  // Opened straight in the table, so that a signature could be taken if it were allowed.
  await db.updateTable('session_slot').set({ opened_at: new Date(), opened_by: trainer.id, code_secret: newCodeSecret() }).where('id', '=', slot.id).execute();
  const records = () => db.selectFrom('attendance_record').select(['person_id', 'status']).where('slot_id', '=', slot.id).execute();
  const signature = (personId: string) => ({ key: randomUUID(), personId, signedAt: new Date().toISOString(), typedName: 'Signature tapée' });

  const { request: asOther } = await signedInRequest(playwright, db, baseURL!, other);
  for (const path of [
    `/formation/seances/${sessionId}`,
    `/formation/seances/${sessionId}/feuille-pdf`,
    `/formation/seances/${sessionId}/feuille-csv`,
    `/formation/demi-journees/${slot.id}`,
    `/formation/demi-journees/${slot.id}/tablette`,
    `/formation/demi-journees/${slot.id}/participants/${alice.id}`,
  ]) {
    const response = await asOther.get(path);
    expect(response.status(), path).toBe(403);
    expect(await response.text(), path).not.toContain(alice.familyName);
  }
  const live = await asOther.get(`/api/demi-journees/${slot.id}`);
  expect(live.status()).toBe(403);
  expect(JSON.stringify(await live.json())).not.toMatch(/code|Inscrite/);
  expect((await asOther.post(`/api/demi-journees/${slot.id}/signatures`, { data: signature(alice.id) })).status()).toBe(403);
  expect((await asOther.post(`/formation/demi-journees/${slot.id}`, { form: { intent: 'close', certify: 'oui' } })).status()).toBe(403);
  expect((await asOther.post(`/formation/seances/${sessionId}`, { form: { intent: 'remove', person: alice.id } })).status()).toBe(403);
  expect(await records()).toEqual([]);
  expect((await db.selectFrom('session_slot').select('closed_at').where('id', '=', slot.id).executeTakeFirstOrThrow()).closed_at).toBeNull();
  expect((await db.selectFrom('enrolment').select('status').where('session_id', '=', sessionId).where('person_id', '=', alice.id).executeTakeFirstOrThrow()).status).toBe('enrolled');

  // The session's own trainer: a person who is not enrolled has no sheet here, and cannot be signed for.
  const { request: asTrainer } = await signedInRequest(playwright, db, baseURL!, trainer);
  expect((await asTrainer.get(`/formation/seances/${sessionId}`)).status()).toBe(200);
  await expectNotFound(asTrainer, `/formation/demi-journees/${slot.id}/participants/${bruno.id}`, [bruno.familyName]);
  const forBruno = await asTrainer.post(`/api/demi-journees/${slot.id}/signatures`, { data: signature(bruno.id) });
  expect(forBruno.status()).toBe(409);
  expect((await forBruno.json()).message).toBe('Cette personne n’est pas inscrite à la séance.');
  expect((await asTrainer.post(`/api/demi-journees/${slot.id}/signatures`, { data: signature(alice.id) })).status()).toBe(200);
  expect(await records()).toEqual([{ person_id: alice.id, status: 'present' }]);
  await Promise.all([asOther.dispose(), asTrainer.dispose()]);
});

test('a participant can neither cancel another’s enrolment nor answer a survey of a session they did not attend', async ({ playwright, person, db, baseURL }) => {
  const coordinator = await person({ givenName: 'Coord', familyName: 'Avis', roles: ['coordinator'] });
  const trainer = await person({ givenName: 'Form', familyName: 'Avis', roles: ['trainer'] });
  const alice = await person({ givenName: 'Alice', familyName: 'Absente', roles: ['trainee'] });
  const bruno = await person({ givenName: 'Bruno', familyName: 'Présent', roles: ['trainee'] });
  const ctx = testContext(db, new Date());
  const training = await addTraining(ctx, coordinator);
  const upcoming = await addSession(ctx, { coordinator, trainers: [trainer], training });
  await enrol(ctx, { actorId: bruno.id, actorRoles: bruno.roles, personId: bruno.id, sessionId: upcoming });
  const attended = await finishedSession(testContext(db, new Date(Date.now() - 20 * 86_400_000)), { coordinator, trainer, training, participants: [{ person: bruno, presence: [true, true, true, true] }] });

  const { request: asAlice } = await signedInRequest(playwright, db, baseURL!, alice);
  const cancel = await asAlice.post('/mes-seances', { form: { session: upcoming } });
  expect(cancel.status()).toBeGreaterThanOrEqual(400);
  expect(cancel.status()).toBeLessThan(500);
  expect((await db.selectFrom('enrolment').select('status').where('session_id', '=', upcoming).where('person_id', '=', bruno.id).executeTakeFirstOrThrow()).status).toBe('enrolled');

  const answers = () => db.selectFrom('survey_answer').select('id').where('session_id', '=', attended).execute();
  const countBefore = (await answers()).length;
  expect((await asAlice.get(`/mes-seances/${attended}/avis`)).status()).toBe(404);
  const answer = { phase: 'hot', overall: '1', objectives: '1', trainers: '1', organisation: '1', comment: 'Un avis glissé par quelqu’un d’absent.' };
  const posted = await asAlice.post(`/mes-seances/${attended}/avis`, { form: answer });
  expect(posted.status()).toBeGreaterThanOrEqual(400);
  expect(posted.status()).toBeLessThan(500);
  expect(await answers()).toHaveLength(countBefore);
  // The participant who attended may: the form itself was valid.
  const { request: asBruno } = await signedInRequest(playwright, db, baseURL!, bruno);
  expect((await asBruno.post(`/mes-seances/${attended}/avis`, { form: answer })).status()).toBe(303);
  expect(await answers()).toHaveLength(countBefore + 1);
  await Promise.all([asAlice.dispose(), asBruno.dispose()]);
});
