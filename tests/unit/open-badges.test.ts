import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { calculateJwkThumbprint } from 'jose';
import { decodeStatusList, encodeStatusList, MIN_STATUS_LIST_LENGTH, numericDate, statusBit, statusListLength, wholeSecondsIso } from '../../src/lib/attestations/status-list.ts';
import { jwkThumbprint, type PublicJwk } from '../../src/lib/attestations/signing-key.ts';

describe('the revocation bitstring (W3C Bitstring Status List)', () => {
  it('is at least 16 KB, GZIP-compressed, base64url with the multibase prefix u', () => {
    const encoded = encodeStatusList([], MIN_STATUS_LIST_LENGTH);
    expect(encoded).toMatch(/^u[A-Za-z0-9_-]+$/);
    const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    expect(bits).toHaveLength(16 * 1024);
    expect(bits.every((byte) => byte === 0)).toBe(true);
  });

  it('puts index 0 at the left-most bit of the first byte', () => {
    const bits = decodeStatusList(encodeStatusList([0, 9, MIN_STATUS_LIST_LENGTH - 1], MIN_STATUS_LIST_LENGTH));
    expect(bits[0]).toBe(0x80);
    expect(bits[1]).toBe(0x40);
    expect(bits.at(-1)).toBe(0x01);
    expect([0, 9, MIN_STATUS_LIST_LENGTH - 1].map((i) => statusBit(bits, i))).toEqual([true, true, true]);
    expect([1, 8, 10, 4242].map((i) => statusBit(bits, i))).toEqual([false, false, false, false]);
  });

  it('reads back exactly the revoked indexes', () => {
    const revoked = new Set([3, 77, 1024, 65_535, 99_999]);
    const bits = decodeStatusList(encodeStatusList(revoked, MIN_STATUS_LIST_LENGTH));
    const set: number[] = [];
    for (let i = 0; i < MIN_STATUS_LIST_LENGTH; i++) if (statusBit(bits, i)) set.push(i);
    expect(set).toEqual([...revoked]);
  });

  it('grows by whole blocks of 131,072 entries, and refuses what does not fit', () => {
    expect([0, 131_071, 131_072, 300_000].map(statusListLength)).toEqual([131_072, 131_072, 262_144, 393_216]);
    expect(() => encodeStatusList([MIN_STATUS_LIST_LENGTH], MIN_STATUS_LIST_LENGTH)).toThrow(RangeError);
    expect(() => encodeStatusList([], 1024)).toThrow(RangeError);
    expect(() => decodeStatusList('zABC')).toThrow();
  });
});

describe('dates and keys of the credentials', () => {
  it('writes validFrom in whole seconds, equal to the JWT NumericDate', () => {
    const at = new Date('2026-11-23T09:41:07.829Z');
    expect(wholeSecondsIso(at)).toBe('2026-11-23T09:41:07Z');
    expect(numericDate(at) * 1000).toBe(new Date(wholeSecondsIso(at)).getTime());
  });

  it('names a key by its RFC 7638 thumbprint (the RFC 8037 example), as jose computes it', async () => {
    const jwk: PublicJwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
    expect(jwkThumbprint(jwk)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
    expect(jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
  });
});
