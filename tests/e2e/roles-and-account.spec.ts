import { test, expect } from './support/fixtures.ts';
import { lastEmailTo } from '../support/mailbox.ts';

test('a coordinator invites a trainer, who sets a password and arrives with the role', async ({ page, browser, person, signIn, db }) => {
  const coordinator = await person({ givenName: 'Julien', familyName: 'Morel', roles: ['coordinator'] });
  await signIn(coordinator);
  await page.goto('/accueil');
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Tableau de bord' }).click();
  await page.getByRole('navigation', { name: 'Les autres outils de la coordination' }).getByRole('link', { name: 'Inviter' }).click();
  const email = `amina.${Date.now()}@exemple.fr`;
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Rôle').selectOption({ label: 'Formateur·rice' });
  await page.getByRole('button', { name: 'Envoyer l’invitation' }).click();
  await expect(page.getByText('L’invitation est envoyée')).toBeVisible();

  const link = /http:\/\/[^\s]+\/invitation\?jeton=[a-z2-7]{32}/.exec((await lastEmailTo(db, email)).body_text)![0];
  const invitee = await browser.newContext();
  const invitedPage = await invitee.newPage();
  await invitedPage.goto(link);
  await expect(invitedPage.getByText(email)).toBeVisible();
  await invitedPage.getByLabel('Prénom').fill('Amina');
  await invitedPage.getByLabel('Nom', { exact: true }).fill('Diallo');
  await invitedPage.getByLabel('Mot de passe').fill('mon atelier du jeudi');
  await invitedPage.getByRole('button', { name: 'Créer mon compte' }).click();
  await expect(invitedPage.getByText('Votre compte est prêt')).toBeVisible();
  await expect(invitedPage.getByRole('heading', { name: 'Mes sessions à animer' })).toBeVisible();
  await invitee.close();
});

test('an admin gives a second role, and the person’s navigation follows', async ({ page, browser, person, signIn }) => {
  const admin = await person({ givenName: 'Sophie', familyName: 'Laurent', roles: ['admin'] });
  const trainee = await person({ givenName: 'Łukasz', familyName: 'Nowak', roles: ['trainee'] });
  await signIn(admin);
  await page.goto(`/admin/personnes?q=${encodeURIComponent('Nowak')}`);
  await page.locator(`a[href="/admin/personnes/${trainee.id}"]`).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Łukasz Nowak');
  await page.getByRole('button', { name: 'Donner le rôle Coordinateur·rice' }).click();
  await expect(page.getByText('Les rôles sont à jour.')).toBeVisible();
  await expect(page.getByText('Coordinateur·rice : oui')).toBeVisible();

  const other = await browser.newContext();
  const traineePage = await other.newPage();
  await signIn(trainee, other);
  await traineePage.goto('/accueil');
  await expect(traineePage.getByRole('heading', { name: 'Coordination' })).toBeVisible();
  await expect(traineePage.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Tableau de bord' })).toBeVisible();
  await other.close();
});

test('a person downloads their data and erases their account', async ({ page, person, signIn }) => {
  const trainee = await person({ givenName: 'Théo', familyName: 'Carpentier', roles: ['trainee'] });
  await signIn(trainee);
  await page.goto('/mon-compte');
  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Télécharger mes données' }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^esper-parcours-mes-donnees-\d{4}-\d{2}-\d{2}\.json$/);
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const data = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  expect(data.person).toMatchObject({ email: trainee.email, givenName: 'Théo', familyName: 'Carpentier' });

  await page.getByRole('link', { name: 'Supprimer mon compte' }).click();
  await page.getByLabel('Votre mot de passe, pour confirmer').fill(trainee.password);
  await page.getByRole('button', { name: 'Supprimer définitivement mon compte' }).click();
  await expect(page.getByText('Cochez la case pour confirmer')).toBeVisible();
  await page.getByLabel('Votre mot de passe, pour confirmer').fill(trainee.password);
  await page.getByLabel('Je comprends que cette suppression est définitive.').check();
  await page.getByRole('button', { name: 'Supprimer définitivement mon compte' }).click();
  await expect(page.getByText('Votre compte a été supprimé.')).toBeVisible();
  await page.goto('/accueil');
  await expect(page).toHaveURL(/\/connexion/);
});

test('changing the password from "Mon compte" signs out the other devices', async ({ page, browser, person, signIn }) => {
  const trainer = await person({ givenName: 'Élodie', familyName: 'Marchand', roles: ['trainer'] });
  await signIn(trainer);
  const phone = await browser.newContext();
  const phonePage = await phone.newPage();
  await signIn(trainer, phone);
  await phonePage.goto('/accueil');
  await expect(phonePage).toHaveURL(/\/accueil$/);

  await page.goto('/mon-compte');
  await page.getByLabel('Mot de passe actuel').first().fill(trainer.password);
  await page.getByLabel('Nouveau mot de passe').fill('une toute nouvelle phrase');
  await page.getByRole('button', { name: 'Changer le mot de passe' }).click();
  await expect(page.getByText('Votre mot de passe est changé')).toBeVisible();

  await phonePage.goto('/accueil');
  await expect(phonePage).toHaveURL(/\/connexion/);
  await phone.close();
});
