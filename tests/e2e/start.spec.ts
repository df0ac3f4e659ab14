import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';

/**
 * `npm start` as a new user runs it: the embedded database under a folder, demo accounts printed
 * once, and nothing lost when the server is stopped and started again.
 */
const PORT = 4338;
const base = `http://127.0.0.1:${PORT}`;

function start(dataDir: string): { server: ChildProcess; output: () => string } {
  let output = '';
  const server = spawn(process.execPath, ['scripts/start.ts'], {
    env: { ...process.env, SKIP_BUILD: '1', PORT: String(PORT), HOST: '127.0.0.1', PUBLIC_URL: base, PGLITE_DIR: dataDir, DATABASE_URL: '', DEMO_ACCOUNTS: 'auto' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (chunk) => (output += chunk));
  server.stderr!.on('data', (chunk) => (output += chunk));
  return { server, output: () => output };
}

async function waitUntilUp(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${base}/sante`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the server did not start within a minute');
}

async function stop(server: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await exited;
}

test('npm start serves the platform on the embedded database with demo accounts, and keeps data across restarts', async ({ browser }) => {
  test.setTimeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'esper-start-'));
  try {
    const first = start(join(dataDir, 'pglite'));
    await waitUntilUp();
    expect(first.output()).toContain('Demo accounts (password for all: parcours-demo-2026)');
    expect(first.output()).toContain('coordination@demo.esper-parcours.fr');

    const context = await browser.newContext({ baseURL: base });
    const page = await context.newPage();
    await page.goto('/connexion');
    await page.getByLabel('Adresse e-mail').fill('coordination@demo.esper-parcours.fr');
    await page.getByLabel('Mot de passe').fill('parcours-demo-2026');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bonjour Julien');
    await page.goto('/coordination/invitations');
    await page.getByLabel('Adresse e-mail').fill('garde-moi@exemple.fr');
    await page.getByRole('button', { name: 'Envoyer l’invitation' }).click();
    await expect(page.getByText('L’invitation est envoyée')).toBeVisible();
    await stop(first.server);

    const second = start(join(dataDir, 'pglite'));
    await waitUntilUp();
    // Still signed in (the session was stored), and the invitation is still in the outbox.
    await page.goto('/accueil');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bonjour Julien');
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByLabel('Adresse e-mail').fill('admin@demo.esper-parcours.fr');
    await page.getByLabel('Mot de passe').fill('parcours-demo-2026');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.goto('/admin/courriels?a=garde-moi%40exemple.fr');
    await expect(page.getByRole('heading', { name: 'Invitation à rejoindre ESPER Parcours' })).toBeVisible();
    await context.close();
    await stop(second.server);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
