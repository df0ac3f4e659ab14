/**
 * Telling « the database cannot be reached right now » from any other failure, so that the server
 * answers 503 in French while PostgreSQL restarts or the network drops, and a real bug still gives
 * a 500. The embedded database (PGlite) lives in the process and never becomes unreachable.
 */

export const DATABASE_UNAVAILABLE =
  'La base de données est momentanément injoignable. Rien de ce que vous aviez déjà enregistré n’est perdu : réessayez dans un instant.';

/** Socket errors meaning no connection could be made or kept. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EAI_AGAIN']);

/** PostgreSQL's own: shutting down, crashed, starting up (57P01–57P03), or a connection exception (class 08). */
const SERVER_CODE = /^(57P0[123]|08[0-9A-Z]{3})$/;

/** What node-postgres says when a connection ends or cannot be made in time (no code attached). */
const DRIVER_MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODE.test(code))) return true;
  if (DRIVER_MESSAGES.some((message) => error.message.startsWith(message))) return true;
  // Node reports a refused « localhost » (IPv4 and IPv6 both tried) as an AggregateError.
  if (error instanceof AggregateError && error.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(error.cause, depth + 1);
}
