import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The sign-in codes a trainer shows during an open half-day: six digits derived from the slot's
 * secret and the time (the TOTP construction of RFC 6238), a new one every 30 s. A code is
 * accepted during its own period and the next one, so at most 60 s, long enough to type it.
 * With six digits and ten tries per person per 10 minutes (see signing.ts), guessing has about
 * one chance in fifty thousand within a code's life.
 */
export const CODE_PERIOD_SECONDS = 30;
export const CODE_DIGITS = 6;

export function newCodeSecret(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

export function codeCounter(at: Date): number {
  return Math.floor(at.getTime() / 1000 / CODE_PERIOD_SECONDS);
}

export function codeAt(secret: Uint8Array, counter: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha256', secret).update(message).digest();
  const offset = digest[digest.length - 1]! & 0x0f;
  const value = (digest.readUInt32BE(offset) & 0x7fffffff) % 10 ** CODE_DIGITS;
  return String(value).padStart(CODE_DIGITS, '0');
}

/** The code to show now, and how many seconds before it changes. */
export function currentCode(secret: Uint8Array, now: Date): { code: string; secondsLeft: number; counter: number } {
  const counter = codeCounter(now);
  const nextChange = (counter + 1) * CODE_PERIOD_SECONDS * 1000;
  return { code: codeAt(secret, counter), secondsLeft: Math.max(1, Math.ceil((nextChange - now.getTime()) / 1000)), counter };
}

/** Whether a typed code is the current one or the one just before (compared in constant time). */
export function codeMatches(secret: Uint8Array, typed: string, now: Date): boolean {
  const normalized = normalizeCode(typed);
  if (!normalized) return false;
  const counter = codeCounter(now);
  let match = false;
  for (const c of [counter, counter - 1]) match = timingSafeEqual(Buffer.from(codeAt(secret, c)), Buffer.from(normalized)) || match;
  return match;
}

/** « 123 456 », « 123-456 » → « 123456 »; anything else than six digits → null. */
export function normalizeCode(typed: string): string | null {
  const digits = typed.replace(/[\s\-.]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}
