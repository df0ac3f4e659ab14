import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { test, expect } from './support/fixtures.ts';
import { freshAddress, rawRequest, routeFiles, visibleText } from './support/security.ts';
import { createSession } from '../../src/lib/accounts/sessions.ts';
import { issueAttestation } from '../../src/lib/attestations/issue.ts';
import { logMission } from '../../src/lib/pathway/missions.ts';
import { parisDay } from '../../src/lib/time.ts';
import { testContext } from '../support/context.ts';
import { finishedSession } from '../support/finished-session.ts';
import { addSession, addTraining } from '../support/sessions.ts';

/**
 * SQL metacharacters typed into every search and every parameter a page reads from its address:
 * never a 500, never more rows than the words typed allow (« % » is a percent sign, not
 * « everyone »), and the tables are still there afterwards.
 */

const LONG = `${'x'.repeat(4_990)}' OR 1=1`;
const ATTACKS = [`' OR 1=1 --`, '%', '_', '\\', `"; DROP TABLE person; --`, `') UNION SELECT email, password_hash FROM person --`, 'Ñandú 🙂 中文', 'a\u0000b\u001f', LONG];
/** For the sweeps over every parameter and field, where only « no server error » is checked: the same characters, fewer requests. */
const PROBES = [`' OR 1=1 --`, `%_\\`, `"; DROP TABLE person; --`, 'Ñandú 🙂 中文', 'a\u0000b\u001f', LONG];

