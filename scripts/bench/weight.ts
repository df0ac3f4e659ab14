// One-off measurement of what a browser downloads for a page: its HTML, then every same-origin
// stylesheet and script it references, and the JS modules those scripts import, recursively.
import { gzipSync } from 'node:zlib';
import { EndpointError } from './load.ts';

export type AssetKind = 'html' | 'css' | 'js';

export interface WeighedFile {
  kind: AssetKind;
  /** Path (and query) on the server's origin. */
  path: string;
  rawBytes: number;
  gzipBytes: number;
}

export interface PageWeight {
  name: string;
  path: string;
  files: WeighedFile[];
  rawBytes: number;
  gzipBytes: number;
  /** References to other origins: downloaded by a browser but not counted here. */
  otherOrigins: string[];
  /** Goal: the gzip-compressed total stays below this many bytes. */
  maxGzipBytes: number;
}

export interface WeightTarget {
  name: string;
  path: string;
  headers?: Record<string, string>;
  maxGzipBytes: number;
}

/** The attributes of every `<tag …>` in an HTML text (names lower-cased; values unquoted). */
function tags(html: string, tag: string): Array<{ attributes: Map<string, string>; end: number }> {
  const found: Array<{ attributes: Map<string, string>; end: number }> = [];
  for (const match of html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'gi'))) {
    const attributes = new Map<string, string>();
    for (const a of (match[1] ?? '').matchAll(/([^\s=/"'>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g))
      attributes.set(a[1]!.toLowerCase(), a[2] ?? a[3] ?? a[4] ?? '');
    found.push({ attributes, end: (match.index ?? 0) + match[0].length });
  }
  return found;
}

const decodeEntities = (value: string) => value.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'");

/** The specifiers of static and dynamic imports (and re-exports) in a JS text that are paths or URLs. */
function jsImports(code: string): string[] {
  // Minified or not: `import x from"./a.js"`, `import"/_astro/a.js"`, `import("/_astro/a.js")`, `export*from"./a.js"`.
  // Only specifiers naming a .js/.mjs file: a bare string after `from` elsewhere is not an import.
  const pattern = /(?:\bfrom|\bimport)\s*\(?\s*(["'`])((?:\.{1,2}\/|\/|https?:\/\/)[^"'`\s]*?\.m?js(?:\?[^"'`\s]*)?)\1/g;
  return [...code.matchAll(pattern)].map((m) => m[2]!);
}

/** `@import` targets in a CSS text. */
function cssImports(code: string): string[] {
  return [...code.matchAll(/@import\s+(?:url\(\s*)?["']?([^"')\s;]+)["']?\s*\)?/g)].map((m) => m[1]!);
}

async function download(url: URL, headers: Record<string, string> | undefined, what: string): Promise<Buffer> {
  const response = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) {
    await response.body?.cancel();
    const where = response.headers.get('location');
    throw new EndpointError(`${what} (GET ${url.pathname}${url.search}) answered ${response.status}${where ? ` → ${where}` : ''} instead of 200.`);
  }
  // fetch undoes any Content-Encoding: these are the bytes as served uncompressed.
  return Buffer.from(await response.arrayBuffer());
}

export async function measurePageWeight(baseUrl: string, target: WeightTarget): Promise<PageWeight> {
  const origin = new URL(baseUrl).origin;
  const pageUrl = new URL(target.path, baseUrl);
  const files: WeighedFile[] = [];
  const otherOrigins = new Set<string>();
  const seen = new Set<string>();
  const queue: Array<{ url: URL; kind: Exclude<AssetKind, 'html'> }> = [];

  const weigh = (kind: AssetKind, url: URL, body: Buffer) =>
    files.push({ kind, path: url.pathname + url.search, rawBytes: body.length, gzipBytes: gzipSync(body, { level: 6 }).length });
  const enqueue = (reference: string, base: URL, kind: Exclude<AssetKind, 'html'>) => {
    const url = new URL(decodeEntities(reference), base);
    url.hash = '';
    if (url.origin !== origin) {
      otherOrigins.add(url.href);
      return;
    }
    if (seen.has(url.href)) return;
    seen.add(url.href);
    queue.push({ url, kind });
  };

  const html = await download(pageUrl, target.headers, target.name);
  weigh('html', pageUrl, html);
  const text = html.toString('utf8');
  for (const { attributes } of tags(text, 'link')) {
    const rel = (attributes.get('rel') ?? '').toLowerCase().split(/\s+/);
    const href = attributes.get('href');
    if (!href) continue;
    if (rel.includes('stylesheet')) enqueue(href, pageUrl, 'css');
    // Fetched by the browser ahead of the imports that need them.
    else if (rel.includes('modulepreload')) enqueue(href, pageUrl, 'js');
  }
  for (const { attributes, end } of tags(text, 'script')) {
    const src = attributes.get('src');
    if (src) {
      enqueue(src, pageUrl, 'js');
      continue;
    }
    // An inline module script counts in the HTML, but what it imports is downloaded too.
    const type = (attributes.get('type') ?? '').toLowerCase();
    if (type === 'module') {
      const close = text.toLowerCase().indexOf('</script', end);
      for (const specifier of jsImports(text.slice(end, close < 0 ? undefined : close))) enqueue(specifier, pageUrl, 'js');
    }
  }

  for (let next = queue.shift(); next; next = queue.shift()) {
    const body = await download(next.url, target.headers, `${target.name}: ${next.kind} file`);
    weigh(next.kind, next.url, body);
    const code = body.toString('utf8');
    if (next.kind === 'js') for (const specifier of jsImports(code)) enqueue(specifier, next.url, 'js');
    else for (const specifier of cssImports(code)) enqueue(specifier, next.url, 'css');
  }

  return {
    name: target.name,
    path: target.path,
    files,
    rawBytes: files.reduce((sum, f) => sum + f.rawBytes, 0),
    gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0),
    otherOrigins: [...otherOrigins],
    maxGzipBytes: target.maxGzipBytes,
  };
}
