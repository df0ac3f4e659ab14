import { describe, expect, it } from 'vitest';
import { generateToken, hashToken } from '../../src/lib/accounts/tokens.ts';
import { hashPassword, passwordWeakness, verifyPassword, PASSWORD_MIN_LENGTH } from '../../src/lib/accounts/passwords.ts';

describe('tokens', () => {
  it('are 160 random bits in lowercase base32, never twice the same', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) expect(token).toMatch(/^[a-z2-7]{32}$/);
  });

  it('are stored as their SHA-256, from which the token cannot be read back', () => {
    const token = generateToken();
    const stored = hashToken(token);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(token);
    expect(hashToken(token)).toBe(stored);
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('passwords', () => {
  it('are hashed with argon2id and verified', async () => {
    const stored = await hashPassword('une phrase de passe solide');
    expect(stored.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(stored, 'une phrase de passe solide')).toBe(true);
    expect(await verifyPassword(stored, 'une phrase de passe solidE')).toBe(false);
  });

  it('verify as wrong, without error, when there is no account or a damaged hash', async () => {
    expect(await verifyPassword(null, 'peu importe le mot')).toBe(false);
    expect(await verifyPassword('pas un hash', 'peu importe le mot')).toBe(false);
  });

  it('must be long enough, and not among the most common ones', () => {
    expect(passwordWeakness('court')).toContain(`${PASSWORD_MIN_LENGTH} caractères`);
    expect(passwordWeakness('motdepasse123')).toContain('trop courant');
    expect(passwordWeakness('MotDePasse123')).toContain('trop courant');
    expect(passwordWeakness('azertyuiop')).toContain('trop courant');
    expect(passwordWeakness('1234567890')).toContain('trop courant');
    expect(passwordWeakness('aaaaaaaaaaaa')).toContain('trop courant');
    expect(passwordWeakness('x'.repeat(201))).toContain('200 caractères');
  });

  it('must not repeat the email address', () => {
    expect(passwordWeakness('camille.martin2026', 'camille.martin@exemple.fr')).toContain('adresse e-mail');
  });

  it('accept a plain sentence, spaces and accents included', () => {
    expect(passwordWeakness('le café du matin est chaud', 'camille@exemple.fr')).toBeNull();
  });
});
