import { readFileSync } from 'node:fs';
import { test, expect } from './support/fixtures.ts';
import { expectNoAxeViolations } from './support/axe.ts';

const quiz = JSON.parse(readFileSync('content/activities/retablissement-quiz/content/content.json', 'utf8')) as {
  questions: Array<{ answers: Array<{ correct: boolean }> }>;
};

test('a trainee reads a module section by section, passes its quiz, and sees it done on their home page', async ({ page, person, signIn, db }) => {
  test.setTimeout(90_000);
  const trainee = await person({ givenName: 'Camille', familyName: 'Martin', roles: ['trainee'] });
  await signIn(trainee);
  await page.goto('/modules?theme=retablissement');
  await page.getByRole('link', { name: 'Le rétablissement' }).click();
  await expect(page.getByRole('heading', { name: 'Objectifs' })).toBeVisible();
  await page.getByRole('link', { name: /^Commencer/ }).click();

  // Read every section with the "next" button, answering the quiz where it stands.
  const source = readFileSync('content/modules/retablissement.mdx', 'utf8');
  const { sectionsOf } = await import('../../src/lib/modules/schema.ts');
  const sections = sectionsOf(source);
  for (const [index, section] of sections.entries()) {
    await expect(page).toHaveURL(new RegExp(`/modules/retablissement/${section.id}$`));
    await expect(page.locator('.module-section h2')).toHaveText(section.title);
    const body = source.slice(source.indexOf(`id="${section.id}"`)).split('</Section>')[0]!;
    if (body.includes('<Activity id="retablissement-quiz"')) {
      const activity = page.frameLocator('iframe.activity__frame');
      for (const [q, question] of quiz.questions.entries())
        for (const [a, answer] of question.answers.entries())
          if (answer.correct) {
            // The activity may still be laying itself out when the first click lands (on a busy
            // machine a click has been lost that way): click again until the answer is ticked.
            const choice = activity.locator(`input[name="q${q}"][value="${a}"]`);
            await expect(async () => {
              await choice.check({ timeout: 2_000 });
              await expect(choice).toBeChecked({ timeout: 500 });
            }).toPass({ timeout: 15_000 });
          }
      await activity.getByRole('button', { name: 'Valider mes réponses' }).click();
      await expect(activity.getByText(/Votre score : \d+ sur \d+/)).toBeVisible();
      await expect(page.getByRole('status').filter({ hasText: 'Résultat enregistré : 100 %. Activité réussie.' })).toBeVisible();
    }
    const last = index === sections.length - 1;
    await page.getByRole('button', { name: last ? 'J’ai lu, terminer' : 'J’ai lu, section suivante' }).click();
  }
  await expect(page.getByText('Vous avez terminé ce module.')).toBeVisible();

  const stored = await db.selectFrom('activity_result').selectAll().where('person_id', '=', trainee.id).execute();
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({ module_id: 'retablissement', activity_id: 'retablissement-quiz', score_scaled: 1, success: true });

  await page.goto('/accueil');
  const mine = page.getByRole('region', { name: 'Mes modules' });
  await expect(mine.getByRole('heading', { name: 'Terminés' })).toBeVisible();
  await expect(mine.getByRole('link', { name: 'Le rétablissement' })).toBeVisible();
});

test('a coordinator sees a person’s progress in each module, with best and last scores', async ({ page, person, signIn, db }) => {
  const trainee = await person({ givenName: 'Inès', familyName: 'Garcia', roles: ['trainee'] });
  const { markSectionRead } = await import('../../src/lib/modules/progress.ts');
  const { recordActivityResult } = await import('../../src/lib/modules/activity-results.ts');
  const { sectionsOf } = await import('../../src/lib/modules/schema.ts');
  const sections = sectionsOf(readFileSync('content/modules/wrap.mdx', 'utf8'));
  const wrap = { slug: 'wrap', sections, activities: [{ id: 'wrap-quiz', required: true }], passingScore: 0.8 };
  await markSectionRead(db, trainee.id, wrap, sections[0]!.id, new Date());
  for (const [raw, at] of [[5, '2026-11-20T10:00:00Z'], [3, '2026-11-21T10:00:00Z']] as const) {
    const statement = { id: crypto.randomUUID(), verb: { id: 'http://adlnet.gov/expapi/verbs/answered' }, result: { score: { raw, max: 6, scaled: raw / 6 } } };
    await recordActivityResult(db, { personId: trainee.id, module: wrap, activityId: 'wrap-quiz', statement, rawStatement: statement, now: new Date(at) });
  }

  await signIn(await person({ givenName: 'Julien', familyName: 'Morel', roles: ['coordinator'] }));
  await page.goto(`/coordination/personnes?q=${encodeURIComponent(trainee.email)}`);
  await page.getByRole('link', { name: 'Garcia Inès' }).click();
  const row = page.getByRole('row', { name: /WRAP/ });
  await expect(row).toContainText('En cours');
  await expect(row).toContainText('wrap-quiz : 83 % / 50 % (2 essais)');
  await expect(page.getByRole('row', { name: /Le rétablissement/ })).toContainText('Pas commencé');
  await expectNoAxeViolations(page);
});

