import { hash, verify } from '@node-rs/argon2';
import { COMMON_PASSWORDS } from './common-passwords.ts';

/** OWASP's argon2id settings: 19 MiB, 2 passes, 1 lane. The library's default algorithm is argon2id. */
const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 };

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

// Verified against when the account does not exist, so that both cases take the same time.
let decoyHash: Promise<string> | undefined;

export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  if (!storedHash) {
    decoyHash ??= hashPassword('mot de passe leurre pour égaliser le temps');
    await verify(await decoyHash, password);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

/**
 * Why a new password is refused, in French, or null when it is acceptable.
 * Length and a list of the most common passwords, as NIST SP 800-63B advises; no composition rules.
 */
export function passwordWeakness(password: string, email?: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH)
    return `Le mot de passe doit contenir au moins ${PASSWORD_MIN_LENGTH} caractères.`;
  if (password.length > PASSWORD_MAX_LENGTH)
    return `Le mot de passe ne doit pas dépasser ${PASSWORD_MAX_LENGTH} caractères.`;
  const normalized = password.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  if (COMMON_PASSWORDS.has(normalized) || /^(.)\1+$/.test(normalized) || isSequence(normalized))
    return 'Ce mot de passe est trop courant : choisissez-en un autre, par exemple une courte phrase.';
  const local = email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && normalized.includes(local))
    return 'Le mot de passe ne doit pas reprendre votre adresse e-mail.';
  return null;
}

function isSequence(text: string): boolean {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789azertyuiopqsdfghjklmwxcvbn';
  const reversed = [...alphabet].reverse().join('');
  return alphabet.includes(text) || reversed.includes(text);
}
