import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations } from './support/axe.ts';
import { testContext } from '../support/context.ts';
import { addTraining } from '../support/sessions.ts';
import { finishedSession } from '../support/finished-session.ts';
import { readFile } from 'node:fs/promises';
import { submitSurveyAnswer } from '../../src/lib/surveys/participation.ts';
import { issueForSession } from '../../src/lib/attestations/issue.ts';
import { parisDay } from '../../src/lib/time.ts';
import { unzip } from '../support/zip.ts';
import { pdfAllText } from '../support/pdf.ts';

test('a participant gives their opinion from « Mes séances »; the coordinator sees the results, without any name, and downloads the yearly CSV and the session’s audit pack', async ({ page, browser, person, signIn, db, baseURL }) => {
  test.setTimeout(180_000);
  const suffix = Math.random().toString(36).slice(2, 7);
  const coordinator = await person({ givenName: 'Julien', familyName: `Morel${suffix}`, roles: ['coordinator'] });
  const trainer = await person({ givenName: 'Nadia', familyName: `Rossi${suffix}`, roles: ['trainer'] });
  const zoe = await person({ givenName: 'Zoë', familyName: `Lefèvre${suffix}`, roles: ['professional'] });
  const others = await Promise.all(['Karim', 'Inès'].map((givenName) => person({ givenName, familyName: `Participant${suffix}`, roles: ['trainee'] })));
  const absent = await person({ givenName: 'Paul', familyName: `Absent${suffix}`, roles: ['trainee'] });
  const ctx = testContext(db, new Date());
  const training = await addTraining(ctx, coordinator, { title: `PSSM avis ${suffix}` });
  const sessionId = await finishedSession(ctx, {
    coordinator,
    trainer,
    training,
    participants: [...[zoe, ...others].map((p) => ({ person: p, presence: [true, true, true, true] })), { person: absent, presence: [false, false, false, false] }],
  });
  // Two others answered already (straight through the domain).
  await submitSurveyAnswer(ctx, { personId: others[0]!.id, sessionId, answer: { phase: 'hot', overall: 4, objectives: 4, trainers: 5, organisation: 3 } });
  await submitSurveyAnswer(ctx, { personId: others[1]!.id, sessionId, answer: { phase: 'hot', overall: 3, objectives: 5, trainers: 4, organisation: 4, comment: 'Des pauses plus longues' } });

  // Zoë finds the survey on « Mes séances » and answers it with the keyboard and the mouse.
  const zoeContext = await browser.newContext({ baseURL, viewport: { width: 375, height: 800 } });
  await signIn(zoe, zoeContext);
  const phone = await zoeContext.newPage();
  await phone.goto('/mes-seances');
  await phone.getByRole('link', { name: `Donner mon avis sur PSSM avis ${suffix}` }).click();
  await phone.waitForURL(new RegExp(`/mes-seances/${sessionId}/avis$`));
  await expect(phone.getByRole('heading', { level: 1 })).toContainText('Votre avis à la fin de la formation');
  await expect(phone.getByText('anonymes', { exact: false }).first()).toBeVisible();
  await phone.getByRole('group', { name: /Dans l’ensemble/ }).getByLabel('5 : Très satisfait·e').check();
  await phone.getByRole('group', { name: /objectifs annoncés/ }).getByLabel('4 : Largement').check();
  await phone.getByRole('group', { name: /animation/ }).getByLabel('5 : Très satisfait·e').check();
  await phone.getByRole('group', { name: /organisation/ }).getByLabel('2 : Peu satisfait·e').check();
  await phone.getByLabel(/Un commentaire, une suggestion/).fill('Un accueil chaleureux,\nmerci à l’équipe');
  await phone.getByRole('button', { name: 'Envoyer mon avis' }).click();
  await expect(phone.getByText('Merci pour votre avis !')).toBeVisible();
  await expectNoAxeViolations(phone);
  // The survey no longer waits on « Mes séances », and a second answer is refused, changing nothing.
  await phone.goto('/mes-seances');
  await expect(phone.getByRole('link', { name: /Donner mon avis/ })).toHaveCount(0);
  const again = await phone.request.post(`/mes-seances/${sessionId}/avis`, {
    form: { phase: 'hot', overall: '1', objectives: '1', trainers: '1', organisation: '1' },
    headers: { origin: baseURL! },
  });
  expect(again.status()).toBe(409);
  expect(await again.text()).toContain('Vous avez déjà donné votre avis');
  expect(await db.selectFrom('survey_answer').select('id').where('session_id', '=', sessionId).execute()).toHaveLength(3);

  // Paul did not attend: there is no survey for him, and his answer is not taken.
  const paulContext = await browser.newContext({ baseURL });
  await signIn(absent, paulContext);
  const refused = await paulContext.request.post(`/mes-seances/${sessionId}/avis`, {
    form: { phase: 'hot', overall: '1', objectives: '1', trainers: '1', organisation: '1' },
    headers: { origin: baseURL! },
  });
  expect(refused.status()).toBe(404);
  expect(await refused.text()).toContain('Vous n’avez pas de questionnaire pour cette séance');
  expect(await db.selectFrom('survey_answer').select('id').where('session_id', '=', sessionId).execute()).toHaveLength(3);

  // The coordinator opens the session, then its satisfaction results: three answers out of three attendees.
  await signIn(coordinator);
  await page.goto(`/formation/seances/${sessionId}`);
  await page.getByRole('link', { name: 'Satisfaction', exact: true }).click();
  await page.waitForURL(/\/satisfaction$/);
  await expect(page.getByText('3 réponses pour 3 personnes invitées : taux de réponse de 100 %.')).toBeVisible();
  const table = page.getByRole('table', { name: /Moyenne de chaque question/ });
  await expect(table.getByRole('row', { name: /Satisfaction générale/ })).toContainText('4,0 / 5');
  await expect(table.getByRole('row', { name: /Organisation/ })).toContainText('3,0 / 5');
  await expect(page.getByText('Des pauses plus longues')).toBeVisible();
  await expect(page.getByText(/Un accueil chaleureux/)).toBeVisible();
  const body = await page.locator('main').innerText();
  for (const name of [zoe.familyName, others[0]!.familyName, others[1]!.familyName]) expect(body).not.toContain(name);
  await expectNoAxeViolations(page);

  // And the whole training's results, from the training's page.
  await page.goto(`/coordination/formations/${training.id}`);
  await page.getByRole('link', { name: 'Satisfaction des participant·es' }).click();
  await page.waitForURL(/\/satisfaction$/);
  await expect(page.getByRole('heading', { name: 'Toutes les séances : questionnaire à chaud' })).toBeVisible();
  await expect(page.getByRole('table', { name: /Résultats par séance|Réponses, taux de réponse/ })).toContainText('3 / 3');
  await expectNoAxeViolations(page);

  // The session's audit pack, for a quality audit: asked from the session's page, prepared in the
  // background, downloaded when ready. The certificates were issued meanwhile.
  const issued = await issueForSession(ctx, { actorId: coordinator.id, actorRoles: coordinator.roles, sessionId, kind: 'completion_certificate' });
  expect(issued).toMatchObject({ ok: true, issued: 3 });
  await page.goto(`/formation/seances/${sessionId}`);
  await page.getByRole('button', { name: /Préparer le dossier d’audit/ }).click();
  await page.waitForURL(/\/coordination\/exports\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dossier d’audit d’une séance (ZIP)');
  const packLink = page.getByRole('link', { name: /^Télécharger dossier-audit-.*\.zip/ });
  await expect(packLink).toBeVisible({ timeout: 30_000 });
  await expectNoAxeViolations(page);
  const [packDownload] = await Promise.all([page.waitForEvent('download'), packLink.click()]);
  expect(packDownload.suggestedFilename()).toMatch(new RegExp(`^dossier-audit-pssm-avis-${suffix}-\\d{4}-\\d{2}-\\d{2}\\.zip$`));
  const pack = await unzip(await readFile((await packDownload.path())!));
  const names = [...pack.keys()];
  expect(names.slice(0, 3)).toEqual(['0-sommaire.txt', '1-programme.pdf', '2-feuille-emargement.pdf']);
  expect(names.filter((n) => n.startsWith('3-attestations/') && n.endsWith('.pdf'))).toHaveLength(3);
  expect(names.at(-1)).toBe('4-satisfaction.pdf');
  const sommaire = new TextDecoder().decode(pack.get('0-sommaire.txt'));
  expect(sommaire).toContain(`PSSM avis ${suffix}`);
  expect(sommaire).toMatch(/contre-signée .* par Nadia Rossi/);
  expect(sommaire).toContain('3 réponses pour 3 personnes invitées');
  expect(await pdfAllText(pack.get('1-programme.pdf')!)).toContain(`PSSM avis ${suffix}`);
  // The sheet prints family names in capitals.
  expect(await pdfAllText(pack.get('2-feuille-emargement.pdf')!)).toContain(`${zoe.familyName.toUpperCase()} Zoë`);
  const satisfactionPdf = await pdfAllText(pack.get('4-satisfaction.pdf')!);
  expect(satisfactionPdf).toContain('3 réponses pour 3 personnes invitées');
  expect(satisfactionPdf).toContain('Des pauses plus longues');
  // The answers stay anonymous in the pack too.
  for (const name of [zoe.familyName, others[0]!.familyName, others[1]!.familyName]) expect(satisfactionPdf.toUpperCase()).not.toContain(name.toUpperCase());

  // The yearly report of the days the session took place, exported as CSV from the report's page.
  const days = await db.selectFrom('session_slot').select((eb) => [eb.fn.min('starts_at').as('first'), eb.fn.max('starts_at').as('last')]).where('session_id', '=', sessionId).executeTakeFirstOrThrow();
  await page.goto(`/coordination/bilan?du=${parisDay(days.first)}&au=${parisDay(days.last)}`);
  await expect(page.getByRole('main')).toContainText(`PSSM avis ${suffix}`);
  await page.getByRole('button', { name: 'Exporter le bilan en CSV' }).click();
  await page.waitForURL(/\/coordination\/exports\/[0-9a-f-]{36}$/);
  const csvLink = page.getByRole('link', { name: /^Télécharger bilan-.*\.csv/ });
  await expect(csvLink).toBeVisible({ timeout: 30_000 });
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
  const csv = (await readFile((await csvDownload.path())!, 'utf8')).replace(/^\uFEFF/, '');
  // Three trainees came to the four half-days (3.5 h each): 42 trainee-hours, one session of two days, 14 hours delivered.
  expect(csv.split('\r\n')).toContain(`PSSM avis ${suffix};3;42;1;2;4;14`);
  expect(csv).not.toContain(zoe.familyName);
  // « Mes exports » lists both, ready.
  await page.goto('/coordination/exports');
  await expect(page.getByRole('main').getByRole('row', { name: /Dossier d’audit/ }).first()).toContainText('Prêt');
  await expect(page.getByRole('main').getByRole('row', { name: /Bilan annuel/ }).first()).toContainText('Prêt');
  await expectNoAxeViolations(page);

  // The session's trainer may read its results; another trainer may not.
  const other = await person({ givenName: 'Autre', familyName: `Formateur${suffix}`, roles: ['trainer'] });
  for (const [who, status] of [[trainer, 200], [other, 403]] as const) {
    const context = await browser.newContext({ baseURL });
    await signIn(who, context);
    expect((await context.request.get(`/formation/seances/${sessionId}/satisfaction`, { maxRedirects: 0 })).status()).toBe(status);
    await context.close();
  }
  await zoeContext.close();
  await paulContext.close();
});
