import { readFile } from 'node:fs/promises';
import ICAL from 'ical.js';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations, expectNoHorizontalScroll } from './support/axe.ts';
import { testContext } from '../support/context.ts';
import { addSession, addTraining } from '../support/sessions.ts';
import { addSlot, sessionOverview } from '../../src/lib/sessions/training-sessions.ts';
import { enrol } from '../../src/lib/sessions/enrolment.ts';
import { emailAttachments } from '../../src/lib/mail/outbox.ts';
import { openSlot } from '../../src/lib/attendance/slots.ts';
import { parisDay } from '../../src/lib/time.ts';

async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({ data: bytes, useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  return pages.join('\n');
}

test('a PSSM session from its creation to the signed attendance sheet', async ({ page, browser, person, signIn, db, baseURL }) => {
  test.setTimeout(180_000);
  const suffix = Math.random().toString(36).slice(2, 7);
  const coordinator = await person({ givenName: 'Julien', familyName: `Morel${suffix}`, roles: ['coordinator'] });
  const trainer = await person({ givenName: 'Nadia', familyName: `Rossi${suffix}`, roles: ['trainer'] });
  const amina = await person({ givenName: 'Amina', familyName: `Haddad${suffix}`, roles: ['professional'], structure: 'CMP Belle de Mai' });
  const bruno = await person({ givenName: 'Bruno', familyName: `Garcia${suffix}`, roles: ['trainee'] });
  const chloe = await person({ givenName: 'Chloé', familyName: `Lefèvre${suffix}`, roles: ['trainee'] });
  const elodie = await person({ givenName: 'Élodie', familyName: `Nowak${suffix}`, roles: ['professional'] });

  // The coordinator creates the training, then a session of it, in a week, with 2 seats.
  await signIn(coordinator);
  await page.goto('/coordination/formations');
  const title = `PSSM ${suffix}`;
  await page.getByLabel('Intitulé').fill(title);
  await page.getByLabel('Thème').selectOption('pssm');
  await page.getByLabel('Durée (heures)').fill('14');
  await page.getByLabel('Présentation').fill('Repérer une difficulté psychique et apporter une première aide.');
  await page.getByLabel('Objectifs').fill('Repérer les signes\nEngager la conversation');
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Créer la formation' }).click();
  await page.waitForURL(/\/coordination\/formations\/[0-9a-f-]{36}\?info=creee/);
  await expect(page.getByText('La formation est créée')).toBeVisible();
  await page.getByLabel('Lieu').first().fill('Maison des associations, Marseille');
  await page.getByLabel('Places').fill('2');
  await page.getByLabel(`Nadia Rossi${suffix}`).check();
  const inAWeek = parisDay(new Date(Date.now() + 7 * 86_400_000));
  await page.getByLabel('Jour 1').fill(inAWeek);
  await page.getByLabel('Après-midi', { exact: true }).uncheck();
  await expectNoAxeViolations(page);
  await page.getByRole('button', { name: 'Créer la séance' }).click();
  await page.waitForURL(/\/formation\/seances\/[0-9a-f-]{36}$/);
  const sessionId = page.url().split('/').at(-1)!;
  await expect(page.getByText('2 places restantes sur 2')).toBeVisible();

  // Two people enrol from their own browsers; the third lands on the waiting list.
  const enrolFrom = async (who: typeof amina, employer?: string) => {
    const context = await browser.newContext({ baseURL, viewport: { width: 375, height: 800 } });
    await signIn(who, context);
    const phone = await context.newPage();
    await phone.goto(`/formations/seances/${sessionId}`);
    await phone.getByRole('link', { name: /S’inscrire/ }).click();
    await phone.waitForURL(/inscription$/);
    if (employer !== undefined) await phone.getByLabel('Structure employeuse').fill(employer);
    await phone.getByRole('button', { name: /Confirmer mon inscription|Rejoindre la liste d’attente/ }).click();
    await phone.waitForURL(/\/mes-seances\?info=/);
    return { context, phone };
  };
  const a = await enrolFrom(amina, 'CMP Belle de Mai');
  await expect(a.phone.getByText('Inscrit·e', { exact: true })).toBeVisible();
  await expectNoAxeViolations(a.phone);
  await expectNoHorizontalScroll(a.phone);
  const b = await enrolFrom(bruno);
  const c = await enrolFrom(chloe);
  await expect(c.phone.getByText('Liste d’attente : position 1')).toBeVisible();

  // The convocation carries a calendar file that calendars can read.
  const convocation = await db.selectFrom('outbox_email').select(['id', 'subject']).where('to_address', '=', amina.email).orderBy('id', 'desc').executeTakeFirstOrThrow();
  expect(convocation.subject).toBe(`Convocation : ${title}`);
  const [ics] = await emailAttachments(db, convocation.id);
  const events = new ICAL.Component(ICAL.parse(new TextDecoder().decode(ics!.content))).getAllSubcomponents('vevent');
  expect(events).toHaveLength(1);
  expect(new ICAL.Event(events[0]!).location).toBe('Maison des associations, Marseille');
  const download = await a.phone.request.get(`/formations/seances/${sessionId}/calendrier`);
  expect(download.headers()['content-type']).toContain('text/calendar');
  expect(new ICAL.Component(ICAL.parse(await download.text())).getAllSubcomponents('vevent')).toHaveLength(1);

  // Bruno cancels: Chloé gets his seat.
  await b.phone.getByRole('button', { name: /Annuler mon inscription/ }).click();
  await b.phone.waitForURL(/info=annulee/);
  await c.phone.reload();
  await expect(c.phone.getByText('Inscrit·e', { exact: true })).toBeVisible();

  // The coordinator adds a seat and enrols Élodie by hand.
  await page.getByLabel('Places', { exact: true }).fill('3');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await expect(page.getByText('La séance est mise à jour.')).toBeVisible();
  await page.getByLabel('Adresse e-mail de la personne').fill(elodie.email);
  await page.getByRole('button', { name: 'Inscrire', exact: true }).click();
  await expect(page.getByText(/est inscrit·e et a reçu sa convocation/)).toBeVisible();
  await expectNoAxeViolations(page);

  // Today the session has a half-day that began a few minutes ago (added here: enrolment closes once a session starts).
  const ctx = testContext(db, new Date());
  const added = await addSlot(ctx, { actorId: coordinator.id, actorRoles: coordinator.roles, sessionId, startsAt: new Date(Date.now() - 5 * 60_000), endsAt: new Date(Date.now() + 3 * 3_600_000) });
  expect(added.ok).toBe(true);
  const slotId = (await sessionOverview(db, sessionId))!.slots[0]!.id;

  // The trainer opens the half-day on their laptop.
  const trainerContext = await browser.newContext({ baseURL });
  await signIn(trainer, trainerContext);
  const live = await trainerContext.newPage();
  await live.goto(`/formation/seances/${sessionId}`);
  await live.getByRole('link', { name: /Ouvrir l’émargement/ }).first().click();
  await live.waitForURL(new RegExp(`/formation/demi-journees/${slotId}$`));
  await live.getByRole('button', { name: 'Ouvrir l’émargement' }).click();
  await live.waitForURL(/info=ouverte/);
  const code = (await live.locator('[data-code]').textContent())!.trim();
  expect(code).toMatch(/^\d{6}$/);
  await expect(live.getByRole('img', { name: 'QR code d’émargement' })).toBeVisible();
  await expectNoAxeViolations(live);

  // Amina signs on her phone with the code.
  await a.phone.goto('/emargement');
  await a.phone.getByLabel('Code affiché').fill(code);
  await a.phone.getByRole('button', { name: 'Confirmer ma présence' }).click();
  await expect(a.phone.getByText('C’est signé')).toBeVisible();
  await expectNoAxeViolations(a.phone);
  await expectNoHorizontalScroll(a.phone);

  // Chloé signs on the trainer's tablet while the network is down.
  const tablet = await trainerContext.newPage();
  await tablet.goto(`/formation/demi-journees/${slotId}/tablette`);
  await expectNoAxeViolations(tablet);
  await trainerContext.setOffline(true);
  await tablet.getByRole('button', { name: new RegExp(`LEFÈVRE${suffix.toUpperCase()} Chloé`, 'i') }).click();
  const pad = tablet.locator('canvas[data-signature-canvas]');
  await expect(pad).toBeVisible();
  const box = (await pad.boundingBox())!;
  await tablet.mouse.move(box.x + 30, box.y + box.height / 2);
  await tablet.mouse.down();
  for (let i = 1; i <= 12; i++) await tablet.mouse.move(box.x + 30 + i * 20, box.y + box.height / 2 + (i % 2 ? 25 : -25));
  await tablet.mouse.up();
  await tablet.getByRole('button', { name: 'Valider ma signature' }).click();
  await expect(tablet.locator('[data-pending-count]')).toHaveText('1 signature en attente d’envoi.');
  await expect(tablet.locator('[data-connection]')).toContainText('Hors ligne');
  expect(await db.selectFrom('attendance_record').select('id').where('slot_id', '=', slotId).where('person_id', '=', chloe.id).execute()).toHaveLength(0);
  await trainerContext.setOffline(false);
  await expect(tablet.locator('[data-pending-count]')).toHaveText('Aucune signature en attente d’envoi.', { timeout: 20_000 });
  const chloeRecords = await db.selectFrom('attendance_record').select(['method', 'status']).where('slot_id', '=', slotId).where('person_id', '=', chloe.id).execute();
  expect(chloeRecords).toEqual([{ method: 'tablet', status: 'present' }]);

  // The trainer's list fills in by itself.
  const row = (who: typeof amina) => live.locator(`[data-person-row="${who.id}"] [data-status]`);
  await expect(row(amina)).toHaveText('Présent·e', { timeout: 10_000 });
  await expect(row(chloe)).toHaveText('Présent·e', { timeout: 10_000 });

  // Élodie is excused: the trainer records a justified absence, then countersigns and closes.
  await live.locator(`[data-person-row="${elodie.id}"]`).getByRole('link').click();
  await live.getByRole('radio', { name: 'Absence justifiée' }).check();
  await live.getByLabel(/Motif/).fill('Réunion de service imprévue, prévenue la veille');
  await expectNoAxeViolations(live);
  await live.getByRole('button', { name: 'Enregistrer' }).click();
  await live.waitForURL(/info=note/);
  await live.getByLabel(/Je certifie/).check();
  await live.getByRole('button', { name: 'Contre-signer et clore' }).click();
  await live.waitForURL(/info=close/);
  await expect(live.getByText(/Close et contre-signée par Nadia Rossi/)).toBeVisible();

  // The attendance sheet, downloaded and read back.
  await live.goto(`/formation/seances/${sessionId}`);
  const [pdfDownload] = await Promise.all([live.waitForEvent('download'), live.getByRole('link', { name: 'Feuille d’émargement (PDF)' }).click()]);
  const text = await pdfText(new Uint8Array(await readFile((await pdfDownload.path())!)));
  for (const expected of [title, `Amina`, `HADDAD${suffix.toUpperCase()}`, 'Chloé', 'Élodie', 'Absence justifiée', 'Réunion de service imprévue', 'Signé électroniquement', `Nadia Rossi${suffix}`, 'Non clôturée'])
    expect(text, `the sheet shows « ${expected} »`).toContain(expected);
  expect(text).not.toContain('Bruno');
  const csv = await live.request.get(`/formation/seances/${sessionId}/feuille-csv`);
  expect(csv.headers()['content-type']).toContain('text/csv');
  expect(await csv.text()).toContain('Absence justifiée : Réunion de service imprévue');

  for (const context of [a.context, b.context, c.context, trainerContext]) await context.close();
});

test('the session pages pass axe and fit a 320 px phone', async ({ page, person, signIn, db }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 320, height: 640 });
  const coordinator = await person({ givenName: 'Axe', familyName: 'Coordination', roles: ['coordinator'] });
  const trainee = await person({ givenName: 'Axe', familyName: 'Stagiaire', roles: ['trainee'] });
  const ctx = testContext(db, new Date());
  const training = await addTraining(ctx, coordinator);
  const trainer = await person({ givenName: 'Axe', familyName: 'Formatrice', roles: ['trainer'] });
  const sessionId = await addSession(ctx, { coordinator, trainers: [trainer], training });
  await enrol(ctx, { actorId: trainee.id, actorRoles: trainee.roles, personId: trainee.id, sessionId });
  const slot = (await sessionOverview(db, sessionId))!.slots[0]!;
  const pages = [
    `/formations/${training.slug}`,
    `/formations/seances/${sessionId}`,
    `/formation/seances/${sessionId}`,
    `/formation/demi-journees/${slot.id}`,
    `/formation/demi-journees/${slot.id}/tablette`,
    `/formation/demi-journees/${slot.id}/participants/${trainee.id}`,
    `/coordination/formations/${training.id}`,
  ];
  await signIn(coordinator);
  for (const path of pages) {
    await page.goto(path);
    expect(page.url()).toContain(path);
    await expectNoAxeViolations(page);
    await expectNoHorizontalScroll(page);
  }
  // The live view with its code and QR code, once the half-day is open.
  const opened = await openSlot({ ...ctx, now: () => new Date(slot.startsAt.getTime() - 10 * 60_000) }, { actor: coordinator, slotId: slot.id });
  expect(opened.ok).toBe(true);
  await page.goto(`/formation/demi-journees/${slot.id}`);
  await expect(page.locator('[data-code]')).toHaveText(/^\d{6}$/);
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  // The signing dialog of the tablet.
  await page.goto(`/formation/demi-journees/${slot.id}/tablette`);
  await page.getByRole('button', { name: /STAGIAIRE Axe/ }).click();
  await expect(page.locator('canvas[data-signature-canvas]')).toBeVisible();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
  // The participant's side: signing page and their sessions.
  await signIn(trainee);
  for (const path of ['/emargement', '/mes-seances', `/formations/seances/${sessionId}/inscription`]) {
    await page.goto(path);
    await expectNoAxeViolations(page);
    await expectNoHorizontalScroll(page);
  }
});

