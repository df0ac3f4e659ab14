import { describe, expect, it } from 'vitest';
import { unzip } from '../support/zip.ts';
import { columnName, sheetXml, xlsxWorkbook, xmlText } from '../../src/lib/reporting/xlsx.ts';
import { bpfLineOf, defaultPeriod, periodLabel, periodSlug, reportPeriod } from '../../src/lib/reporting/yearly.ts';

describe('the XLSX writer', () => {
  it('escapes & < > and quotes, and writes control characters the way Excel reads them back', () => {
    expect(xmlText('Formation & pair-aidance <atelier> "2026"')).toBe('Formation &amp; pair-aidance &lt;atelier&gt; &quot;2026&quot;');
    // XML 1.0 cannot carry U+0001 or U+001F at all: they become Excel's _xHHHH_ escapes.
    expect(xmlText('a\u0001b\u001Fc\u0000')).toBe('a_x0001_b_x001F_c_x0000_');
    // A carriage return would be read back as a line feed; tabs and line feeds stay as they are.
    expect(xmlText('un\r\ndeux\ttrois')).toBe('un_x000D_\ndeux\ttrois');
    // A text that already looks like an escape keeps its meaning: its underscore is escaped.
    expect(xmlText('code _x0041_ ici')).toBe('code _x005F_x0041_ ici');
    // A lone half of a surrogate pair is dropped; a whole pair (an emoji) is kept.
    expect(xmlText('ok \uD83D fin 🙂')).toBe('ok  fin 🙂');
    expect(xmlText('=HYPERLINK("x")')).toBe('=HYPERLINK(&quot;x&quot;)');
  });

  it('names columns A to Z, then AA, AB…', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnName)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
  });

  it('writes numbers as numbers, text as inline strings, the first row in bold, and nothing for empty cells', () => {
    const xml = sheetXml({ rows: [['Nom', 'Heures'], ['Léa <L>', 10.5], ['', null], ['Infini', Number.POSITIVE_INFINITY]] });
    expect(xml).toContain('<row r="1"><c r="A1" s="1" t="inlineStr"><is><t xml:space="preserve">Nom</t></is></c><c r="B1" s="1" t="inlineStr"><is><t xml:space="preserve">Heures</t></is></c></row>');
    expect(xml).toContain('<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve">Léa &lt;L&gt;</t></is></c><c r="B2"><v>10.5</v></c></row>');
    expect(xml).toContain('<row r="3"></row>');
    expect(xml).toContain('<row r="4"><c r="A4" t="inlineStr"><is><t xml:space="preserve">Infini</t></is></c></row>');
  });

  it('zips a workbook whose parts name each other, with sheet names Excel accepts', async () => {
    const bytes = await xlsxWorkbook([
      { name: 'Synthèse', rows: [['a']] },
      { name: 'Par formation: 2025/2026 [détail] et bien plus encore', rows: [['b']] },
      { name: 'synthèse', rows: [['c']] },
    ]);
    const files = await unzip(bytes);
    expect([...files.keys()].sort()).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'xl/_rels/workbook.xml.rels',
      'xl/styles.xml',
      'xl/workbook.xml',
      'xl/worksheets/sheet1.xml',
      'xl/worksheets/sheet2.xml',
      'xl/worksheets/sheet3.xml',
    ]);
    const workbook = new TextDecoder().decode(files.get('xl/workbook.xml'));
    expect(workbook).toContain('<sheet name="Synthèse" sheetId="1" r:id="rId1"/>');
    // Forbidden characters replaced, 31 characters at most.
    expect(workbook).toContain('<sheet name="Par formation  2025 2026  détai" sheetId="2" r:id="rId2"/>');
    // Sheet names are unique whatever their case.
    expect(workbook).toContain('<sheet name="synthèse 2" sheetId="3" r:id="rId3"/>');
    const rels = new TextDecoder().decode(files.get('xl/_rels/workbook.xml.rels'));
    expect(rels).toContain('Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet3.xml"');
    expect(rels).toContain('Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"');
    const types = new TextDecoder().decode(files.get('[Content_Types].xml'));
    expect(types).toContain('<Override PartName="/xl/worksheets/sheet3.xml"');
    await expect(xlsxWorkbook([])).rejects.toThrow();
  });
});

