import { test, expect } from './support/fixtures.ts';
import { rawRequest, visibleText, type RawResponse } from './support/security.ts';
import { createSession } from '../../src/lib/accounts/sessions.ts';
import { startExport } from '../../src/lib/reporting/exports/jobs.ts';
import { testContext } from '../support/context.ts';

/**
 * The headers of every kind of response: pages, signed-in pages, JSON, downloads, built files,
 * the H5P player, errors. Each carries a CSP that forbids framing by another site, nosniff and a
 * Referrer-Policy; what is shown to a signed-in person is never kept by a shared cache; nothing
 * names the server's software; error pages are French and show no stack trace.
 */

const REFERRER_POLICIES = ['same-origin', 'no-referrer', 'strict-origin', 'strict-origin-when-cross-origin'];
const STACK_TRACE = /at [\w.<>]+ \(|\.(ts|js|mjs):\d+:\d+|node_modules|Error: /;

function headerProblems(what: string, response: RawResponse, expected: { frameAncestors: string; private: boolean }): string[] {
  const h = response.headers;
  const problems: string[] = [];
  const csp = String(h['content-security-policy'] ?? '');
  if (!csp.includes(`frame-ancestors ${expected.frameAncestors}`)) problems.push(`${what}: CSP without frame-ancestors ${expected.frameAncestors} (${csp || 'none'})`);
  if (h['x-content-type-options'] !== 'nosniff') problems.push(`${what}: X-Content-Type-Options ${h['x-content-type-options']}`);
  if (!REFERRER_POLICIES.includes(String(h['referrer-policy']))) problems.push(`${what}: Referrer-Policy ${h['referrer-policy']}`);
  if (h['x-powered-by'] !== undefined) problems.push(`${what}: X-Powered-By ${h['x-powered-by']}`);
  if (h.server !== undefined && /\d/.test(String(h.server))) problems.push(`${what}: Server ${h.server}`);
  const cache = String(h['cache-control'] ?? '');
  if (expected.private && !/no-store/.test(cache)) problems.push(`${what}: private, but Cache-Control « ${cache} »`);
  if (expected.private && /public/.test(cache)) problems.push(`${what}: private, but Cache-Control « ${cache} »`);
  return problems;
}

test('every kind of response carries the security headers; private ones are never cached', async ({ person, db, baseURL }) => {
  const coordinator = await person({ givenName: 'Coord', familyName: 'Entêtes', roles: ['coordinator', 'trainee'] });
  const { token } = await createSession(db, coordinator.id, { days: 30 });
  const started = await startExport(testContext(db, new Date()), { actorId: coordinator.id, actorRoles: coordinator.roles, kind: 'missions', params: {} });
  if (!started.ok) throw new Error(started.message);
  await started.completion;

  const home = await rawRequest(baseURL!, '/');
  const stylesheet = /<link rel="stylesheet" href="(\/_astro\/[^"]+\.css)"/.exec(home.body)?.[1];
  expect(stylesheet, 'a built stylesheet linked from the home page').toBeDefined();

  const kinds: Array<{ what: string; path: string; signedIn?: boolean; status: number; type: RegExp; frameAncestors?: string; private?: boolean }> = [
    { what: 'public page', path: '/', status: 200, type: /^text\/html/ },
    { what: 'public page, signed in', path: '/formations', signedIn: true, status: 200, type: /^text\/html/, private: true },
    { what: 'signed-in page', path: '/accueil', signedIn: true, status: 200, type: /^text\/html/, private: true },
    { what: 'redirect to the login page', path: '/accueil', status: 303, type: /.*/ },
    { what: 'refused page (403)', path: '/admin/personnes', signedIn: true, status: 403, type: /^text\/html/, private: true },
    { what: 'public JSON', path: '/sante', status: 200, type: /^application\/json/ },
    { what: 'signed-in API JSON', path: `/api/exports/${started.exportId}`, signedIn: true, status: 200, type: /^application\/json/, private: true },
    { what: 'API refusal (401)', path: `/api/exports/${started.exportId}`, status: 401, type: /^application\/json/ },
    { what: 'personal data download', path: '/mon-compte/donnees', signedIn: true, status: 200, type: /^application\/json/, private: true },
    { what: 'PDF download', path: '/coordination/organisation/specimen', signedIn: true, status: 200, type: /^application\/pdf/, private: true },
    { what: 'export file', path: `/coordination/exports/${started.exportId}/fichier`, signedIn: true, status: 200, type: /^text\/csv/, private: true },
    { what: 'public key set', path: '/openbadges/cles', status: 200, type: /json/ },
    { what: 'built stylesheet', path: stylesheet!, status: 200, type: /^text\/css/ },
    { what: 'public file (SVG)', path: '/favicon.svg', status: 200, type: /^image\/svg\+xml/ },
    { what: 'H5P player', path: '/h5p/lecteur/retablissement-quiz', status: 200, type: /^text\/html/, frameAncestors: "'self'" },
    { what: 'not found (404)', path: '/cette-page-n-existe-pas', status: 404, type: /^text\/html/ },
    { what: 'server error page (500)', path: '/500', status: 500, type: /^text\/html/ },
  ];
  const problems: string[] = [];
  for (const kind of kinds) {
    const response = await rawRequest(baseURL!, kind.path, kind.signedIn ? { cookie: token } : {});
    if (response.status !== kind.status) problems.push(`${kind.what}: ${response.status}`);
    if (!kind.type.test(String(response.headers['content-type'] ?? ''))) problems.push(`${kind.what}: ${response.headers['content-type']}`);
    problems.push(...headerProblems(kind.what, response, { frameAncestors: kind.frameAncestors ?? "'none'", private: kind.private ?? false }));
  }
  expect(problems).toEqual([]);
  test.info().annotations.push({ type: 'headers', description: `${kinds.length} kinds of response` });
});

test('the error pages are French and show nothing of the server’s insides', async ({ person, db, baseURL }) => {
  for (const [path, status, heading] of [
    ['/cette-page-n-existe-pas', 404, 'Page introuvable'],
    ['/formations/seances/pas-un-identifiant', 404, 'Page introuvable'],
    ['/attestations/00000000-0000-4000-8000-000000000000/pdf', 303, ''],
    ['/%E0%A4%A', 404, 'Page introuvable'],
    ['/500', 500, 'Un problème est survenu de notre côté'],
  ] as const) {
    const response = await rawRequest(baseURL!, path);
    expect(response.status, path).toBe(status);
    if (!heading) continue;
    expect(response.body, path).toContain('<html lang="fr"');
    expect(visibleText(response.body), path).toContain(heading);
    expect(response.body, path).not.toMatch(STACK_TRACE);
  }
  // A body the server cannot read as JSON gets a French 400, not a stack trace.
  const learner = await person({ givenName: 'Json', familyName: 'Cassé', roles: ['trainee'] });
  const { token } = await createSession(db, learner.id, { days: 30 });
  for (const body of ['{"moduleId": ', '[]', 'null', '{"moduleId":{"$ne":1}}']) {
    const broken = await rawRequest(baseURL!, '/api/xapi', { method: 'POST', cookie: token, headers: { origin: baseURL!, 'content-type': 'application/json' }, body });
    expect(broken.status, body).toBe(400);
    expect(broken.body, body).not.toMatch(STACK_TRACE);
    expect(JSON.parse(broken.body).message, body).toMatch(/[éèàç’]|invalide|attendu/);
  }
});
