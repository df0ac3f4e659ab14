import { randomUUID } from 'node:crypto';
import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations, expectNoHorizontalScroll } from './support/axe.ts';
import type { Database } from '../../src/lib/db/index.ts';
import type { WorldPerson } from '../support/world.ts';

/**
 * The carnet de bord in the browser: a trainee writes and shares a note, their referent reads
 * it, and the coordination and the admin find no trace of it on any page they can open.
 */

/** Puts a trainee in the pathway on a stage, with referents (straight in the table: choosing referents has its own tests). */
async function inPathway(db: Database, trainee: WorldPerson, stage: number, referents: { professional?: WorldPerson; peer?: WorldPerson }) {
  await db
    .insertInto('pathway_member')
    .values({ person_id: trainee.id, stage, professional_referent_id: referents.professional?.id ?? null, peer_referent_id: referents.peer?.id ?? null })
    .execute();
}

test('a trainee writes a note and shares it; their referent reads it; the coordination and the admin never see it', async ({ page, browser, person, signIn, db, baseURL }) => {
  const trainee = await person({ givenName: 'Camille', familyName: 'Martin', roles: ['trainee'] });
  const referent = await person({ givenName: 'Karim', familyName: 'Benali', roles: ['professional'] });
  const peer = await person({ givenName: 'Nadia', familyName: 'Rossi', roles: ['trainer'] });
  const coordinator = await person({ givenName: 'Julien', familyName: 'Morel', roles: ['coordinator'] });
  const admin = await person({ givenName: 'Sophie', familyName: 'Laurent', roles: ['admin'] });
  await inPathway(db, trainee, 2, { professional: referent, peer });
  const marker = `MARQUEUR-${randomUUID()}`;
  const privateMarker = `PRIVE-${randomUUID()}`;

  await signIn(trainee);
  await page.goto('/mon-parcours/carnet');
  await expect(page.getByText('Personne d’autre que vous ne le lit')).toBeVisible();
  await expect(page.getByLabel('Étape du parcours')).toHaveValue('2');
  await page.getByLabel('Votre note').fill(`Une note que je garde. ${privateMarker}`);
  await page.getByRole('button', { name: 'Enregistrer la note' }).click();
  await expect(page.getByText('Votre note est enregistrée')).toBeVisible();
  await page.getByLabel('Votre note').fill(`Ma première mission en binôme.\nJ’ai surtout écouté. ${marker}`);
  await page.getByRole('button', { name: 'Enregistrer la note' }).click();
  await expect(page.getByText('Votre note est enregistrée')).toBeVisible();
  await expect(page.getByText(marker)).toBeVisible();
  // Sharing says who will read, by name, before the button is pressed.
  await expect(page.getByText('Karim Benali (référent·e professionnel·le)').first()).toBeVisible();
  await expectNoAxeViolations(page);

  const entry = await db.selectFrom('journal_entry').select('id').where('author_id', '=', trainee.id).where('body', 'like', `%${marker}`).executeTakeFirstOrThrow();
  const card = page.locator(`#note-${entry.id}`);
  // With the keyboard alone.
  await card.getByRole('button', { name: /^Partager avec mes référent·es/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByText('La note est partagée avec vos référent·es')).toBeVisible();
  await expect(page.locator(`#note-${entry.id}`).getByText(/Partagée avec vos référent·es le/)).toBeVisible();

  // The referent reads it, with the trainee's name and stage; not the private note.
  const referentContext = await browser.newContext();
  await signIn(referent, referentContext);
  const referentPage = await referentContext.newPage();
  await referentPage.goto('/accompagnement/carnets');
  await expect(referentPage.getByRole('heading', { name: 'Camille Martin' })).toBeVisible();
  await expect(referentPage.getByText(marker)).toBeVisible();
  await expect(referentPage.getByText(/Étape 2 : Initiation au métier/)).toBeVisible();
  expect(await referentPage.content()).not.toContain(privateMarker);
  await expectNoAxeViolations(referentPage);
  await referentPage.setViewportSize({ width: 320, height: 640 });
  await expectNoHorizontalScroll(referentPage);
  // Their own journal page is not the trainee's.
  expect(await (await referentPage.request.get('/mon-parcours/carnet')).text()).not.toContain(marker);
  await referentContext.close();

  // The coordination and the admin: every page they can open about this trainee, and their own.
  for (const [who, paths] of [
    [coordinator, [`/coordination/personnes/${trainee.id}`, `/coordination/parcours/${trainee.id}`, '/coordination/parcours', '/coordination/personnes', '/accompagnement/carnets', '/mon-compte/donnees']],
    [admin, [`/admin/personnes/${trainee.id}`, `/coordination/personnes/${trainee.id}`, `/coordination/parcours/${trainee.id}`, '/admin/courriels', '/accompagnement/carnets', '/mon-compte/donnees']],
  ] as const) {
    const context = await browser.newContext();
    await signIn(who, context);
    const request = context.request;
    for (const path of paths) {
      const response = await request.get(path);
      expect(response.status(), `${who.familyName} ${path}`).toBeLessThan(400);
      const text = await response.text();
      expect(text, `${who.familyName} ${path}`).not.toContain(marker);
      expect(text, `${who.familyName} ${path}`).not.toContain(privateMarker);
    }
    // There is no author in the journal's address: whatever is added, it shows the viewer's own (empty) journal.
    const otherPage = await context.newPage();
    await otherPage.goto(`/mon-parcours/carnet?auteur=${trainee.id}&personne=${trainee.id}&modifier=${entry.id}&supprimer=${entry.id}`);
    await expect(otherPage.getByText('Votre compte ne fait pas partie du parcours pour l’instant')).toBeVisible();
    expect(await otherPage.content()).not.toContain(marker);
    expect(await otherPage.locator('textarea').count()).toBe(0);
    // A write aimed at the trainee's note is answered as if it did not exist, and changes nothing.
    for (const intent of ['delete', 'unshare']) {
      const response = await request.post('/mon-parcours/carnet', { form: { intent, entry: entry.id }, headers: { origin: baseURL! }, maxRedirects: 0 });
      expect(response.status()).toBe(404);
      expect(await response.text()).not.toContain(marker);
    }
    const update = await request.post('/mon-parcours/carnet', { form: { intent: 'update', entry: entry.id, stage: '1', body: 'Réécrit' }, headers: { origin: baseURL! }, maxRedirects: 0 });
    expect(update.status()).toBe(404);
    await context.close();
  }
  const after = await db.selectFrom('journal_entry').select(['body', 'stage', 'shared_at']).where('id', '=', entry.id).executeTakeFirstOrThrow();
  expect(after).toMatchObject({ body: expect.stringContaining(marker), stage: 2 });
  expect(after.shared_at).not.toBeNull();

  // The author's own download holds the whole journal.
  const own = await page.request.get('/mon-compte/donnees');
  const ownText = await own.text();
  expect(ownText).toContain(marker);
  expect(ownText).toContain(privateMarker);
});

test.describe('without JavaScript', () => {
  // Axe and the layout checks run scripts in the page: they are in the tests above and in
  // accessibility.spec.ts; this one proves the forms work with no script at all.
  test.use({ javaScriptEnabled: false });

  test('a trainee edits, takes back and deletes a note after confirming, on a phone', async ({ page, person, signIn, db }) => {
    await page.setViewportSize({ width: 320, height: 640 });
    const trainee = await person({ givenName: 'Zoë', familyName: 'Lefèvre', roles: ['trainee'] });
    const referent = await person({ givenName: 'Anne', familyName: 'Blanc', roles: ['professional'] });
    await inPathway(db, trainee, 3, { professional: referent });
    await signIn(trainee);
    await page.goto('/mon-parcours/carnet');

    // An empty note is refused next to the field, and the page stays accessible.
    await page.getByRole('button', { name: 'Enregistrer la note' }).click();
    await expect(page.getByRole('alert')).toContainText('Le formulaire contient des erreurs');
    await expect(page.getByLabel('Votre note')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('Votre note')).toHaveAccessibleDescription(/ce champ est obligatoire/);

    await page.getByLabel('Étape du parcours').selectOption('1');
    await page.getByLabel('Votre note').fill('Un-mot-très-long-sans-espace-'.repeat(8));
    await page.getByRole('button', { name: 'Enregistrer la note' }).click();
    await expect(page.getByText('Votre note est enregistrée')).toBeVisible();
    await expect(page.getByRole('heading', { name: /Étape 1/ })).toBeVisible();

    await page.getByRole('link', { name: /^Modifier/ }).click();
    await page.getByLabel('Texte de la note').fill('Relue et complétée.');
    await page.getByRole('button', { name: 'Enregistrer les modifications' }).click();
    await expect(page.getByText('Votre note est modifiée.')).toBeVisible();
    await expect(page.getByText('Relue et complétée.')).toBeVisible();

    await page.getByRole('button', { name: /^Partager avec mes référent·es/ }).click();
    await expect(page.getByText('La note est partagée')).toBeVisible();
    await page.getByRole('button', { name: /^Ne plus partager/ }).click();
    await expect(page.getByText('La note est de nouveau privée')).toBeVisible();

    await page.getByRole('link', { name: /^Supprimer/ }).click();
    await expect(page.getByText('Supprimer cette note ?')).toBeVisible();
    await page.getByRole('button', { name: /^Oui, supprimer la note/ }).click();
    await expect(page.getByText('La note est supprimée de votre carnet.')).toBeVisible();
    await expect(page.getByText('Relue et complétée.')).toHaveCount(0);
    expect(await db.selectFrom('journal_entry').select('id').where('author_id', '=', trainee.id).execute()).toEqual([]);
  });
});