describe('the period of the yearly report', () => {
  it('defaults to the previous calendar year until the end of March (Paris time), then the current year', () => {
    expect(defaultPeriod(new Date('2026-03-31T21:59:00Z'))).toMatchObject({ from: '2025-01-01', to: '2025-12-31' });
    // 1 April at 00:30 in Paris is still 31 March in UTC.
    expect(defaultPeriod(new Date('2026-03-31T22:30:00Z'))).toMatchObject({ from: '2026-01-01', to: '2026-12-31' });
    expect(defaultPeriod(new Date('2026-01-01T00:30:00+01:00'))).toMatchObject({ from: '2025-01-01' });
    const chosen = reportPeriod({ du: null, au: '' }, new Date('2026-07-01T10:00:00Z'));
    expect(chosen).toMatchObject({ ok: true, chosen: false, period: { from: '2026-01-01', to: '2026-12-31' } });
  });

  it('runs from midnight in Paris on the first day to midnight after the last', () => {
    const chosen = reportPeriod({ du: '2025-03-01', au: '2025-06-30' }, new Date());
    if (!chosen.ok) throw new Error(chosen.message);
    // Winter time (UTC+1) at the start, summer time (UTC+2) at the end.
    expect(chosen.period.startsAt.toISOString()).toBe('2025-02-28T23:00:00.000Z');
    expect(chosen.period.endsBefore.toISOString()).toBe('2025-06-30T22:00:00.000Z');
    expect(periodLabel(chosen.period)).toBe('du 1 mars 2025 au 30 juin 2025');
    expect(periodSlug(chosen.period)).toBe('2025-03-01-au-2025-06-30');
    const year = reportPeriod({ du: '2025-01-01', au: '2025-12-31' }, new Date());
    if (!year.ok) throw new Error(year.message);
    expect([periodLabel(year.period), periodSlug(year.period)]).toEqual(['l’année 2025', '2025']);
  });

  it('refuses, in French, dates that do not exist, a reversed period, and more than five years', () => {
    const now = new Date('2026-05-01T10:00:00Z');
    const refused = (du: string, au: string) => {
      const outcome = reportPeriod({ du, au }, now);
      return outcome.ok ? null : [outcome.status, outcome.message];
    };
    expect(refused('2025-02-29', '2025-03-01')).toEqual([400, 'Du : cette date n’existe pas ; choisissez-la dans le calendrier (jj/mm/aaaa).']);
    expect(refused('2025-01-01', '2025-1-31')).toEqual([400, 'Au : cette date n’existe pas ; choisissez-la dans le calendrier (jj/mm/aaaa).']);
    expect(refused('2025-01-01', '<script>')).toEqual([400, 'Au : cette date n’existe pas ; choisissez-la dans le calendrier (jj/mm/aaaa).']);
    expect(refused('1999-12-31', '2000-01-31')).toEqual([400, 'Période : choisissez des dates entre l’an 2000 et l’an 2100.']);
    expect(refused('2025-06-02', '2025-06-01')).toEqual([400, 'Période : la date de fin doit venir après la date de début.']);
    expect(refused('2020-03-01', '2025-03-01')?.[1]).toContain('5 ans au plus');
    expect(refused('2020-03-01', '2025-02-28')).toBeNull();
    expect(refused('2024-02-29', '2024-02-29')).toBeNull();
  });

  it('puts each category on its line of section F-1', () => {
    expect(['private_employer', 'public_employer', 'job_seeker', 'self_funded', 'other', null].map((t) => bpfLineOf(t as Parameters<typeof bpfLineOf>[0]))).toEqual(['a', 'e', 'c', 'd', 'e', 'e']);
  });
});
