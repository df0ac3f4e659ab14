import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations, expectNoHorizontalScroll } from './support/axe.ts';

/**
 * A trainee on stage 1 sees what is missing on a phone; once the module is done and the
 * coordination has ticked its condition, they ask for the validation; the coordination validates
 * from the trainee's page and issues the stage attestation; the timeline moves.
 */
test('a stage from its checklist to its attestation', async ({ page, browser, baseURL, person, signIn, db }) => {
  // Two browsers, several axe scans and a PDF: as long as the other whole stories.
  test.setTimeout(90_000);
  const suffix = Math.random().toString(36).slice(2, 7);
  const trainee = await person({ givenName: 'Inès', familyName: `Parcours${suffix}`, roles: ['trainee'] });
  const coordinator = await person({ givenName: 'Julien', familyName: `Morel${suffix}`, roles: ['coordinator'] });

  const phoneContext = await browser.newContext({ baseURL, viewport: { width: 375, height: 800 } });
  await signIn(trainee, phoneContext);
  const phone = await phoneContext.newPage();
  await phone.goto('/mon-parcours');
  await expect(phone.getByText('Vous êtes à l’étape 1 sur 7 : Programme découverte.')).toBeVisible();
  const checklist = phone.locator('.checklist');
  await expect(checklist.getByText('À faire')).toHaveCount(2);
  await expect(phone.getByRole('link', { name: /Ouvrir le module : Terminer le module « Découvrir la pair-aidance/ })).toBeVisible();
  await expect(phone.getByRole('button', { name: 'Demander la validation de l’étape' })).toHaveCount(0);
  await expectNoAxeViolations(phone);
  await expectNoHorizontalScroll(phone);

  // The module done (as the module pages record it), the coordination ticks the other condition.
  await db.insertInto('module_progress').values({ person_id: trainee.id, module_id: 'decouvrir-la-pair-aidance', updated_at: new Date(), completed_at: new Date() }).execute();
  await signIn(coordinator);
  await page.goto(`/coordination/parcours/${trainee.id}`);
  await page.getByRole('button', { name: /^Cocher/ }).click();
  await expect(page.getByText('C’est noté.')).toBeVisible();

  await phone.reload();
  await phone.getByRole('button', { name: 'Demander la validation de l’étape' }).click();
  await expect(phone.getByText('Votre demande est envoyée.')).toBeVisible();

  // The request shows on the board; the coordination validates with a word, then issues the attestation.
  await page.goto('/coordination/parcours');
  await expectNoAxeViolations(page);
  await page.getByRole('link', { name: new RegExp(`PARCOURS${suffix.toUpperCase()} Inès`) }).first().click();
  await expect(page.getByText(/Validation demandée le/)).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByLabel('Commentaire').fill('Bravo pour cette première étape.');
  await page.getByRole('button', { name: 'Valider l’étape 1' }).click();
  await expect(page.getByText('Étape validée : la personne est prévenue par e-mail.')).toBeVisible();
  await page.getByRole('button', { name: /Délivrer l’attestation d’étape/ }).click();
  await expect(page.getByText('Attestation d’étape délivrée : la personne est prévenue par e-mail.')).toBeVisible();
  await expect(page.getByRole('link', { name: /attestation n° EP-\d{4}-\d{6}/ }).first()).toBeVisible();

  await phone.reload();
  await expect(phone.getByText('Vous êtes à l’étape 2 sur 7 : Initiation au métier.')).toBeVisible();
  await expect(phone.getByText(/Validée le .* · attestation n° EP-/)).toBeVisible();
  await expect(phone.getByText(/étape 1 validée par Julien/)).toBeVisible();
  await expectNoAxeViolations(phone);
  await phoneContext.close();
});

test('the coordination edits the rules of a stage; the history keeps the old one', async ({ page, person, signIn }) => {
  const coordinator = await person({ givenName: 'Claire', familyName: `Règles${Math.random().toString(36).slice(2, 7)}`, roles: ['coordinator'] });
  await signIn(coordinator);
  await page.goto('/coordination/parcours/conditions');
  await page.getByLabel('Étape').selectOption('5');
  await page.getByLabel('Type de condition').selectOption('coordinator_check');
  await page.getByLabel('Condition (pour « condition validée par la coordination »)').fill('A présenté un atelier en binôme');
  await page.getByRole('button', { name: 'Ajouter la condition' }).click();
  await expect(page.getByText('Condition ajoutée.')).toBeVisible();
  const section = page.getByRole('region', { name: /^5\./ });
  await expect(section.getByText('A présenté un atelier en binôme', { exact: true })).toBeVisible();
  await section.getByRole('button', { name: 'Retirer : A présenté un atelier en binôme' }).click();
  await expect(page.getByText('Condition retirée : elle reste dans l’historique et n’est plus demandée.')).toBeVisible();
  await expect(page.getByText(/Étape 5 : A présenté un atelier en binôme — en vigueur du/).first()).toBeVisible();
  await expectNoAxeViolations(page);
});
