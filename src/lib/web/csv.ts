/**
 * CSV for spreadsheets set to French, the one way every export writes it: UTF-8 with a BOM (so
 * Excel reads the accents), `;` between fields (the comma is the decimal separator), CRLF line
 * ends, and fields that would start a formula defused.
 */
export function csvField(value: string): string {
  // A spreadsheet would run a field starting like a formula (e.g. an employer typed « =HYPERLINK(…) »).
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[";\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The whole file: one array of fields per line (an empty array is an empty line). */
export function csvDocument(lines: readonly (readonly string[])[]): string {
  return `\uFEFF${lines.map((fields) => fields.map(csvField).join(';')).join('\r\n')}\r\n`;
}

/** « 10,5 »: a number to the tenth, with a decimal comma and no grouping, as French spreadsheets read it. */
export function csvDecimal(value: number): string {
  return (Math.round(value * 10) / 10).toLocaleString('fr-FR', { maximumFractionDigits: 1, useGrouping: false });
}

/**
 * Some lines of the same file, each ended by CRLF: a long export writes its header (after the BOM)
 * then each chunk of rows this way, and the whole reads as csvDocument would write it.
 */
export function csvLines(lines: readonly (readonly string[])[]): string {
  return lines.map((fields) => `${fields.map(csvField).join(';')}\r\n`).join('');
}
