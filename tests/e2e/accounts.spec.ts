import { test, expect } from './support/fixtures.ts';
import { lastEmailTo } from '../support/mailbox.ts';

// These tests go through the real login form: they are the tests of logging in itself.

test('a person registers, confirms their address from the email, logs in, meets a 403 and logs out', async ({ page, db }) => {
  const email = `zoe.${Date.now()}@exemple.fr`;
  await page.goto('/');
  await page.getByRole('link', { name: 'Créer un compte' }).first().click();

  // A first try with a weak password is refused in French, keeping what was typed.
  await page.getByLabel('Prénom').fill('Zoë');
  await page.getByLabel('Nom', { exact: true }).fill('Lefèvre');
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill('azertyuiop');
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await expect(page.getByText('Ce mot de passe est trop courant')).toHaveCount(2);
  await expect(page.getByLabel('Prénom')).toHaveValue('Zoë');

  await page.getByLabel('Mot de passe').fill('les calanques au printemps');
  await page.getByRole('button', { name: 'Créer mon compte' }).click();
  await expect(page.getByText('Vérifiez votre boîte mail')).toBeVisible();

  const message = await lastEmailTo(db, email);
  expect(message.subject).toBe('Confirmez votre adresse e-mail');
  const link = /http:\/\/[^\s]+\/inscription\/confirmer\?jeton=[a-z2-7]{32}/.exec(message.body_text)![0];
  await page.goto(link);
  await page.getByRole('button', { name: 'Confirmer mon adresse' }).click();
  await expect(page.getByText('Votre adresse est confirmée')).toBeVisible();

  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill('pas le bon mot de passe');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page.getByRole('alert')).toHaveText('Adresse e-mail ou mot de passe incorrect.');

  await page.getByLabel('Mot de passe').fill('les calanques au printemps');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page).toHaveURL(/\/accueil$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bonjour Zoë');
  await expect(page.getByRole('heading', { name: 'Mon parcours' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Personnes et rôles' })).toHaveCount(0);

  const refused = await page.goto('/admin/personnes');
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Cette page ne vous est pas ouverte');

  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await expect(page.getByText('Vous êtes déconnecté·e')).toBeVisible();
  await page.goto('/accueil');
  await expect(page).toHaveURL(/\/connexion\?suite=%2Faccueil$/);
});

test('a signed-out visitor is sent to the login page and comes back where they were going', async ({ page, person }) => {
  const coordinator = await person({ givenName: 'Julien', familyName: 'Morel', roles: ['coordinator'] });
  await page.goto('/coordination/invitations');
  await expect(page).toHaveURL(/\/connexion\?suite=/);
  await page.getByLabel('Adresse e-mail').fill(coordinator.email);
  await page.getByLabel('Mot de passe').fill(coordinator.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page).toHaveURL(/\/coordination\/invitations$/);
});

test('a person who forgot their password receives a link and chooses a new one', async ({ page, person, db }) => {
  const trainee = await person({ givenName: 'Yasmine', familyName: 'Haddad', roles: ['trainee'] });
  await page.goto('/connexion');
  await page.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
  await page.getByLabel('Adresse e-mail').fill(trainee.email);
  await page.getByRole('button', { name: 'Recevoir un lien' }).click();
  await expect(page.getByText('Si un compte existe avec cette adresse')).toBeVisible();

  const message = await lastEmailTo(db, trainee.email);
  await page.goto(/http:\/\/[^\s]+\/mot-de-passe\/nouveau\?jeton=[a-z2-7]{32}/.exec(message.body_text)![0]);
  await page.getByLabel('Nouveau mot de passe').fill('un nouveau départ serein');
  await page.getByRole('button', { name: 'Enregistrer le mot de passe' }).click();
  await expect(page.getByText('Votre mot de passe est changé')).toBeVisible();
  await page.getByLabel('Adresse e-mail').fill(trainee.email);
  await page.getByLabel('Mot de passe').fill('un nouveau départ serein');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await expect(page).toHaveURL(/\/accueil$/);
});
