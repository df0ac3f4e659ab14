import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations, expectNoHorizontalScroll } from './support/axe.ts';
import { parisDay } from '../../src/lib/time.ts';

const PHONE = { width: 375, height: 740 };

test.use({ viewport: PHONE });

test('a trainee on stage 2 logs a mission on a phone, and their pair validates it from « Accompagnement »', async ({ page, browser, person, signIn, db }) => {
  test.setTimeout(90_000);
  const suffix = Math.random().toString(36).slice(2, 7);
  const trainee = await person({ givenName: 'Camille', familyName: `Martin${suffix}`, roles: ['trainee'] });
  const pair = await person({ givenName: 'Inès', familyName: `Garcia${suffix}`, roles: ['trainer'] });
  // Stage 2 is reached through a passage, tested with the pathway core; here it is set directly.
  await db.insertInto('pathway_member').values({ person_id: trainee.id, stage: 2 }).execute();

  await signIn(trainee);
  await page.goto('/mon-parcours/missions');
  await expect(page.getByRole('heading', { name: 'Noter une mission' })).toBeVisible();
  await expect(page.getByText('il n’y a pas de champ libre')).toBeVisible();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  // Without a duration, the form says what to fix, next to the field, and keeps what was typed.
  const yesterday = parisDay(new Date(Date.now() - 86_400_000));
  await page.getByLabel('Date de la mission').fill(yesterday);
  await page.getByLabel('Type de mission').selectOption({ label: 'Atelier' });
  await page.getByLabel('Structure partenaire').fill('GEM Le Fil, Marseille');
  await page.getByLabel('Nom de votre binôme').fill(`Inès Garcia${suffix}`);
  await page.getByLabel('Adresse e-mail de votre binôme').fill(pair.email);
  await page.getByRole('button', { name: 'Noter la mission' }).click();
  await expect(page.getByRole('alert').first()).toContainText('Durée : entre 15 minutes et 12 heures.');
  await expect(page.getByLabel('Structure partenaire')).toHaveValue('GEM Le Fil, Marseille');
  await expectNoAxeViolations(page);

  await page.getByLabel('Heures').selectOption('2');
  await page.getByLabel('Minutes').selectOption('30');
  await page.getByRole('button', { name: 'Noter la mission' }).click();
  await page.waitForURL(/\/mon-parcours\/missions\?info=notee$/);
  await expect(page.getByText('Mission notée')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Atelier, 2 h 30' })).toBeVisible();
  await expect(page.getByText('En attente de validation')).toBeVisible();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);

  // The pair, on their own phone, finds it to validate.
  const pairContext = await browser.newContext({ viewport: PHONE });
  await signIn(pair, pairContext);
  const pairPage = await pairContext.newPage();
  await pairPage.goto('/accompagnement');
  await expect(pairPage.getByRole('heading', { name: `Camille Martin${suffix} : Atelier, 2 h 30` })).toBeVisible();
  await expectNoAxeViolations(pairPage);
  await expectNoHorizontalScroll(pairPage);

  // Returning needs a comment: the page says so, beside the mission.
  await pairPage.getByRole('button', { name: /^Renvoyer avec un commentaire/ }).click();
  await expect(pairPage.getByRole('alert')).toContainText('ce qu’il faut corriger');
  await expectNoAxeViolations(pairPage);

  await pairPage.getByLabel('Commentaire').fill('Merci pour ce bel atelier.');
  await pairPage.getByRole('button', { name: /^Valider/ }).click();
  await pairPage.waitForURL(/\/accompagnement\?info=validee$/);
  await expect(pairPage.getByText('Mission validée')).toBeVisible();
  await expect(pairPage.getByText('Rien à faire ici pour le moment.', { exact: false })).toBeVisible();
  await pairContext.close();

  // The trainee sees it validated, and the hours counted.
  await page.goto('/mon-parcours/missions');
  await expect(page.getByText('Validée', { exact: true })).toBeVisible();
  await expect(page.getByText('Heures validées : 2 h 30')).toBeVisible();
  await expect(page.getByText('« Merci pour ce bel atelier. »')).toBeVisible();
  await expect(page.getByRole('button', { name: /^Supprimer/ })).toHaveCount(0);
});
