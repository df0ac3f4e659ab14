import type { Browser, BrowserContext, Page } from '@playwright/test';
import { test, expect } from './support/fixtures.ts';
import { pdfText } from '../support/pdf.ts';
import { testContext } from '../support/context.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { packageEntries, zip } from '../support/h5p-packages.ts';
import type { WorldPerson } from '../support/world.ts';
import { addSlot, sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { enrol } from '../../src/lib/sessions/enrolment.ts';
import { openSlot } from '../../src/lib/attendance/slots.ts';
import { signOnTablet } from '../../src/lib/attendance/signing.ts';
import { recordAttendance } from '../../src/lib/attendance/records.ts';
import { submitSurveyAnswer } from '../../src/lib/surveys/participation.ts';
import { issueForSession, revokeAttestation } from '../../src/lib/attestations/issue.ts';
import { addRequirement, retireRequirement } from '../../src/lib/pathway/requirements.ts';
import { inspectH5pPackage, storeH5pPackage } from '../../src/lib/modules/h5p-packages.ts';
import { sharedLibraryExists } from '../../src/lib/modules/activities.ts';

/**
 * Every free text a person types, written with script payloads, then read back on every page that
 * shows it, by each role that sees it. The browsers run with `bypassCSP`: the policy would stop an
 * inline script anyway, so this proves the escaping itself (the policy is a second wall, tested
 * with the headers). A page passes when nothing ran (`window.__xss`, no dialog), no element or
 * attribute of a payload reached the DOM, and the payload reads as plain text where it belongs.
 */

const P = {
  script: '<script>window.__xss=1</script>',
  img: '"><img src=x onerror="window.__xss=1">',
  attr: "' onmouseover='window.__xss=1' data-x='",
  textarea: '</textarea><svg onload="window.__xss=1">',
  template: "{{constructor.constructor('window.__xss=1')()}} ${window.__xss=1}",
  link: 'javascript:window.__xss=1//',
  iframe: '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
  title: '</title><script>window.__xss=1</script>',
  anchor: '<a href="javascript:window.__xss=1">lien</a>',
} as const;

/** Every stored free-text field of the world, by a short name; each value carries a payload. */
const suffix = Math.random().toString(36).slice(2, 6);
const F = {
  trainerGiven: `Nadia${P.attr}`,
  trainerFamily: `Rossi${suffix}${P.script}`,
  referentGiven: `Karim${P.img}`,
  referentFamily: `Benali${suffix}${P.template}`,
  referentStructure: `CMP ${P.link}`,
  t1Given: `Zoé${P.script}`,
  t1Family: `Lefèvre${suffix}${P.img}`,
  t1Structure: `GEM ${P.textarea}`,
  t2Given: `Łukasz${P.iframe}`,
  t2Family: `=HYPERLINK("http://exemple.invalid/?${suffix}","clic")`,
  t3Given: `Inès${P.anchor}`,
  t3Family: `@SUM(1+1)${suffix}${P.title}`,
  coordinatorGiven: `Julien${P.title}`,
  trainingTitle: `PSSM ${suffix}${P.title}`,
  trainingSummary: `Résumé de la formation ${P.textarea}${P.script}`,
  trainingObjective1: `Objectif ${P.iframe}`,
  trainingObjective2: `Objectif ${P.attr}`,
  placeFinished: `Salle ${P.img}`,
  placeLive: `Local ${P.attr}`,
  employer1: `Employeur ${P.iframe}`,
  employer2: `+1+1 ${P.img}`,
  employer3: `-2+3 ${P.template}`,
  survey1: `Avis ${P.script}`,
  survey2: `Avis ${P.img}`,
  survey3: `Avis ${P.textarea}`,
  revocation: `Erreur ${P.img}`,
  /** Printed on no page nor sheet: only in the person's data download (JSON). */
  typedName: `Zoé tapé ${P.iframe}`,
  absenceReason: `Rendez-vous ${P.script}`,
  correctionReason: `Arrivée ${P.attr}`,
  cohort: `Promo ${P.img}`,
  decisionValidated: `Bravo ${P.textarea}`,
  decisionReturned: `À revoir ${P.script}`,
  requirementLabel: `Atelier ${suffix} ${P.attr}`,
  missionPartner: `GEM ${P.img}`,
  missionPair: `Binôme ${P.script}`,
  missionReview: `Corriger ${P.iframe}`,
  mission2Partner: `Asso ${P.link}`,
  mission2Pair: `Pair ${P.template}`,
  journalShared: `Note partagée ${P.script}`,
  journalShared2: `Suite de la note ${P.textarea}`,
  journalPrivate: `Note privée ${P.img}`,
  h5pTitle: `Quiz ${suffix} ${P.title}`,
} as const;
type FieldName = keyof typeof F;

const fold = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

/** A signed-in browser that lets any script run (no CSP), and records every dialog it opens. */
async function browserOf(browser: Browser, baseURL: string, signIn: (p: WorldPerson, c: BrowserContext) => Promise<void>, who?: WorldPerson) {
  const context = await browser.newContext({ baseURL, bypassCSP: true });
  if (who) await signIn(who, context);
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { context, page, dialogs };
}

type Seen = { page: Page; dialogs: string[] };

/** What a page holds once loaded: whether a payload ran or became markup, and its text. */
async function inspect(who: Seen, label: string): Promise<string> {
  // Event handlers (onerror of a broken image) run just after the load.
  await who.page.waitForTimeout(50);
  const seen = await who.page.evaluate(() => {
    const w = window as unknown as { __xss?: unknown };
    const dangerous = document.querySelectorAll(
      '[onerror], [onload], [onmouseover], iframe[srcdoc], script:not([src]), img[src="x"], a[href^="javascript:" i], [data-x]',
    );
    const fields = [...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')].map((e) => e.value);
    return {
      xss: w.__xss,
      injected: [...dangerous].map((e) => e.outerHTML.slice(0, 160)),
      text: [document.title, document.body.innerText, ...fields].join('\n'),
    };
  });
  expect(seen.xss, `${label}: a payload ran`).toBeUndefined();
  expect(who.dialogs, `${label}: a dialog opened`).toEqual([]);
  expect(seen.injected, `${label}: a payload became markup`).toEqual([]);
  return fold(seen.text);
}

/**
 * Opens a page and checks it: nothing ran, no payload became markup, and each expected field
 * reads as text (in the page, its title, or a form field's value). Returns the checks made.
 */
async function visit(who: Seen, path: string, expected: FieldName[], status = 200, reflected: string[] = []): Promise<number> {
  const response = await who.page.goto(path);
  expect(response?.status(), path).toBe(status);
  const text = await inspect(who, path);
  const missing = [...expected.map((k) => F[k]), ...reflected].filter((value) => !text.includes(fold(value)));
  expect(missing, `${path}: payloads not shown as text`).toEqual([]);
  return expected.length + reflected.length;
}

test('every free text typed with a script payload reads as plain text on every page that shows it', async ({ browser, baseURL, person, signIn, db }) => {
  test.setTimeout(90_000);
  // `ctx` moves its clock through the finished session; `now` stays at the server's present.
  const ctx = testContext(db, new Date());
  const now = testContext(db, new Date());
  const coordinator = await person({ givenName: F.coordinatorGiven, familyName: `Morel${suffix}`, roles: ['coordinator'] });
  const admin = await person({ givenName: 'Sophie', familyName: `Laurent${suffix}`, roles: ['admin'] });
  const trainer = await person({ givenName: F.trainerGiven, familyName: F.trainerFamily, roles: ['trainer'] });
  const referent = await person({ givenName: F.referentGiven, familyName: F.referentFamily, roles: ['professional'], structure: F.referentStructure });
  const t1 = await person({ givenName: F.t1Given, familyName: F.t1Family, roles: ['trainee'], structure: F.t1Structure });
  const t2 = await person({ givenName: F.t2Given, familyName: F.t2Family, roles: ['trainee'] });
  const t3 = await person({ givenName: F.t3Given, familyName: F.t3Family, roles: ['trainee'] });
  const by = { actorId: coordinator.id, actorRoles: coordinator.roles };

  // A training and a session that took place (both typed by the coordination).
  const training = await addTraining(ctx, coordinator, { title: F.trainingTitle });
  await db.updateTable('training').set({ summary: F.trainingSummary, objectives: `${F.trainingObjective1}\n${F.trainingObjective2}` }).where('id', '=', training.id).execute();
  const finished = await finishedSession(ctx, {
    coordinator,
    trainer,
    training,
    participants: [
      { person: t1, presence: [true, true, true, true], employer: F.employer1 },
      { person: t2, presence: [true, true, true, true], employer: F.employer2 },
      { person: t3, presence: [true, true, true, true], employer: F.employer3 },
    ],
  });
  await db.updateTable('training_session').set({ place: F.placeFinished }).where('id', '=', finished).execute();
  for (const [who, comment] of [[t1, F.survey1], [t2, F.survey2], [t3, F.survey3]] as const) {
    const answered = await submitSurveyAnswer(ctx, { personId: who.id, sessionId: finished, answer: { phase: 'hot', overall: 4, objectives: 4, trainers: 5, organisation: 3, comment } });
    expect(answered.ok).toBe(true);
  }
  expect((await issueForSession(ctx, { ...by, sessionId: finished, kind: 'completion_certificate' })).ok).toBe(true);
  const attestations = await db.selectFrom('attestation').select(['id', 'number', 'check_code', 'person_id']).where('session_id', '=', finished).execute();
  const a1 = attestations.find((a) => a.person_id === t1.id)!;
  const a3 = attestations.find((a) => a.person_id === t3.id)!;
  expect((await revokeAttestation(ctx, { ...by, attestationId: a3.id, reason: F.revocation })).ok).toBe(true);

  // A session with a half-day open right now: a typed signature on the tablet, an absence corrected.
  const live = await addSession(now, { coordinator, trainers: [trainer], training });
  await db.updateTable('training_session').set({ place: F.placeLive }).where('id', '=', live).execute();
  for (const [who, employer] of [[t1, F.employer1], [t2, F.employer2], [t3, F.employer3]] as const)
    expect((await enrol(now, { actorId: who.id, actorRoles: who.roles, personId: who.id, sessionId: live, employer })).ok).toBe(true);
  expect((await addSlot(now, { ...by, sessionId: live, startsAt: new Date(Date.now() - 5 * 60_000), endsAt: new Date(Date.now() + 3 * 3_600_000) })).ok).toBe(true);
  const slot = (await sessionOverview(db, live))!.slots[0]!.id;
  const trainerActor = { id: trainer.id, roles: trainer.roles };
  expect((await openSlot(now, { actor: trainerActor, slotId: slot })).ok).toBe(true);
  expect((await signOnTablet(now, { actor: trainerActor, slotId: slot, key: crypto.randomUUID(), personId: t1.id, signedAt: now.now(), typedName: F.typedName })).ok).toBe(true);
  expect((await recordAttendance(now, { actor: trainerActor, slotId: slot, personId: t3.id, status: 'absent_justified', reason: F.absenceReason })).ok).toBe(true);
  expect((await recordAttendance(now, { actor: trainerActor, slotId: slot, personId: t3.id, status: 'present', reason: F.correctionReason })).ok).toBe(true);

  // The pathway: stage 6, a cohort, referents, decisions with comments, a condition typed by the coordination.
  await db
    .insertInto('pathway_member')
    .values({ person_id: t1.id, stage: 6, cohort: F.cohort, professional_referent_id: referent.id, peer_referent_id: trainer.id, stage_since: new Date(Date.now() - 30 * 86_400_000), validation_requested_at: new Date() })
    .execute();
  await db
    .insertInto('pathway_decision')
    .values([
      { person_id: t1.id, stage: 5, decision: 'validated', comment: F.decisionValidated, decided_by: coordinator.id, decided_at: new Date(Date.now() - 30 * 86_400_000) },
      { person_id: t1.id, stage: 6, decision: 'returned', comment: F.decisionReturned, decided_by: coordinator.id, decided_at: new Date(Date.now() - 86_400_000) },
    ])
    .execute();
  const requirement = await addRequirement(ctx, { ...by, stage: 6, requirement: { kind: 'coordinator_check', label: F.requirementLabel }, knownModule: () => false });
  if (!requirement.ok) throw new Error(requirement.message);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await db
    .insertInto('volunteer_mission')
    .values([
      { person_id: t1.id, stage: 6, done_on: yesterday, minutes: 120, kind: 'workshop', partner_structure: F.missionPartner, pair_id: referent.id, pair_name: F.missionPair, status: 'returned', reviewed_by: referent.id, reviewed_at: new Date(), review_comment: F.missionReview },
      { person_id: t1.id, stage: 6, done_on: yesterday, minutes: 90, kind: 'group', partner_structure: F.mission2Partner, pair_id: referent.id, pair_name: F.mission2Pair },
    ])
    .execute();
  await db
    .insertInto('journal_entry')
    .values([
      { author_id: t1.id, stage: 6, body: `${F.journalShared}\n${F.journalShared2}`, written_at: new Date(), updated_at: new Date(), shared_at: new Date() },
      { author_id: t1.id, stage: 6, body: F.journalPrivate, written_at: new Date(), updated_at: new Date() },
    ])
    .execute();

  // An H5P package whose title (from its h5p.json) is a payload.
  const h5pId = `xss-${suffix}`;
  const inspection = await inspectH5pPackage(await zip(packageEntries({ title: F.h5pTitle })), sharedLibraryExists);
  if (!inspection.ok) throw new Error(inspection.reason);
  await storeH5pPackage(db, { id: h5pId, uploadedBy: trainer.id, inspection });

  let checks = 0;
  let pages = 0;
  const run = async (who: Seen, path: string, expected: FieldName[], status = 200, reflected: string[] = []) => {
    checks += await visit(who, path, expected, status, reflected);
    pages += 1;
  };
  const T1_NAME: FieldName[] = ['t1Given', 't1Family'];
  const NAMES: FieldName[] = ['t1Given', 't1Family', 't2Given', 't2Family', 't3Given', 't3Family'];
  const TRAINING: FieldName[] = ['trainingTitle'];
  const TRAINER: FieldName[] = ['trainerGiven', 'trainerFamily'];
  const REFERENT: FieldName[] = ['referentGiven', 'referentFamily'];
  try {
    const base = baseURL!;
    // The trainee, on their own pages.
    const trainee = await browserOf(browser, base, signIn, t1);
    await run(trainee, '/accueil', ['t1Given']);
    await run(trainee, '/mon-compte', T1_NAME);
    await run(trainee, '/mes-seances', [...TRAINING, ...TRAINER, 'placeFinished', 'placeLive']);
    await run(trainee, '/mes-attestations', TRAINING);
    await run(trainee, '/mon-parcours', ['decisionValidated', 'decisionReturned', 'requirementLabel', 'coordinatorGiven']);
    await run(trainee, '/mon-parcours/carnet', ['journalShared', 'journalShared2', 'journalPrivate', ...REFERENT, ...TRAINER]);
    await run(trainee, '/mon-parcours/missions', ['missionPartner', 'missionPair', 'missionReview', 'mission2Partner', 'mission2Pair', ...REFERENT]);
    await run(trainee, '/emargement', [...TRAINING, 'placeLive']);
    await run(trainee, `/formations/${training.slug}`, [...TRAINING, ...TRAINER, 'trainingSummary', 'trainingObjective1', 'trainingObjective2', 'placeFinished']);
    await run(trainee, '/formations', [...TRAINING, 'trainingSummary', 'placeFinished']);
    await run(trainee, `/formations/seances/${live}`, [...TRAINING, ...TRAINER, 'placeLive']);

    // The trainer: their sessions, the live half-day, a participant's history, the tablet, the results.
    const trainerSide = await browserOf(browser, base, signIn, trainer);
    await run(trainerSide, '/formation/seances', [...TRAINING, 'placeFinished', 'placeLive']);
    await run(trainerSide, `/formation/seances/${finished}`, [...TRAINING, ...TRAINER, 'placeFinished', ...NAMES, 'employer1', 'employer2', 'employer3']);
    await run(trainerSide, `/formation/seances/${live}`, [...TRAINING, ...TRAINER, 'placeLive', ...NAMES, 'employer1', 'employer2', 'employer3']);
    await run(trainerSide, `/formation/demi-journees/${slot}/participants/${t3.id}`, [...TRAINING, ...TRAINER, 't3Given', 't3Family', 'absenceReason', 'correctionReason']);
    await run(trainerSide, `/formation/demi-journees/${slot}/tablette`, [...TRAINING, ...NAMES]);
    await run(trainerSide, `/formation/seances/${finished}/satisfaction`, [...TRAINING, 'placeFinished', 'survey1', 'survey2', 'survey3']);
    await run(trainerSide, '/formation/activites', ['h5pTitle', ...TRAINER]);
    await run(trainerSide, `/h5p/lecteur/${h5pId}`, ['h5pTitle']);
    await run(trainerSide, '/accompagnement', [...T1_NAME, 'mission2Partner', 'mission2Pair']);
    // The live view refreshes itself from JSON every few seconds: after a refresh, still clean.
    const refreshed = trainerSide.page.waitForResponse((r) => r.url().endsWith(`/api/demi-journees/${slot}`));
    await run(trainerSide, `/formation/demi-journees/${slot}`, [...TRAINING, 'placeLive', ...NAMES, 'correctionReason']);
    expect((await refreshed).headers()['content-type']).toMatch(/^application\/json/);
    expect(fold(await inspect(trainerSide, 'live view after a refresh'))).toContain(fold(F.correctionReason));
    checks += 1;

    // The referent: missions to review, shared notes (never the private one).
    const referentSide = await browserOf(browser, base, signIn, referent);
    await run(referentSide, '/accompagnement', [...T1_NAME, 'mission2Partner', 'mission2Pair']);
    await run(referentSide, '/accompagnement/carnets', [...T1_NAME, 'journalShared', 'journalShared2']);

    // The coordination: the lists, the dashboard, the pathway, the trainings, the attestations.
    const coordination = await browserOf(browser, base, signIn, coordinator);
    const q = encodeURIComponent(suffix);
    // The dashboard reads its figures through a 30-second cache that another test may have just
    // filled: its titles may not include this run's yet, so nothing is required to show, only to stay inert.
    await run(coordination, '/coordination', []);
    await run(coordination, `/coordination/personnes?q=${q}`, [...NAMES, ...TRAINER, ...REFERENT, 'referentStructure', 't1Structure', 'coordinatorGiven']);
    await run(coordination, `/coordination/personnes/${t1.id}`, [...T1_NAME, 't1Structure']);
    await run(coordination, `/coordination/seances?q=${q}`, [...TRAINING, ...TRAINER, 'placeFinished', 'placeLive']);
    await run(coordination, `/coordination/attestations?q=${q}`, [...TRAINING, ...NAMES]);
    await run(coordination, `/coordination/attestations/${a3.id}`, [...TRAINING, 't3Given', 't3Family', 'employer3', 'revocation']);
    await run(coordination, `/coordination/missions?q=${q}`, [...T1_NAME, 'missionPartner', 'missionPair', 'mission2Partner', 'mission2Pair']);
    await run(coordination, '/coordination/parcours', T1_NAME);
    await run(coordination, '/coordination/parcours?etape=6', [...T1_NAME, 'cohort']);
    await run(coordination, `/coordination/parcours/${t1.id}`, [...T1_NAME, 'cohort', 'decisionValidated', 'decisionReturned', 'requirementLabel', 'coordinatorGiven', ...TRAINING]);
    await run(coordination, `/coordination/parcours/${t1.id}/referents`, [...T1_NAME, ...REFERENT, ...TRAINER]);
    await run(coordination, '/coordination/parcours/conditions', ['requirementLabel', ...TRAINING]);
    await run(coordination, '/coordination/formations', TRAINING);
    await run(coordination, `/coordination/formations/${training.id}`, [...TRAINING, ...TRAINER, 'trainingSummary', 'trainingObjective1', 'trainingObjective2', 'placeFinished', 'placeLive']);
    await run(coordination, `/coordination/formations/${training.id}/satisfaction`, [...TRAINING, 'survey1', 'survey2', 'survey3']);
    await run(coordination, `/formation/seances/${finished}/attestations`, [...TRAINING, ...NAMES, 'placeFinished']);
    await run(coordination, '/coordination/bilan', [...TRAINING, ...TRAINER]);

    // The admin: people, and the emails sent to them (a convocation names the training and the place).
    const adminSide = await browserOf(browser, base, signIn, admin);
    await run(adminSide, `/admin/personnes?q=${q}`, [...NAMES, ...TRAINER, ...REFERENT, 'referentStructure', 't1Structure', 'coordinatorGiven']);
    await run(adminSide, `/admin/personnes/${t1.id}`, [...T1_NAME, 't1Structure']);
    await run(adminSide, `/admin/courriels?a=${encodeURIComponent(t1.email)}`, ['t1Given', ...TRAINING, ...TRAINER, 'placeLive']);

    // Anyone, signed out: the attestation's public check (valid, and revoked with its reason), the catalogue.
    const visitor = await browserOf(browser, base, signIn);
    await run(visitor, `/verifier/${a1.number}?c=${a1.check_code}`, [...T1_NAME, ...TRAINING, 'employer1']);
    await run(visitor, `/verifier/${a3.number}?c=${a3.check_code}`, ['t3Given', 't3Family', ...TRAINING, 'employer3', 'revocation']);
    await run(visitor, `/formations/${training.slug}`, [...TRAINING, ...TRAINER, 'trainingSummary', 'trainingObjective1', 'trainingObjective2']);

    // Payloads in an address are shown back as text too (a search, a filter, a number typed).
    for (const payload of [P.script, P.img, P.attr]) {
      const typed = encodeURIComponent(payload);
      await run(coordination, `/coordination/personnes?q=${typed}`, [], 200, [payload]);
      await run(coordination, `/coordination/seances?q=${typed}`, [], 200, [payload]);
      await run(adminSide, `/admin/courriels?a=${typed}`, [], 200, [payload]);
      await run(visitor, `/verifier?numero=${typed}`, [], 400, [payload]);
      await run(visitor, `/connexion?suite=${typed}`, [], 200);
    }
    // A number in the path is shown as it came (still encoded): inert either way.
    await run(visitor, `/verifier/${encodeURIComponent(P.img)}`, [], 404);

    // Through the real forms: what was typed comes back in the fields after a refusal, inert.
    await visitor.page.goto('/inscription');
    await visitor.page.getByLabel('Prénom').fill(P.attr);
    await visitor.page.getByLabel('Nom', { exact: true }).fill(P.img);
    await visitor.page.getByLabel('Structure employeuse').fill(P.textarea);
    await visitor.page.getByLabel('Adresse e-mail').fill(`inscription.${suffix}@exemple.fr`);
    await visitor.page.getByLabel('Mot de passe', { exact: true }).fill('court');
    await visitor.page.getByRole('button', { name: /Créer mon compte/ }).click();
    await expect(visitor.page.getByRole('alert').first()).toBeVisible();
    await expect(visitor.page.getByLabel('Prénom')).toHaveValue(P.attr);
    await expect(visitor.page.getByLabel('Nom', { exact: true })).toHaveValue(P.img);
    await expect(visitor.page.getByLabel('Structure employeuse')).toHaveValue(P.textarea);
    await inspect(visitor, 'registration form refused');
    checks += 3;

    // The organisation's details (one row shared by every test: refused, so nothing is saved).
    const organisationBefore = await db.selectFrom('organisation_settings').selectAll().executeTakeFirstOrThrow();
    const org = coordination.page;
    await org.goto('/coordination/organisation');
    await org.getByLabel('Nom de l’organisme').fill(`Organisme ${P.script}`);
    await org.getByLabel('Adresse').fill(`${P.textarea}\n${P.iframe}`);
    await org.getByLabel('Numéro de déclaration d’activité').fill(P.img);
    await org.getByLabel('Nom du ou de la représentant·e légal·e').fill('');
    await org.getByLabel('Fonction').fill(P.attr);
    await org.getByRole('button', { name: 'Enregistrer' }).click();
    await expect(org.getByRole('alert').first()).toContainText('Le formulaire contient des erreurs');
    await expect(org.getByLabel('Nom de l’organisme')).toHaveValue(`Organisme ${P.script}`);
    await expect(org.getByLabel('Adresse')).toHaveValue(`${P.textarea}\n${P.iframe}`);
    await expect(org.getByLabel('Numéro de déclaration d’activité')).toHaveValue(P.img);
    await expect(org.getByLabel('Fonction')).toHaveValue(P.attr);
    await inspect(coordination, 'organisation form refused');
    expect(await db.selectFrom('organisation_settings').selectAll().executeTakeFirstOrThrow()).toEqual(organisationBefore);
    checks += 4;

    // A note written in the journal's own form is stored as typed and shown as text.
    const note = `Écrit dans le formulaire ${suffix} ${P.img}\n${P.textarea} ${P.template}`;
    await trainee.page.goto('/mon-parcours/carnet');
    await trainee.page.getByLabel('Votre note').fill(note);
    await trainee.page.getByRole('button', { name: 'Enregistrer la note' }).click();
    await expect(trainee.page.getByText('Votre note est enregistrée')).toBeVisible();
    expect(fold(await inspect(trainee, 'journal after a note'))).toContain(fold(note));
    expect(await db.selectFrom('journal_entry').select('body').where('author_id', '=', t1.id).where('body', 'like', `%${suffix}%`).executeTakeFirst()).toEqual({ body: note });
    checks += 1;

    // The documents with these names: the PDFs still render, and the CSV defuses formulas.
    // A sheet's cells cut long names with « … »: the start of each is enough to see it printed as text.
    for (const [path, who, names] of [
      [`/formation/seances/${finished}/feuille-pdf`, trainerSide, [`Lefèvre${suffix}"><img`, `PSSM ${suffix}</title><script>`, 'Łukasz<iframe', `Salle ${P.img}`]],
      [`/formation/seances/${live}/feuille-pdf`, trainerSide, [`Lefèvre${suffix}"><img`, F.placeLive]],
      [`/attestations/${a1.id}/pdf`, trainee, [F.t1Given, F.t1Family, F.trainingTitle]],
    ] as const) {
      const response = await who.page.request.get(path);
      expect(response.status(), path).toBe(200);
      const bytes = new Uint8Array(await response.body());
      expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1'), path).toBe('%PDF-');
      const text = fold(await pdfText(bytes)).replaceAll(' ', '');
      for (const name of names) expect(text, path).toContain(fold(name).replaceAll(' ', ''));
      checks += names.length;
    }
    // The person's data download is JSON, sent as a file: never read as a page.
    const data = await trainee.page.request.get('/mon-compte/donnees');
    expect(data.headers()['content-type']).toMatch(/^application\/json/);
    expect(data.headers()['content-disposition']).toMatch(/^attachment;/);
    expect(await data.text()).toContain(JSON.stringify(F.typedName).slice(1, -1));
    checks += 1;
    const csvResponse = await trainerSide.page.request.get(`/formation/seances/${live}/feuille-csv`);
    expect(csvResponse.status()).toBe(200);
    const cells = parseCsv((await csvResponse.text()).replace(/^\uFEFF/, ''));
    const dangerous = cells.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell));
    expect(dangerous, 'CSV cells a spreadsheet would run as formulas').toEqual([]);
    for (const value of [F.t2Family, F.t3Family, F.employer2, F.employer3]) expect(cells.flat()).toContain(`'${value}`);
    checks += 4;

    test.info().annotations.push({ type: 'xss', description: `${Object.keys(F).length} stored fields, ${Object.keys(P).length} payloads, ${pages} page visits, ${checks} field × page checks` });
    console.log(`xss: ${Object.keys(F).length} stored fields, ${Object.keys(P).length} payloads, ${pages} page visits, ${checks} field × page checks`);
    for (const side of [trainee, trainerSide, referentSide, coordination, adminSide, visitor]) await side.context.close();
  } finally {
    await retireRequirement(ctx, { ...by, requirementId: requirement.id });
  }
});

/** A CSV as the platform writes it (`;`, fields with `"` `;` or line breaks quoted, quotes doubled). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [[]];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ';') {
      rows.at(-1)!.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      rows.at(-1)!.push(cell);
      cell = '';
      rows.push([]);
      i += 1;
    } else cell += c;
  }
  return rows.filter((row) => row.length > 0);
}
