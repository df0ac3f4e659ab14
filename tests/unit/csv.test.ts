import { describe, expect, it } from 'vitest';
import { csvDocument, csvField, csvLines } from '../../src/lib/web/csv.ts';

/**
 * A name, an employer or a place typed by someone ends up in the coordination's spreadsheets: a
 * field a spreadsheet would read as a formula (CSV injection) must reach it as plain text.
 */
describe('a CSV field typed by someone', () => {
  it('starting like a formula (= + - @, tab, carriage return) is kept as text by a leading apostrophe', () => {
    expect(csvField('=HYPERLINK("http://exemple.invalid","clic")')).toBe('"\'=HYPERLINK(""http://exemple.invalid"",""clic"")"');
    expect(csvField('+33 6 12 34 56 78')).toBe("'+33 6 12 34 56 78");
    expect(csvField('-2+3+cmd|\' /C calc\'!A0')).toBe("'-2+3+cmd|' /C calc'!A0");
    expect(csvField('@SUM(1+1)')).toBe("'@SUM(1+1)");
    expect(csvField('\t=1+1')).toBe("'\t=1+1");
    expect(csvField('\r=1+1')).toBe('"\'\r=1+1"');
  });

  it('anywhere else in the text is left as it is', () => {
    expect(csvField('Centre =HYPERLINK')).toBe('Centre =HYPERLINK');
    expect(csvField('Jean-Pierre')).toBe('Jean-Pierre');
    expect(csvField('')).toBe('');
  });

  it('cannot add a column or a line: ; " and line breaks are quoted', () => {
    expect(csvField('Martin;=1+1')).toBe('"Martin;=1+1"');
    expect(csvField('a\r\n=1+1')).toBe('"a\r\n=1+1"');
    expect(csvField('"=1+1"')).toBe('"""=1+1"""');
  });

  it('is defused the same way in a whole file and in the chunks of a long export', () => {
    const rows = [['Nom', 'Structure'], ['@Martin', '=1+1']];
    expect(csvDocument(rows)).toBe("\uFEFFNom;Structure\r\n'@Martin;'=1+1\r\n");
    expect(csvLines(rows.slice(1))).toBe("'@Martin;'=1+1\r\n");
  });
});
