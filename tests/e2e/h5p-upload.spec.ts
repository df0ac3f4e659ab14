import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations } from './support/axe.ts';
import { packageEntries, renameInArchive, zip } from '../support/h5p-packages.ts';

const folder = mkdtempSync(join(tmpdir(), 'esper-h5p-'));
async function packageFile(name: string, archive: Buffer): Promise<string> {
  const path = join(folder, name);
  writeFileSync(path, archive);
  return path;
}

/** A package whose code tries to act as the learner, and writes what it managed into its page. */
const HOSTILE = `
var H5P = H5P || {};
H5P.QuizImporte = function () { H5P.EventDispatcher.call(this); };
H5P.QuizImporte.prototype = Object.create(H5P.EventDispatcher.prototype);
H5P.QuizImporte.prototype.attach = function ($container) {
  var out = {};
  try { out.cookie = 'read:' + document.cookie; } catch (e) { out.cookie = 'blocked'; }
  var body = JSON.stringify({ moduleId: 'retablissement', activityId: 'retablissement-quiz', statement: { id: '6f0b8c9e-2b7a-4d8e-9a61-0d5e1f2a3b4c', verb: { id: 'http://adlnet.gov/expapi/verbs/answered' }, result: { score: { raw: 1, max: 1, scaled: 1 } } } });
  fetch('/api/xapi', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: body })
    .then(function (r) { out.post = 'status ' + r.status; }, function () { out.post = 'blocked'; })
    .then(function () { return fetch('/mon-compte/donnees', { credentials: 'include' }).then(function (r) { return r.text().then(function (t) { out.read = 'read:' + t.slice(0, 30); }); }, function () { out.read = 'blocked'; }); })
    .then(function () { var p = document.createElement('pre'); p.id = 'probe'; p.textContent = JSON.stringify(out); ($container.get ? $container.get(0) : $container).appendChild(p); });
};
`;

test('a trainer uploads a valid package and gets an activity id that plays', async ({ page, person, signIn, db }) => {
  await signIn(await person({ givenName: 'Nadia', familyName: 'Rossi', roles: ['trainer'] }));
  await page.goto('/accueil');
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Activités H5P' }).click();
  await expectNoAxeViolations(page);
  const id = `quiz-e2e-${Date.now()}`;
  await page.getByLabel('Fichier .h5p (50 Mo au plus)').setInputFiles(await packageFile('quiz.h5p', await zip(packageEntries())));
  await page.getByLabel('Identifiant').fill(id);
  await page.getByRole('button', { name: 'Envoyer le paquet' }).click();
  await expect(page.getByText('Activité ajoutée')).toBeVisible();
  await expect(page.getByText(`<Activity id="${id}" />`)).toBeVisible();
  expect(await db.selectFrom('h5p_package').select('title').where('id', '=', id).executeTakeFirst()).toEqual({ title: 'Quiz importé' });

  await page.goto(`/h5p/lecteur/${id}`);
  await expect(page.getByText('Le quiz importé fonctionne-t-il ?')).toBeVisible();
});

test('a malicious or broken package is refused with its reason, and nothing is kept', async ({ page, person, signIn, db }) => {
  const trainer = await person({ givenName: 'Élodie', familyName: 'Marchand', roles: ['trainer'] });
  await signIn(trainer);
  const cases: Array<[string, Buffer, string]> = [
    ['evasion.h5p', renameInArchive(await zip([...packageEntries(), { path: 'aa/x.json', content: '{}' }]), 'aa/x.json', '../x.json'), 'Chemin interdit dans le paquet'],
    ['lien.h5p', await zip([...packageEntries(), { path: 'content/l.json', content: '/etc/passwd', mode: 0o120777 }]), 'Lien symbolique interdit'],
    ['page.h5p', await zip([...packageEntries(), { path: 'content/page.html', content: '<script></script>' }]), 'Type de fichier interdit'],
    ['incomplet.h5p', await zip(packageEntries().filter((e) => e.path !== 'h5p.json')), 'Le fichier h5p.json manque'],
  ];
  for (const [name, archive, reason] of cases) {
    await page.goto('/formation/activites');
    await page.getByLabel('Fichier .h5p (50 Mo au plus)').setInputFiles(await packageFile(name, archive));
    await page.getByRole('button', { name: 'Envoyer le paquet' }).click();
    await expect(page.getByRole('alert')).toContainText(`Paquet refusé : ${reason}`);
  }
  expect(await db.selectFrom('h5p_package').select('id').where('uploaded_by', '=', trainer.id).execute()).toEqual([]);
});

test('a package’s own code runs sandboxed: no cookie, no call to the platform as the learner', async ({ page, person, signIn, db }) => {
  const trainer = await person({ givenName: 'Hugo', familyName: 'Blanc', roles: ['trainer'] });
  await signIn(trainer);
  const id = `hostile-${Date.now()}`;
  await page.goto('/formation/activites');
  await page.getByLabel('Fichier .h5p (50 Mo au plus)').setInputFiles(await packageFile('hostile.h5p', await zip(packageEntries({ script: HOSTILE }))));
  await page.getByLabel('Identifiant').fill(id);
  await page.getByRole('button', { name: 'Envoyer le paquet' }).click();
  await expect(page.getByText('Activité ajoutée')).toBeVisible();

  // Even opened directly in a signed-in tab, the player's own header sandboxes it.
  await page.goto(`/h5p/lecteur/${id}`);
  const probe = JSON.parse((await page.locator('#probe').textContent({ timeout: 15_000 }))!) as Record<string, string>;
  expect(probe.cookie).toBe('blocked');
  expect(probe.post).not.toMatch(/^status 2/);
  expect(probe.read).toBe('blocked');
  expect(await db.selectFrom('activity_result').select('id').where('person_id', '=', trainer.id).execute()).toEqual([]);
});
