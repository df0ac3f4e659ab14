/**
 * Headers of a document published for other sites' software (digital wallets, verifiers of Open
 * Badges): any origin may read it (it holds nothing private), and caches may keep it briefly.
 * Signed in, no shared-cache header is set: the response may carry a renewed session cookie, and
 * the middleware then marks it `private, no-store`.
 */
export function publicDocumentHeaders(contentType: string, options: { signedIn: boolean; maxAgeSeconds: number }): Record<string, string> {
  return {
    'content-type': contentType,
    'access-control-allow-origin': '*',
    ...(options.signedIn ? {} : { 'cache-control': `public, max-age=${options.maxAgeSeconds}` }),
  };
}
