import { describe, expect, it } from 'vitest';
import { countText, exportKind, stepsText, uuidParam } from '../../src/lib/reporting/exports/kinds.ts';
import { STALLED_AFTER_MS, stateOf } from '../../src/lib/reporting/exports/jobs.ts';

const now = new Date('2026-11-23T09:00:00Z');
const fields = (params: Record<string, string>) => new URLSearchParams(params);

describe('the parameters an export keeps', () => {
  it('reads a list’s as its page does, keeping only what changes the rows', () => {
    const people = exportKind('personnes')!;
    // The page number is dropped (an export holds every page), an empty filter is no filter,
    // a default sort is left out, and unknown names are ignored.
    expect(people.read(fields({ export: 'personnes', q: '  Hélène ', role: '', tri: 'nom', ordre: 'asc', page: '3', info: 'x' }), now)).toEqual({ ok: true, params: { q: 'Hélène' } });
    expect(people.read(fields({ role: 'trainee', etape: '3', tri: 'inscription', ordre: 'asc' }), now)).toEqual({ ok: true, params: { role: 'trainee', etape: '3', tri: 'inscription', ordre: 'asc' } });
    expect(people.read(fields({ tri: 'email', role: 'chef' }), now)).toEqual({
      ok: false,
      errors: { tri: 'Tri : choisissez une des colonnes proposées.', role: 'Rôle : choisissez une des options proposées.' },
    });
    expect(exportKind('missions')!.read(fields({ du: '2026-05-01', au: '2026-04-01' }), now)).toEqual({ ok: false, errors: { au: 'Jusqu’au : la fin de la période doit suivre son début.' } });
    expect(people.sourceHref?.({ q: 'Hélène', tri: 'inscription' })).toBe('/coordination/personnes?q=H%C3%A9l%C3%A8ne&tri=inscription');
  });

  it('reads the yearly report’s period, the default resolved to its two days', () => {
    const report = exportKind('bilan-xlsx')!;
    expect(report.read(fields({}), now)).toEqual({ ok: true, params: { du: '2026-01-01', au: '2026-12-31' } });
    // Before April, the default is the year before (the time to write the BPF).
    expect(report.read(fields({}), new Date('2026-02-10T09:00:00Z'))).toEqual({ ok: true, params: { du: '2025-01-01', au: '2025-12-31' } });
    expect(report.read(fields({ du: '2025-03-01', au: '2025-06-30' }), now)).toEqual({ ok: true, params: { du: '2025-03-01', au: '2025-06-30' } });
    expect(report.read(fields({ du: '2025-03-01' }), now)).toMatchObject({ ok: false, errors: { periode: expect.stringContaining('les deux dates') } });
    expect(report.title?.({ du: '2025-01-01', au: '2025-12-31' }, now)).toBe('Bilan annuel, l’année 2025 (XLSX)');
  });

  it('knows only the kinds of its registry', () => {
    expect(exportKind('bilan-csv')?.label).toBe('Bilan annuel (CSV)');
    expect(exportKind('dossier-audit')?.label).toBe('Dossier d’audit d’une séance (ZIP)');
    // The pack's export page links back to its session, not to a list « with the same filters ».
    expect(exportKind('dossier-audit')?.sourceHref?.({ seance: 'c9a1f0de-5b7e-4c1a-9f0e-2d3b4a5c6d7e' })).toBe('/formation/seances/c9a1f0de-5b7e-4c1a-9f0e-2d3b4a5c6d7e');
    expect(exportKind('dossier-audit')?.sourceLabel).toBe('Voir la séance');
    for (const name of ['tout', 'constructor', '__proto__', 'toString']) expect(exportKind(name), name).toBeUndefined();
  });

  it('reads one identifier, for a kind about one thing', () => {
    const id = 'c9a1f0de-5b7e-4c1a-9f0e-2d3b4a5c6d7e';
    expect(uuidParam(fields({ seance: ` ${id.toUpperCase()} ` }), 'seance', 'Séance')).toEqual({ ok: true, params: { seance: id } });
    expect(uuidParam(fields({}), 'seance', 'Séance')).toEqual({ ok: false, errors: { seance: 'Séance : ce champ est obligatoire.' } });
    expect(uuidParam(fields({ seance: '../etc' }), 'seance', 'Séance')).toEqual({ ok: false, errors: { seance: 'Séance : cet identifiant n’est pas valable.' } });
  });
});

describe('what the progress bar says', () => {
  it('counts rows, or names steps', () => {
    const rows = countText('ligne', 'lignes');
    // French grouping: a narrow no-break space between thousands.
    expect(rows(1200, 10_000)).toBe('1\u202f200 lignes sur 10\u202f000');
    expect(rows(0, 1)).toBe('0 ligne sur 1');
    expect(rows(1, 1)).toBe('1 ligne sur 1');
    const steps = stepsText(['Calcul des chiffres', 'Écriture du fichier']);
    expect([0, 1, 2].map((done) => steps(done, 2))).toEqual(['Calcul des chiffres (étape 1 sur 2)', 'Écriture du fichier (étape 2 sur 2)', 'Fichier prêt']);
  });
});

describe('the state of an export', () => {
  const row = {
    id: '00000000-0000-4000-8000-000000000001',
    kind: 'personnes' as const,
    params: { q: 'dupont' },
    requested_at: new Date(now.getTime() - 120_000),
    heartbeat_at: new Date(now.getTime() - 1000),
    total: 10_000,
    done: 1200,
    finished_at: null,
    failure: null,
    filename: null,
    byte_size: null,
  };

  it('is running while its instance reports, interrupted once it stops', () => {
    expect(stateOf(row, now)).toMatchObject({ status: 'running', title: 'Personnes (CSV)', progressText: '1\u202f200 lignes sur 10\u202f000', failure: null, sourceHref: '/coordination/personnes?q=dupont' });
    const silent = stateOf({ ...row, heartbeat_at: new Date(now.getTime() - STALLED_AFTER_MS - 1) }, now);
    expect(silent.status).toBe('interrupted');
    expect(silent.failure).toContain('Relancez-le');
  });

  it('is ready with its file, failed with its reason', () => {
    expect(stateOf({ ...row, done: 10_000, finished_at: now, filename: 'personnes-2026-11-23.csv', byte_size: 812_000 }, now).status).toBe('ready');
    expect(stateOf({ ...row, finished_at: now, failure: 'Rien à exporter.' }, now)).toMatchObject({ status: 'failed', failure: 'Rien à exporter.' });
    // Closed as interrupted when it was started again: it still reads as interrupted.
    const closed = stateOf({ ...row, heartbeat_at: new Date(0) }, now).failure!;
    expect(stateOf({ ...row, finished_at: now, failure: closed }, now).status).toBe('interrupted');
  });
});
