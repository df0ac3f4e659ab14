import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations, expectNoHorizontalScroll } from './support/axe.ts';
import { parisDay } from '../../src/lib/time.ts';
import { pdfText } from '../support/pdf.ts';

const PHONE = { width: 375, height: 800 };

/**
 * The pathway's whole story in one run, each person on their own device: a trainee on stage 2
 * sees the mission hours missing, logs a mission on their phone; their peer referent validates
 * it; the trainee asks for the validation; the coordination puts them in a promotion, validates
 * the stage and issues its attestation; the trainee's timeline moves and the email arrives.
 */
test('from a missing requirement to the stage attestation', async ({ page, browser, baseURL, person, signIn, db }) => {
  test.setTimeout(120_000);
  const suffix = Math.random().toString(36).slice(2, 7);
  const trainee = await person({ givenName: 'Nora', familyName: `Binome${suffix}`, roles: ['trainee'] });
  const referent = await person({ givenName: 'Sami', familyName: `Referent${suffix}`, roles: ['trainer'] });
  const coordinator = await person({ givenName: 'Hélène', familyName: `Coord${suffix}`, roles: ['coordinator'] });

  // Where the story starts: stage 1 validated, the module of stage 2 done, 18 of the 20 hours of
  // missions already validated, and a peer referent named (each tested on its own elsewhere).
  const monthAgo = new Date(Date.now() - 30 * 86_400_000);
  await db.insertInto('pathway_member').values({ person_id: trainee.id, stage: 2, stage_since: monthAgo, peer_referent_id: referent.id }).execute();
  await db.insertInto('pathway_decision').values({ person_id: trainee.id, stage: 1, decision: 'validated', comment: 'Bienvenue.', decided_by: coordinator.id, decided_at: monthAgo }).execute();
  await db.insertInto('module_progress').values({ person_id: trainee.id, module_id: 'retablissement', updated_at: new Date(), completed_at: new Date() }).execute();
  await db
    .insertInto('volunteer_mission')
    .values(
      [0, 1, 2].map((i) => ({
        person_id: trainee.id,
        stage: 2,
        done_on: parisDay(new Date(Date.now() - (20 - i) * 86_400_000)),
        minutes: 360,
        kind: 'group' as const,
        partner_structure: 'GEM de la Belle de Mai',
        pair_name: 'Yasmine Aït',
        status: 'validated' as const,
        reviewed_by: referent.id,
        reviewed_at: new Date(),
      })),
    )
    .execute();

  // 1. The trainee, on a phone, sees what is missing and follows the link to log a mission.
  const phoneContext = await browser.newContext({ baseURL, viewport: PHONE });
  await signIn(trainee, phoneContext);
  const phone = await phoneContext.newPage();
  await phone.goto('/mon-parcours');
  await expect(phone.getByText('Vous êtes à l’étape 2 sur 7 : Initiation au métier.')).toBeVisible();
  await expect(phone.getByText('18 h validées sur 20 h')).toBeVisible();
  await expect(phone.locator('.checklist').getByText('À faire')).toHaveCount(1);
  await expect(phone.getByRole('button', { name: 'Demander la validation de l’étape' })).toHaveCount(0);
  await expectNoAxeViolations(phone);
  await expectNoHorizontalScroll(phone);
  await phone.getByRole('link', { name: /^Noter une mission/ }).click();

  await phone.getByLabel('Date de la mission').fill(parisDay(new Date(Date.now() - 86_400_000)));
  await phone.getByLabel('Heures').selectOption('2');
  await phone.getByLabel('Type de mission').selectOption({ label: 'Accompagnement individuel' });
  await phone.getByLabel('Structure partenaire').fill('CMP Marseille Centre');
  await phone.getByLabel('Nom de votre binôme').fill('Yasmine Aït');
  await phone.getByRole('button', { name: 'Noter la mission' }).click();
  await phone.waitForURL(/\/mon-parcours\/missions\?info=notee$/);
  await expect(phone.getByText('En attente de validation')).toBeVisible();

  // 2. The pair has no account: the peer referent validates the hours from « Accompagnement ».
  const referentContext = await browser.newContext({ baseURL, viewport: PHONE });
  await signIn(referent, referentContext);
  const referentPage = await referentContext.newPage();
  await referentPage.goto('/accompagnement');
  await expect(referentPage.getByRole('heading', { name: `Nora Binome${suffix} : Accompagnement individuel, 2 h` })).toBeVisible();
  await referentPage.getByLabel('Commentaire').fill('Très bien mené.');
  await referentPage.getByRole('button', { name: /^Valider/ }).click();
  await referentPage.waitForURL(/\/accompagnement\?info=validee$/);
  await referentContext.close();

  // 3. Everything is met: the trainee asks for the validation.
  await phone.goto('/mon-parcours');
  await expect(phone.getByText('20 h validées sur 20 h')).toBeVisible();
  await expect(phone.locator('.checklist').getByText('À faire')).toHaveCount(0);
  await phone.getByRole('button', { name: 'Demander la validation de l’étape' }).click();
  await expect(phone.getByText('Votre demande est envoyée.')).toBeVisible();

  // 4. The coordination finds the request on the board, names the promotion, validates, issues.
  await signIn(coordinator);
  await page.goto('/coordination/parcours');
  const request = page.getByRole('link', { name: `BINOME${suffix.toUpperCase()} Nora` }).first();
  await expect(request).toBeVisible();
  await request.click();
  await expect(page.getByText(/Validation demandée le/)).toBeVisible();
  await page.getByLabel('Promotion').fill(`Promotion ${suffix}`);
  await page.getByRole('button', { name: 'Enregistrer la promotion' }).click();
  await expect(page.getByText('Promotion enregistrée.')).toBeVisible();
  await expect(page.getByText(`Promotion : Promotion ${suffix}.`)).toBeVisible();
  await expectNoAxeViolations(page);
  await page.getByLabel('Commentaire').fill('Vos missions montrent une belle assurance. Bienvenue au pôle de formation continue !');
  await page.getByRole('button', { name: 'Valider l’étape 2' }).click();
  await expect(page.getByText('Étape validée : la personne est prévenue par e-mail.')).toBeVisible();
  await page.getByRole('button', { name: 'Délivrer l’attestation d’étape 2' }).click();
  await expect(page.getByText('Attestation d’étape délivrée : la personne est prévenue par e-mail.')).toBeVisible();
  const number = (await page.getByRole('link', { name: /attestation n° EP-\d{4}-\d{6}/ }).first().textContent())!.match(/EP-\d{4}-\d{6}/)![0];

  // 5. The timeline has moved; the attestation is the trainee's; the emails said so.
  await phone.goto('/mon-parcours');
  await expect(phone.getByText('Vous êtes à l’étape 3 sur 7 : Pôle de formation continue.')).toBeVisible();
  await expect(phone.getByText(`attestation n° ${number}`)).toBeVisible();
  await expect(phone.getByText(/étape 2 validée par Hélène .* Vos missions montrent une belle assurance/)).toBeVisible();
  await expectNoAxeViolations(phone);
  await expectNoHorizontalScroll(phone);
  await phone.goto('/mes-attestations');
  await expect(phone.getByText(`Initiation au métier · n° ${number}`)).toBeVisible();
  const pdfLink = await phone.getByRole('link', { name: new RegExp(`Télécharger le PDF.*${number}`) }).getAttribute('href');
  const pdf = await phoneContext.request.get(pdfLink!);
  expect(pdf.headers()['content-type']).toBe('application/pdf');
  const text = await pdfText(await pdf.body());
  expect(text).toContain(`Nora Binome${suffix}`);
  expect(text).toContain('Initiation au métier');
  await phoneContext.close();

  const subjects = (await db.selectFrom('outbox_email').select('subject').where('person_id', '=', trainee.id).orderBy('id').execute()).map((e) => e.subject);
  expect(subjects).toEqual(expect.arrayContaining([expect.stringMatching(/^Étape validée : /), expect.stringMatching(/attestation/i)]));
});
