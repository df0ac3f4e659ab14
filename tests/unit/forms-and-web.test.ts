import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { field, readForm, FORM_ERROR_SUMMARY } from '../../src/lib/forms.ts';
import { safeNextPath } from '../../src/lib/web/session-cookie.ts';
import { isCrossSiteWrite } from '../../src/lib/web/security-headers.ts';
import { parseConfig, ConfigError } from '../../src/lib/config.ts';
import { splitSqlStatements } from '../../src/lib/db/migrate.ts';

const post = (body: string, type = 'application/x-www-form-urlencoded') =>
  new Request('http://localhost/test', { method: 'POST', headers: { 'content-type': type }, body });

const schema = z.object({ email: field.email(), name: field.text('Nom', { max: 10 }), password: field.password() });

describe('reading a form', () => {
  it('gives typed, trimmed values', async () => {
    const result = await readForm(post('email=+camille%40exemple.fr+&name=+Camille+&password=+secret+'), schema);
    expect(result.ok && result.data).toEqual({ email: 'camille@exemple.fr', name: 'Camille', password: ' secret ' });
  });

  it('explains each wrong field in French, and never sends a password back', async () => {
    const result = await readForm(post('email=pas-une-adresse&name=Un+nom+bien+trop+long&password=ab'), schema);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toBe(FORM_ERROR_SUMMARY);
    expect(result.errors.email).toBe('Adresse e-mail : le format attendu est nom@exemple.fr.');
    expect(result.errors.name).toBe('Nom : 10 caractères au plus.');
    expect(result.values).toEqual({ email: 'pas-une-adresse', name: 'Un nom bien trop long' });
  });

  it('names missing fields', async () => {
    const result = await readForm(post(''), schema);
    expect(!result.ok && result.errors).toEqual({
      email: 'Adresse e-mail : ce champ est obligatoire.',
      name: 'Nom : ce champ est obligatoire.',
      password: 'Mot de passe : ce champ est obligatoire.',
    });
  });

  it('refuses a body that is not a form, with a French message', async () => {
    const result = await readForm(post('{"email":"a@b.fr"}', 'application/json'), schema);
    expect(!result.ok && result.message).toContain('n’a pas pu être lu');
  });

  it('refuses a choice outside the options', async () => {
    const result = await readForm(post('role=admin'), z.object({ role: field.choice('Rôle', ['trainee', 'professional']) }));
    expect(!result.ok && result.errors.role).toBe('Rôle : choisissez une des options proposées.');
  });

  it('hands back the files of a multipart form apart from its fields, and none left empty', async () => {
    const body = new FormData();
    body.set('name', 'Camille');
    body.set('logo', new File([new Uint8Array([1, 2, 3])], 'logo.png', { type: 'image/png' }));
    body.set('signature', new File([], ''));
    const result = await readForm(new Request('http://localhost/', { method: 'POST', body }), z.object({ name: field.text('Nom') }));
    expect(result.ok && result.data).toEqual({ name: 'Camille' });
    expect(result.values.name).toBe('Camille');
    expect(result.values).not.toHaveProperty('logo');
    expect(Object.keys(result.files)).toEqual(['logo']);
    expect(new Uint8Array(await result.files.logo!.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });
});

describe('web safeguards', () => {
  it('only goes back to a path of this site after login', () => {
    expect(safeNextPath('/mon-compte')).toBe('/mon-compte');
    expect(safeNextPath('https://ailleurs.example/')).toBe('/accueil');
    expect(safeNextPath('//ailleurs.example/')).toBe('/accueil');
    expect(safeNextPath('/\\ailleurs.example')).toBe('/accueil');
    expect(safeNextPath(null)).toBe('/accueil');
  });

  it('treats a write from another site as cross-site, whatever its body type', () => {
    const url = new URL('http://localhost:4321/api/x');
    const write = (headers: Record<string, string>, method = 'POST') => new Request(url, { method, headers });
    expect(isCrossSiteWrite(write({ origin: 'http://localhost:4321', 'content-type': 'application/json' }), url)).toBe(false);
    expect(isCrossSiteWrite(write({ origin: 'https://evil.example', 'content-type': 'application/json' }), url)).toBe(true);
    expect(isCrossSiteWrite(write({ 'content-type': 'application/json' }), url)).toBe(true);
    expect(isCrossSiteWrite(write({ 'sec-fetch-site': 'same-origin' }), url)).toBe(false);
    expect(isCrossSiteWrite(write({}, 'GET'), url)).toBe(false);
    expect(isCrossSiteWrite(write({ origin: 'https://evil.example' }, 'DELETE'), url)).toBe(true);
  });
});

describe('settings', () => {
  it('have working defaults', () => {
    const cfg = parseConfig({});
    expect(cfg.PGLITE_DIR).toBe('./data/pglite');
    expect(cfg.PUBLIC_URL).toBe('http://localhost:4321');
    expect(cfg.DATABASE_URL).toBeUndefined();
  });

  it('treat empty values as unset', () => {
    expect(parseConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('name every wrong setting in plain words', () => {
    expect(() => parseConfig({ DATABASE_URL: 'mysql://x', SESSION_DAYS: 'beaucoup' })).toThrow(ConfigError);
    try {
      parseConfig({ DATABASE_URL: 'mysql://x', SESSION_DAYS: 'beaucoup' });
    } catch (error) {
      expect((error as Error).message).toContain('DATABASE_URL: must start with postgres://');
      expect((error as Error).message).toContain('SESSION_DAYS');
    }
  });
});

describe('migration scripts', () => {
  it('are split into statements at top-level semicolons only', () => {
    const script = `-- a comment; with a semicolon
CREATE TABLE a (x text DEFAULT 'a;b');
/* block; comment */
CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no; never'; END; $$ LANGUAGE plpgsql;
INSERT INTO "we;ird" VALUES ('it''s; fine');`;
    expect(splitSqlStatements(script)).toEqual([
      "CREATE TABLE a (x text DEFAULT 'a;b')",
      "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no; never'; END; $$ LANGUAGE plpgsql",
      `INSERT INTO "we;ird" VALUES ('it''s; fine')`,
    ]);
  });
});