test('a wrong role cannot change a session or sign for someone', async ({ playwright, person, db, baseURL }) => {
  const { createSession } = await import('../../src/lib/accounts/sessions.ts');
  const coordinator = await person({ givenName: 'Droit', familyName: 'Coordination', roles: ['coordinator'] });
  const trainer = await person({ givenName: 'Droit', familyName: 'Formateur', roles: ['trainer'] });
  const otherTrainer = await person({ givenName: 'Droit', familyName: 'Autre', roles: ['trainer'] });
  const trainee = await person({ givenName: 'Droit', familyName: 'Stagiaire', roles: ['trainee'] });
  const ctx = testContext(db, new Date());
  const training = await addTraining(ctx, coordinator);
  const sessionId = await addSession(ctx, { coordinator, trainers: [trainer], training, capacity: 5 });
  await enrol(ctx, { actorId: trainee.id, actorRoles: trainee.roles, personId: trainee.id, sessionId });
  const slotId = (await sessionOverview(db, sessionId))!.slots[0]!.id;
  const as = async (who: typeof trainee) =>
    playwright.request.newContext({ baseURL, maxRedirects: 0, extraHTTPHeaders: { origin: baseURL!, cookie: `esper_session=${(await createSession(db, who.id, { days: 30 })).token}` } });

  // A trainer of the session cannot change its seats: that is the coordination's job.
  const asTrainer = await as(trainer);
  const update = await asTrainer.post(`/formation/seances/${sessionId}`, { form: { intent: 'update', place: 'Ailleurs', capacity: '99', noticeHours: '0' } });
  expect(update.status()).toBe(403);
  expect((await sessionOverview(db, sessionId))!.capacity).toBe(5);
  // A trainer of another session sees none of it.
  const asOther = await as(otherTrainer);
  expect((await asOther.get(`/formation/seances/${sessionId}`)).status()).toBe(403);
  expect((await asOther.get(`/formation/seances/${sessionId}/feuille-pdf`)).status()).toBe(403);
  const foreign = await asOther.post(`/api/demi-journees/${slotId}/signatures`, {
    data: { key: crypto.randomUUID(), personId: trainee.id, signedAt: new Date().toISOString(), typedName: 'Droit Stagiaire' },
  });
  expect(foreign.status()).toBe(403);
  expect((await foreign.json()).message).toContain('Seuls les formateurs de cette séance');
  // A trainee cannot sign through the tablet's endpoint, nor open the half-day.
  const asTrainee = await as(trainee);
  expect((await asTrainee.post(`/api/demi-journees/${slotId}/signatures`, { data: { key: crypto.randomUUID(), personId: trainee.id, signedAt: new Date().toISOString(), typedName: 'Moi' } })).status()).toBe(403);
  expect((await asTrainee.post(`/formation/demi-journees/${slotId}`, { form: { intent: 'open' } })).status()).toBe(403);
  expect(await db.selectFrom('attendance_record').select('id').where('slot_id', '=', slotId).execute()).toEqual([]);
  // Signed out, the tablet's endpoint says 401, so the tablet keeps the signature for later.
  const anonymous = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL! } });
  expect((await anonymous.post(`/api/demi-journees/${slotId}/signatures`, { data: {} })).status()).toBe(401);
});
