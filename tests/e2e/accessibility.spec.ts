import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations, expectNoHorizontalScroll } from './support/axe.ts';
import type { Role } from '../../src/lib/db/schema.ts';

/** Each page, seen by someone who may open it, on a computer and on a small phone. */
const PAGES: Array<{ path: string; as: Role | null; name: string }> = [
  { path: '/', as: null, name: 'accueil public' },
  { path: '/connexion', as: null, name: 'connexion' },
  { path: '/inscription', as: null, name: 'inscription' },
  { path: '/inscription?envoye=1', as: null, name: 'inscription envoyée' },
  { path: '/mot-de-passe-oublie', as: null, name: 'mot de passe oublié' },
  { path: '/mot-de-passe/nouveau?jeton=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', as: null, name: 'lien expiré ou inconnu' },
  { path: '/invitation?jeton=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', as: null, name: 'invitation inconnue' },
  { path: '/page-qui-n-existe-pas', as: null, name: '404' },
  { path: '/accueil', as: 'trainee', name: 'espace stagiaire' },
  { path: '/accueil', as: 'admin', name: 'espace admin' },
  { path: '/mon-compte', as: 'professional', name: 'mon compte' },
  { path: '/mon-compte/suppression', as: 'trainee', name: 'suppression du compte' },
  { path: '/coordination/invitations', as: 'coordinator', name: 'invitations' },
  { path: '/admin/personnes', as: 'admin', name: 'personnes et rôles' },
  { path: '/admin/courriels', as: 'admin', name: 'courriels' },
  { path: '/admin/personnes', as: 'trainer', name: '403' },
  { path: '/modules', as: 'trainee', name: 'catalogue des modules' },
  { path: '/coordination/personnes', as: 'coordinator', name: 'personnes (coordination)' },
  { path: '/coordination/personnes?q=acc%C3%A8s&role=trainee&tri=inscription', as: 'coordinator', name: 'personnes filtrées et triées' },
  { path: '/coordination/personnes?tri=email', as: 'coordinator', name: 'personnes : adresse refusée' },
  { path: '/coordination/seances?periode=toutes', as: 'coordinator', name: 'séances (coordination)' },
  { path: '/coordination/attestations?du=2026-01-01&au=2026-12-31', as: 'coordinator', name: 'attestations (coordination)' },
  { path: '/coordination/missions?statut=validated', as: 'coordinator', name: 'missions en binôme (coordination)' },
  { path: '/formation/activites', as: 'trainer', name: 'activités H5P' },
  { path: '/modules?theme=wrap&etape=3', as: 'professional', name: 'catalogue filtré' },
  { path: '/modules/retablissement', as: 'trainee', name: 'présentation d’un module' },
  { path: '/modules/retablissement/les-cinq-principes', as: 'trainee', name: 'section d’un module' },
  { path: '/modules/pssm/verifier-ses-acquis', as: 'professional', name: 'section avec une activité' },
  { path: '/formations', as: null, name: 'catalogue des formations' },
  { path: '/mes-seances', as: 'professional', name: 'mes séances' },
  { path: '/emargement', as: 'trainee', name: 'émarger' },
  { path: '/emargement?code=12', as: 'trainee', name: 'émarger avec un code du QR' },
  { path: '/formation/seances', as: 'trainer', name: 'séances à animer' },
  { path: '/formation/seances', as: 'coordinator', name: 'toutes les séances' },
  { path: '/coordination/formations', as: 'coordinator', name: 'formations à gérer' },
  { path: '/coordination/organisation', as: 'coordinator', name: 'coordonnées de l’organisme' },
  { path: '/mes-attestations', as: 'trainee', name: 'mes attestations' },
  { path: '/mon-parcours', as: 'trainee', name: 'mon parcours' },
  { path: '/mon-parcours', as: 'professional', name: 'mon parcours hors du parcours' },
  { path: '/coordination', as: 'coordinator', name: 'tableau de bord' },
  { path: '/coordination', as: 'admin', name: 'tableau de bord (admin)' },
  { path: '/coordination/parcours', as: 'coordinator', name: 'parcours : la cohorte' },
  { path: '/coordination/parcours?etape=1', as: 'coordinator', name: 'parcours : une étape' },
  { path: '/coordination/parcours/conditions', as: 'coordinator', name: 'conditions des étapes' },
  { path: '/coordination/bilan', as: 'coordinator', name: 'bilan annuel' },
  { path: '/coordination/exports', as: 'coordinator', name: 'mes exports' },
  { path: '/coordination/bilan?du=2025-12-31&au=2025-01-01', as: 'admin', name: 'bilan annuel, période refusée' },
  { path: '/mon-parcours/carnet', as: 'trainee', name: 'carnet de bord (vide)' },
  { path: '/mon-parcours/carnet', as: 'coordinator', name: 'carnet de bord hors du parcours' },
  { path: '/accompagnement/carnets', as: 'professional', name: 'carnets partagés (aucun)' },
  { path: '/mon-parcours/missions', as: 'trainee', name: 'mes missions (étape 1)' },
  { path: '/mon-parcours/missions', as: 'professional', name: 'mes missions hors du parcours' },
  { path: '/accompagnement', as: 'trainer', name: 'accompagnement (rien à faire)' },
  { path: '/verifier', as: null, name: 'vérifier une attestation' },
  { path: '/verifier/EP-2026-999999', as: null, name: 'attestation inconnue' },
];