test('progress follows the learner to another device', async ({ page, browser, person, signIn }) => {
  const trainee = await person({ givenName: 'Zoë', familyName: 'Lefèvre', roles: ['trainee'] });
  await signIn(trainee);
  await page.goto('/modules/wrap');
  await page.getByRole('link', { name: /^Commencer/ }).click();
  await expect(page.locator('.module-section h2')).toBeVisible();
  const firstUrl = page.url();
  await page.getByRole('button', { name: 'J’ai lu, section suivante' }).click();
  await expect(page).not.toHaveURL(firstUrl);
  const secondTitle = await page.locator('.module-section h2').textContent();

  const phone = await browser.newContext({ viewport: { width: 375, height: 740 } });
  await signIn(trainee, phone);
  const phonePage = await phone.newPage();
  await phonePage.goto('/modules/wrap');
  await phonePage.getByRole('link', { name: `Reprendre : ${secondTitle}` }).click();
  await expect(phonePage.locator('.module-section h2')).toHaveText(secondTitle!);
  await phone.close();
});

test('drafts are visible to trainers only', async ({ page, browser, person, signIn }) => {
  const trainer = await person({ givenName: 'Nadia', familyName: 'Rossi', roles: ['trainer'] });
  await signIn(trainer);
  await page.goto('/modules');
  await expect(page.getByRole('link', { name: /Exemple de module/ })).toBeVisible();
  await page.goto('/modules/exemple-de-module');
  await expect(page.getByText('Brouillon : visible par les formateurs')).toBeVisible();

  const learner = await browser.newContext();
  await signIn(await person({ givenName: 'Karim', familyName: 'Benali', roles: ['professional'] }), learner);
  const learnerPage = await learner.newPage();
  await learnerPage.goto('/modules');
  await expect(learnerPage.getByRole('link', { name: /Exemple de module/ })).toHaveCount(0);
  expect((await learnerPage.goto('/modules/exemple-de-module'))?.status()).toBe(404);
  await learner.close();
});

/** The activity's frame once its quiz is on screen (the iframe loads lazily, when scrolled near). */
async function loadedActivityFrame(page: import('@playwright/test').Page, activityId: string) {
  await page.locator('iframe.activity__frame').scrollIntoViewIfNeeded();
  const url = new RegExp(`/h5p/lecteur/${activityId}$`);
  await expect.poll(() => page.frame({ url }) !== null).toBe(true);
  const frame = page.frame({ url })!;
  await expect.poll(() => frame.evaluate(() => document.querySelectorAll('#h5p-container input').length)).toBeGreaterThan(0);
  return frame;
}

test('an activity cannot act as the learner: no cookie, no call to the platform with their session', async ({ page, person, signIn, db, baseURL }) => {
  const trainee = await person({ givenName: 'Sandbox', familyName: 'Essai', roles: ['trainee'] });
  await signIn(trainee);
  await page.goto('/modules/retablissement/verifier');
  const frame = await loadedActivityFrame(page, 'retablissement-quiz');

  // What a malicious package would try, run inside the activity's own document.
  const attempts = await frame.evaluate(async (origin) => {
    const outcome: Record<string, string> = {};
    try {
      outcome.cookie = `read: ${document.cookie}`;
    } catch (error) {
      outcome.cookie = `blocked: ${(error as Error).name}`;
    }
    const statement = {
      moduleId: 'retablissement',
      activityId: 'retablissement-quiz',
      statement: { id: crypto.randomUUID(), verb: { id: 'http://adlnet.gov/expapi/verbs/answered' }, result: { score: { raw: 6, max: 6, scaled: 1 } } },
    };
    try {
      const response = await fetch(`${origin}/api/xapi`, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify(statement) });
      outcome.post = `status ${response.status}`;
    } catch (error) {
      outcome.post = `blocked: ${(error as Error).name}`;
    }
    try {
      const response = await fetch(`${origin}/mon-compte/donnees`, { credentials: 'include' });
      outcome.read = `status ${response.status}: ${(await response.text()).slice(0, 40)}`;
    } catch (error) {
      outcome.read = `blocked: ${(error as Error).name}`;
    }
    return outcome;
  }, baseURL!);
  expect(attempts.cookie).toBe('blocked: SecurityError');
  expect(attempts.post).not.toMatch(/^status 2/);
  expect(attempts.read).toMatch(/^blocked/);
  expect(await db.selectFrom('activity_result').select('id').where('person_id', '=', trainee.id).execute()).toEqual([]);

  // Opened directly, the player is still sandboxed by its own header.
  const direct = await page.request.get('/h5p/lecteur/retablissement-quiz');
  expect(direct.headers()['content-security-policy']).toMatch(/^sandbox allow-scripts;/);
});

test('the module pages pass axe with the activity loaded', async ({ page, person, signIn }) => {
  await signIn(await person({ givenName: 'Axe', familyName: 'Modules', roles: ['trainee'] }));
  await page.goto('/modules/retablissement/verifier');
  await loadedActivityFrame(page, 'retablissement-quiz');
  await expectNoAxeViolations(page);
});