/** Every parameter a page without parameters in its path reads from its address, found in its source. */
function addressParameters(): Array<{ route: string; names: string[] }> {
  const getFormNames = (source: string) => (/method="get"/.test(source) ? [...source.matchAll(/\sname="([^"]+)"/g)].map((m) => m[1]!) : []);
  return routeFiles()
    .filter((r) => !r.route.includes('[') && r.file.endsWith('.astro'))
    .map(({ route, file }) => {
      const source = readFileSync(file, 'utf8');
      const names = new Set([...source.matchAll(/searchParams\.get\(\s*'([^']+)'/g)].map((m) => m[1]!));
      for (const name of getFormNames(source)) names.add(name);
      // A coordination list reads its address through the list engine: search, sort, order, page.
      if (/_LIST\.read\(/.test(source)) for (const name of ['q', 'tri', 'ordre', 'page']) names.add(name);
      for (const imported of source.matchAll(/import \w+ from '([^']+components\/[^']+\.astro)'/g)) {
        for (const name of getFormNames(readFileSync(join(dirname(file), imported[1]!), 'utf8'))) names.add(name);
      }
      return { route, names: [...names].sort() };
    })
    .filter((r) => r.names.length > 0);
}

const fold = (text: string) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
const decode = (html: string) =>
  html.replace(/&#39;|&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The rows of a list's table, as text. */
function rowsOf(html: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return body.split('<tr').slice(1).map((row) => decode(visibleText(`<tr${row}`)));
}
/** The count a list announces: « Aucune personne… » is 0. */
function countOf(html: string): number {
  const status = visibleText(/<p role="status">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '');
  if (/^Aucune /.test(status)) return 0;
  const match = /^([\d\s\u202f\u00a0]+) /.exec(status);
  if (!match) throw new Error(`No count in « ${status} »`);
  return Number(match[1]!.replace(/\D/g, ''));
}

test('every parameter of every page answers SQL metacharacters, control characters and 5,000 characters without a server error', async ({ person, db, baseURL }) => {
  test.setTimeout(60_000);
  const from = freshAddress();
  const everyone = await person({ givenName: 'Tous', familyName: 'Paramètres', roles: ['admin', 'coordinator', 'trainer', 'trainee', 'professional'] });
  const { token } = await createSession(db, everyone.id, { days: 30 });
  const pages = addressParameters();
  // The enumeration finds the searches it should (a broken regex would prove nothing).
  const found = new Map(pages.map((p) => [p.route, p.names]));
  for (const [route, name] of [['/coordination/personnes', 'q'], ['/admin/personnes', 'q'], ['/coordination/seances', 'q'], ['/coordination/attestations', 'q'], ['/coordination/missions', 'q'], ['/admin/courriels', 'a'], ['/verifier', 'numero'], ['/coordination/bilan', 'du'], ['/modules', 'theme']] as const)
    expect(found.get(route) ?? [], route).toContain(name);

  const cases = pages.flatMap(({ route, names }) => names.flatMap((name) => PROBES.map((attack) => `${route}?${new URLSearchParams({ [name]: attack })}`)));
  // Every parameter of a path too (an id, a slug, a number, a file's path), each attack in its place.
  const inPath = routeFiles().filter((r) => r.route.includes('['));
  for (const { route } of inPath) for (const attack of PROBES) cases.push(route.replace(/\[[^\]]+\]/g, encodeURIComponent(attack.slice(0, 200))));
  const failures: string[] = [];
  for (let i = 0; i < cases.length; i += 4) {
    await Promise.all(
      cases.slice(i, i + 4).map(async (path) => {
        // The number check counts per connection: each request its own, so that the limit is not what answers.
        const response = await rawRequest(baseURL!, path, { from: path.startsWith('/verifier') ? freshAddress() : from, cookie: token });
        const where = `${path.slice(0, 80)}: ${response.status}`;
        if (response.status >= 500) failures.push(where);
        else if (/at .*\.(ts|js|mjs):\d+|PostgresError|syntax error at or near/.test(response.body)) failures.push(`${where} shows an error`);
        else if (response.status >= 400 && (response.headers['content-type'] ?? '').startsWith('text/html') && !response.body.includes('<html lang="fr"')) failures.push(`${where} not French`);
      }),
    );
  }
  expect(failures).toEqual([]);
  expect(Number((await db.selectFrom('person').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).toBeGreaterThan(0);
  const summary = `${pages.length} pages, ${pages.reduce((n, p) => n + p.names.length, 0)} address parameters and ${inPath.length} routes with parameters in their path × ${PROBES.length} attacks: ${cases.length} requests`;
  test.info().annotations.push({ type: 'sql', description: summary });
  console.log(summary);
});

test('the coordination’s searches take metacharacters literally: « % » finds a percent sign, not everyone', async ({ person, db, baseURL }) => {
  test.setTimeout(60_000);
  const tag = `zq${randomUUID().slice(0, 6)}`;
  // One row of each list holds every attack (a training's title: 120 characters at most).
  const strange = `${tag} ' OR 1=1 -- % _ \\ "; DROP TABLE person; -- ') UNION SELECT email, password_hash FROM person -- Ñandú 🙂 中文`;
  expect(strange.length).toBeLessThanOrEqual(120);
  const coordinator = await person({ givenName: 'Coord', familyName: 'Recherche', roles: ['coordinator', 'admin'] });
  const trainer = await person({ givenName: 'Form', familyName: 'Recherche', roles: ['trainer'] });
  const holder = await person({ givenName: 'Méta', familyName: strange, roles: ['trainee'] });
  // And one row of each holds none, so that « everyone » is more than the planted row.
  const ordinary = await person({ givenName: 'Ordinaire', familyName: `Sans${tag}`, roles: ['trainee'] });
  const ctx = testContext(db, new Date());
  await addSession(ctx, { coordinator, trainers: [trainer], training: await addTraining(ctx, coordinator, { title: `Formation ordinaire ${tag}` }) });
  const training = await addTraining(ctx, coordinator, { title: strange });
  const sessionId = await finishedSession(testContext(db, new Date(Date.now() - 20 * 86_400_000)), {
    coordinator,
    trainer,
    training,
    participants: [holder, ordinary].map((p) => ({ person: p, presence: [true, true, true, true] })),
  });
  for (const who of [holder, ordinary]) {
    const issued = await issueAttestation(ctx, { actorId: coordinator.id, actorRoles: coordinator.roles, sessionId, personId: who.id, kind: 'completion_certificate' });
    if (!issued.ok) throw new Error(issued.message);
  }
  for (const [who, structure] of [[holder, `GEM ${strange}`], [ordinary, `GEM ordinaire ${tag}`]] as const) {
    await db.insertInto('pathway_member').values({ person_id: who.id, stage: 2 }).execute();
    const logged = await logMission(ctx, { actorId: who.id, doneOn: parisDay(new Date(Date.now() - 86_400_000)), minutes: 60, kind: 'workshop', partnerStructure: structure, pairName: 'Binôme Ordinaire' });
    if (!logged.ok) throw new Error(logged.message);
  }

  const { token } = await createSession(db, coordinator.id, { days: 30 });
  const from = freshAddress();
  // Every session, past ones included (the list shows the coming ones by default).
  const always = (path: string): Record<string, string> => (path === '/coordination/seances' ? { periode: 'toutes' } : {});
  const list = async (path: string, q?: string) => {
    const response = await rawRequest(baseURL!, `${path}?${new URLSearchParams({ ...always(path), ...(q === undefined ? {} : { q }) })}`, { from, cookie: token });
    expect(response.status, `${path} ${q}`).toBe(200);
    return { count: countOf(response.body), rows: rowsOf(response.body) };
  };
  const lists = ['/coordination/personnes', '/admin/personnes', '/coordination/seances', '/coordination/attestations', '/coordination/missions'];
  let tried = 0;
  for (const path of lists) {
    const everything = (await list(path)).count;
    for (const attack of ATTACKS.slice(0, 7)) {
      const words = attack.split(/\s+/).filter(Boolean);
      // The attack alone: every row listed holds every word typed, and it is not the whole list.
      const found = await list(path, attack);
      expect(found.count, `${path} « ${attack} »`).toBeLessThan(everything);
      for (const row of found.rows) for (const word of words) expect(fold(row), `${path} « ${attack} »`).toContain(fold(word));
      // With the tag: exactly the row planted with these characters.
      const planted = await list(path, `${tag} ${attack}`);
      expect(planted.count, `${path} « ${tag} ${attack} »`).toBe(1);
      tried += 2;
    }
    // A word the planted row does not hold finds nothing, metacharacters or not.
    expect((await list(path, `${tag} %x%`)).count).toBe(0);
    const tooLong = await rawRequest(baseURL!, `${path}?${new URLSearchParams({ q: LONG })}`, { from, cookie: token });
    expect(tooLong.status).toBe(400);
    expect(visibleText(tooLong.body)).toContain('Recherche : 100 caractères au plus.');
  }
  // The export of a list runs the same search in the background: the same single row.
  const exported = await rawRequest(baseURL!, '/coordination/exports', { from, cookie: token, headers: { origin: baseURL! }, form: { export: 'personnes', q: `${tag} %` } });
  expect(exported.status).toBe(303);
  const exportId = exported.headers.location!.split('/').pop()!;
  await expect.poll(async () => (await db.selectFrom('export_job').select(['finished_at', 'failure', 'total']).where('id', '=', exportId).executeTakeFirstOrThrow()), { timeout: 15_000 })
    .toMatchObject({ failure: null, total: 1, finished_at: expect.any(Date) });

  expect(await db.selectFrom('person').select('family_name').where('id', '=', holder.id).executeTakeFirstOrThrow()).toEqual({ family_name: strange });
  test.info().annotations.push({ type: 'sql', description: `${lists.length} lists × ${tried / lists.length} searches checked row by row` });
});

/** The fields a page's forms send: the names in its markup and its components', and the keys of its schemas. */
function formFields(file: string): { fields: string[]; intents: string[] } {
  const source = readFileSync(file, 'utf8');
  const sources = [source, ...[...source.matchAll(/import \w+ from '([^']+components\/[^']+\.astro)'/g)].map((m) => readFileSync(join(dirname(file), m[1]!), 'utf8'))];
  const fields = new Set<string>();
  for (const text of sources) {
    for (const m of text.matchAll(/\sname="([^"{]+)"/g)) fields.add(m[1]!);
    for (const m of text.matchAll(/['"]?([\w[\]]+)['"]?:\s*(?:field|z)\./g)) fields.add(m[1]!);
  }
  const intents = [...new Set([...source.matchAll(/z\.literal\('([^']+)'\)/g)].map((m) => m[1]!))];
  fields.delete('intent');
  return { fields: [...fields].sort(), intents: intents.length > 0 ? intents : [''] };
}

test('every field of every form answers the same attacks without a server error; text fields reach the database intact', async ({ person, db, baseURL }) => {
  test.setTimeout(60_000);
  const everyone = await person({ givenName: 'Tous', familyName: 'Formulaires', roles: ['admin', 'coordinator', 'trainer', 'trainee', 'professional'] });
  await db.insertInto('pathway_member').values({ person_id: everyone.id, stage: 2 }).execute();
  const { token } = await createSession(db, everyone.id, { days: 30 });
  const from = freshAddress();
  const post = (path: string, form: Record<string, string>, where = from) => rawRequest(baseURL!, path, { from: where, cookie: token, headers: { origin: baseURL! }, form });
  const failures: string[] = [];
  const check = (what: string, response: { status: number; body: string }) => {
    if (response.status >= 500) failures.push(`${what}: ${response.status}`);
    else if (/at .*\.(ts|js|mjs):\d+|PostgresError|syntax error at or near|invalid byte sequence/.test(response.body)) failures.push(`${what}: shows an error`);
  };

  // Every write route, every intent, every field holding the attack (the form is refused or taken; never a 500).
  // Signing out is left out: it would end the session the other requests use.
  const writes = routeFiles().filter((r) => r.writes.includes('POST') && r.route !== '/deconnexion');
  const cases: Array<{ path: string; form: Record<string, string> }> = [];
  for (const { route, file } of writes) {
    const { fields, intents } = formFields(file);
    const path = route.replace(/\[[^\]]+\]/g, randomUUID());
    for (const intent of intents)
      for (const attack of PROBES) cases.push({ path, form: { ...(intent ? { intent } : {}), ...Object.fromEntries(fields.map((f) => [f, attack])) } });
  }
  for (let i = 0; i < cases.length; i += 4)
    await Promise.all(cases.slice(i, i + 4).map(async ({ path, form }) => check(`POST ${path} ${JSON.stringify(form).slice(0, 80)}`, await post(path, form))));

  // Text fields that reach the database, each with a valid rest of the form.
  const yesterday = parisDay(new Date(Date.now() - 86_400_000));
  for (const attack of ATTACKS) {
    const stored = attack.replaceAll('\u0000', '');
    const note = await post('/mon-parcours/carnet', { intent: 'write', stage: '2', body: attack });
    check(`carnet « ${attack.slice(0, 30)} »`, note);
    expect(note.status, attack.slice(0, 30)).toBe(303);
    expect(await db.selectFrom('journal_entry').select('id').where('author_id', '=', everyone.id).where('body', '=', stored.trim()).execute()).toHaveLength(1);
    check(`mission « ${attack.slice(0, 30)} »`, await post('/mon-parcours/missions', { intent: 'log', doneOn: yesterday, hours: '1', minutes: '0', kind: 'group', partnerStructure: attack.slice(0, 200), pairName: attack.slice(0, 120), pairEmail: attack.slice(0, 254) }));
    check(`mission, pair « ${attack.slice(0, 30)} »`, await post('/mon-parcours/missions', { intent: 'log', doneOn: yesterday, hours: '1', minutes: '0', kind: 'group', partnerStructure: `GEM ${attack}`.slice(0, 200), pairName: `Binôme ${attack}`.slice(0, 120), pairEmail: '' }));
    check(`formation « ${attack.slice(0, 30)} »`, await post('/coordination/formations', { title: `F ${attack}`.slice(0, 120), topic: 'pssm', audience: 'everyone', durationHours: '7', summary: `Présentation ${attack}`.slice(0, 600), objectives: `Objectif ${attack}`.slice(0, 2000) }));
    check(`inscription « ${attack.slice(0, 30)} »`, await rawRequest(baseURL!, '/inscription', { from: freshAddress(), headers: { origin: baseURL! }, form: { givenName: attack.slice(0, 100), familyName: `N ${attack}`.slice(0, 100), email: `n.${randomUUID().slice(0, 8)}@exemple.fr`, password: 'une phrase de passe solide', role: 'professional', structure: attack.slice(0, 200) } }));
    check(`connexion « ${attack.slice(0, 30)} »`, await rawRequest(baseURL!, '/connexion', { from: freshAddress(), headers: { origin: baseURL! }, form: { email: `inconnu.${randomUUID().slice(0, 8)}@exemple.fr`, password: attack } }));
    const xapi = await rawRequest(baseURL!, '/api/xapi', {
      from,
      cookie: token,
      headers: { origin: baseURL! },
      json: { moduleId: attack.slice(0, 100), activityId: attack.slice(0, 100), statement: { id: randomUUID(), verb: { id: 'http://adlnet.gov/expapi/verbs/answered' } } },
    });
    check(`xapi ids « ${attack.slice(0, 30)} »`, xapi);
    const statement = await rawRequest(baseURL!, '/api/xapi', {
      from,
      cookie: token,
      headers: { origin: baseURL! },
      json: { moduleId: 'retablissement', activityId: 'retablissement-quiz', statement: { id: randomUUID(), verb: { id: 'http://adlnet.gov/expapi/verbs/answered' }, result: { score: { raw: 1, max: 2 } }, context: { extensions: { [attack.slice(0, 50)]: attack } } } },
    });
    check(`xapi statement « ${attack.slice(0, 30)} »`, statement);
    expect(statement.status, attack.slice(0, 30)).toBe(attack.includes('\u0000') ? 400 : 201);
  }
  expect(failures).toEqual([]);
  expect(Number((await db.selectFrom('person').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n)).toBeGreaterThan(0);
  const summary = `${writes.length} write routes, ${cases.length} posts with every field attacked, then ${ATTACKS.length} attacks × 8 targeted writes`;
  test.info().annotations.push({ type: 'sql', description: summary });
  console.log(summary);
});
