import http from 'node:http';
import { randomInt } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { APIRequestContext, PlaywrightWorkerArgs } from '@playwright/test';
import type { Database } from '../../../src/lib/db/index.ts';
import { createSession, SESSION_COOKIE } from '../../../src/lib/accounts/sessions.ts';
import type { WorldPerson } from '../../support/world.ts';

/**
 * What the security specs share: requests from a chosen loopback address (rate limits count per
 * address, so each test brings its own and leaves the other specs' budget at 127.0.0.1 alone),
 * request contexts signed in as someone, and the routes read from src/pages.
 */

/** A loopback address of its own (127.x.y.z is all this machine), never 127.0.0.1. */
export function freshAddress(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The value the response gives the session cookie (« » when it clears it), undefined when it does not touch it. */
  sessionCookie: string | undefined;
  setCookies: string[];
}

/**
 * One HTTP request sent from `from` (a loopback address), by Node itself: Playwright cannot
 * choose the source address. Redirects are not followed.
 */
export function rawRequest(
  baseURL: string,
  path: string,
  options: { from?: string; method?: string; headers?: Record<string, string>; form?: Record<string, string>; json?: unknown; body?: string; cookie?: string } = {},
): Promise<RawResponse> {
  const url = new URL(path, baseURL);
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.body;
  if (options.form) {
    body = new URLSearchParams(options.form).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  if (options.cookie !== undefined) headers.cookie = `${SESSION_COOKIE}=${options.cookie}`;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method ?? (body ? 'POST' : 'GET'), headers, localAddress: options.from ?? '127.0.0.1', agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const setCookies = response.headers['set-cookie'] ?? [];
          const session = setCookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`));
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            sessionCookie: session === undefined ? undefined : decodeURIComponent(session.slice(SESSION_COOKIE.length + 1).split(';')[0]!),
            setCookies,
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * A request context signed in as this person (a session written to the database), writing from
 * the site itself; with `sameOrigin: false` it sends no Origin unless a request gives one.
 */
export async function signedInRequest(
  playwright: PlaywrightWorkerArgs['playwright'],
  db: Database,
  baseURL: string,
  who: WorldPerson,
  options: { sameOrigin?: boolean } = {},
): Promise<{ request: APIRequestContext; token: string }> {
  const { token } = await createSession(db, who.id, { days: 30 });
  const request = await playwright.request.newContext({
    baseURL,
    maxRedirects: 0,
    extraHTTPHeaders: { ...(options.sameOrigin === false ? {} : { origin: baseURL }), cookie: `${SESSION_COOKIE}=${token}` },
  });
  return { request, token };
}

/** Whether a session token is still a session in the database. */
export async function isSession(db: Database, token: string): Promise<boolean> {
  const { hashToken } = await import('../../../src/lib/accounts/tokens.ts');
  return (await db.selectFrom('auth_session').select('id').where('id', '=', hashToken(token)).executeTakeFirst()) !== undefined;
}

/** The visible text of a page, roughly: what a person reads, without tags. */
export function visibleText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export interface RouteFile {
  /** The route as Astro names it, e.g. « /formation/seances/[id] ». */
  route: string;
  file: string;
  /** The write methods the file handles: exported by an endpoint, or tested by a page. */
  writes: string[];
}

export const UNSAFE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Every route under src/pages, with the write methods its file handles. */
export function routeFiles(dir = 'src/pages'): RouteFile[] {
  return readdirSync(dir).flatMap((name): RouteFile[] => {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) return routeFiles(file);
    if (!/\.(astro|ts|mdx?)$/.test(name)) return [];
    const route = '/' + relative('src/pages', file).replace(/\.(astro|ts|mdx?)$/, '').replace(/(^|\/)index$/, '');
    const source = readFileSync(file, 'utf8');
    const exported = [...source.matchAll(/export\s+(?:const|async\s+function|function)\s+(POST|PUT|PATCH|DELETE|ALL)\b/g)].map((m) => m[1]!);
    const tested = [...source.matchAll(/request\.method\s*[!=]==?\s*['"](POST|PUT|PATCH|DELETE)['"]/g)].map((m) => m[1]!);
    const writes = [...new Set([...exported, ...tested].flatMap((m) => (m === 'ALL' ? [...UNSAFE_METHODS] : [m])))].sort();
    return [{ route: route === '/' ? '/' : route.replace(/\/$/, ''), file, writes }];
  });
}

/** An address that the route matches, its parameters filled with well-formed values. */
export function addressOf(route: string, id: string): string {
  return route
    .replace(/\[\.\.\.[^\]]+\]/g, 'fichier')
    .replace('[numero]', 'EP-2026-000001')
    .replace('[which]', 'logo')
    .replace('[slug]', 'retablissement')
    .replace('[section]', 'definitions')
    .replace(/\[[^\]]+\]/g, id);
}