for (const viewport of [
  { label: 'ordinateur', width: 1280, height: 800 },
  { label: 'téléphone 320 px', width: 320, height: 640 },
]) {
  test.describe(viewport.label, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });
    for (const entry of PAGES) {
      test(`${entry.name} passes axe (WCAG 2.1 AA) and fits the screen`, async ({ page, person, signIn }) => {
        if (entry.as) await signIn(await person({ givenName: 'Axe', familyName: entry.as, roles: [entry.as] }));
        await page.goto(entry.path);
        await expectNoAxeViolations(page);
        await expectNoHorizontalScroll(page);
      });
    }
  });
}

test('a form with errors passes axe, and names its errors next to the fields', async ({ page }) => {
  await page.goto('/inscription');
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await expect(page.getByRole('alert')).toContainText('Le formulaire contient des erreurs');
  await expect(page.getByLabel('Prénom')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Prénom')).toHaveAccessibleDescription(/ce champ est obligatoire/);
  await expectNoAxeViolations(page);
});

test('the person-detail page of an admin passes axe', async ({ page, person, signIn }) => {
  await signIn(await person({ givenName: 'Axe', familyName: 'Admin', roles: ['admin'] }));
  const someone = await person({ givenName: 'Zoë', familyName: 'Lefèvre', roles: ['trainee', 'trainer'] });
  await page.goto(`/admin/personnes/${someone.id}`);
  await expectNoAxeViolations(page);
});

test('the referents page of a trainee passes axe, and names a refusal beside its field', async ({ page, person, signIn }) => {
  await signIn(await person({ givenName: 'Axe', familyName: 'Coordination', roles: ['coordinator'] }));
  const trainee = await person({ givenName: 'Zoë', familyName: 'Lefèvre', roles: ['trainee'] });
  await page.goto(`/coordination/parcours/${trainee.id}/referents`);
  await expectNoAxeViolations(page);
  await page.getByRole('textbox', { name: /^Référent·e professionnel·le/ }).fill('personne@inconnue.fr');
  await page.getByRole('button', { name: 'Enregistrer les référents' }).click();
  await expect(page.getByRole('alert')).toContainText('aucun compte ne porte cette adresse');
  await expect(page.getByRole('textbox', { name: /^Référent·e professionnel·le/ })).toHaveAttribute('aria-invalid', 'true');
  await expectNoAxeViolations(page);
});

test('the satisfaction survey and its results pass axe, on a computer and on a phone', async ({ page, person, signIn, db }) => {
  test.setTimeout(90_000);
  const { testContext } = await import('../support/context.ts');
  const { addTraining } = await import('../support/sessions.ts');
  const { finishedSession } = await import('../support/finished-session.ts');
  const { submitSurveyAnswer } = await import('../../src/lib/surveys/participation.ts');
  const coordinator = await person({ givenName: 'Axe', familyName: 'Coordination', roles: ['coordinator'] });
  const trainer = await person({ givenName: 'Axe', familyName: 'Formatrice', roles: ['trainer'] });
  const people = await Promise.all([1, 2, 3, 4].map((n) => person({ givenName: 'Axe', familyName: `Participant${n}`, roles: ['trainee'] })));
  const ctx = testContext(db, new Date());
  const training = await addTraining(ctx, coordinator, { title: `Axe satisfaction ${Math.random().toString(36).slice(2, 7)}` });
  const sessionId = await finishedSession(ctx, { coordinator, trainer, training, participants: people.map((p) => ({ person: p, presence: [true, true, true, true] })) });
  for (const [i, p] of people.slice(1).entries())
    await submitSurveyAnswer(ctx, { personId: p.id, sessionId, answer: { phase: 'hot', overall: 5 - i, objectives: 4, trainers: 5, organisation: 3, comment: `Un commentaire assez long pour passer à la ligne sur un téléphone, numéro ${i}` } });
  const pages = [
    { who: people[0]!, path: `/mes-seances/${sessionId}/avis` },
    { who: people[0]!, path: '/mes-seances' },
    { who: coordinator, path: `/formation/seances/${sessionId}/satisfaction` },
    { who: coordinator, path: `/coordination/formations/${training.id}/satisfaction` },
  ];
  for (const viewport of [{ width: 1280, height: 800 }, { width: 320, height: 640 }]) {
    await page.setViewportSize(viewport);
    for (const entry of pages) {
      await page.context().clearCookies();
      await signIn(entry.who);
      await page.goto(entry.path);
      await expectNoAxeViolations(page);
      await expectNoHorizontalScroll(page);
    }
  }
  // The form sent empty: its errors are named in each fieldset, and still pass axe.
  await page.context().clearCookies();
  await signIn(people[0]!);
  await page.goto(`/mes-seances/${sessionId}/avis`);
  await page.getByRole('button', { name: 'Envoyer mon avis' }).click();
  await expect(page.getByRole('alert')).toContainText('Le formulaire contient des erreurs');
  await expect(page.getByRole('group', { name: /Dans l’ensemble/ })).toContainText('Satisfaction générale : choisissez une réponse.');
  await expectNoAxeViolations(page);
});

test('the dashboard’s charts each have a name, a description and their figures in a table, on a phone too', async ({ page, person, signIn }) => {
  await page.setViewportSize({ width: 320, height: 640 });
  await person({ givenName: 'Graphique', familyName: 'Stagiaire', roles: ['trainee'] });
  await signIn(await person({ givenName: 'Axe', familyName: 'Tableau de bord', roles: ['coordinator'] }));
  await page.goto('/coordination');
  await expect(page.getByRole('heading', { level: 1, name: 'Tableau de bord' })).toBeVisible();
  // There is at least one trainee: the stages' chart is drawn.
  await expect(page.getByRole('img', { name: 'Stagiaires par étape du parcours' })).toBeVisible();
  const charts = page.locator('svg[role="img"]');
  for (const chart of await charts.all()) {
    await expect(chart).toHaveAccessibleName(/.+/);
    await expect(chart).toHaveAccessibleDescription(/.+/);
    expect(await chart.getAttribute('style')).toBeNull();
  }
  // « Voir les données » opens with the keyboard, and the figures link to their lists.
  const summaries = page.locator('summary', { hasText: 'Voir les données' });
  expect(await summaries.count()).toBe(await charts.count());
  await summaries.first().focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('link', { name: '1. Programme découverte' })).toHaveAttribute('href', '/coordination/parcours?etape=1');
  for (const summary of await summaries.all()) if (!(await summary.evaluate((el) => (el.parentElement as HTMLDetailsElement).open))) await summary.click();
  await expectNoAxeViolations(page);
  await expectNoHorizontalScroll(page);
});

test('the keyboard alone reaches the content first, then every link of the navigation', async ({ page }) => {
  await page.goto('/connexion');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Aller au contenu' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Adresse e-mail')).toBeFocused();
  await page.keyboard.type('personne@exemple.fr');
  await page.keyboard.press('Tab');
  await page.keyboard.type('un mot de passe');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('alert')).toHaveText('Adresse e-mail ou mot de passe incorrect.');
});

test('every response carries the security headers, and the session cookie is HttpOnly and SameSite', async ({ page, request, person }) => {
  const response = await request.get('/connexion');
  const headers = response.headers();
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['content-security-policy']).toContain("script-src 'self'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('same-origin');

  const someone = await person({ givenName: 'Cookie', familyName: 'Test', roles: ['trainee'] });
  await page.goto('/connexion');
  await page.getByLabel('Adresse e-mail').fill(someone.email);
  await page.getByLabel('Mot de passe').fill(someone.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page).toHaveURL(/\/accueil$/);
  const cookie = (await page.context().cookies()).find((c) => c.name === 'esper_session');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  expect(cookie!.value).toMatch(/^[a-z2-7]{32}$/);
});
