/**
 * Headers on every rendered response. Scripts and styles come only from this site (Astro emits
 * them as files, see astro.config.mjs); no page can be framed by another site.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

export function applySecurityHeaders(headers: Headers, options: { private: boolean }): void {
  // A route may set a stricter or different policy of its own (the H5P player, package files).
  if (!headers.has('Content-Security-Policy')) headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('Referrer-Policy', 'same-origin');
  headers.set('X-Frame-Options', 'DENY');
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Permissions-Policy', 'camera=(self), microphone=(), geolocation=()');
  // Pages shown to a signed-in person are theirs: no shared cache may keep them.
  if (options.private && !headers.has('Cache-Control')) headers.set('Cache-Control', 'private, no-store');
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The same-origin rule Astro applies to form posts, extended to every body type (JSON included):
 * a state-changing request must come from a page of this site.
 */
export function isCrossSiteWrite(request: Request, url: URL): boolean {
  if (!UNSAFE_METHODS.has(request.method)) return false;
  const origin = request.headers.get('origin');
  if (origin) return origin !== url.origin;
  const site = request.headers.get('sec-fetch-site');
  return site !== 'same-origin';
}

/**
 * The H5P player runs someone else's JavaScript. Its document is sandboxed by this header even if
 * opened directly (not only by the iframe attribute): an opaque origin, so no cookie, no storage,
 * and requests that the platform treats as cross-site.
 */
export const H5P_PLAYER_POLICY = [
  'sandbox allow-scripts',
  "default-src 'none'",
  "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "frame-src 'self' blob: data:",
  "frame-ancestors 'self'",
  "form-action 'none'",
  "base-uri 'self'",
].join('; ');

/** Files of an H5P package: never a document of this site, even opened directly (an SVG with a script, say). */
export const H5P_FILE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:";
