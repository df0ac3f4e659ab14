import { frenchPercent } from '../time.ts';
import type { SheetData } from './sheet-data.ts';
import { NOT_SIGNED_LABEL, cellText, countersignatureText, halfDayLabel, halfDayTimes } from './sheet-labels.ts';

/**
 * The attendance sheet as a CSV file for spreadsheets set to French: UTF-8 with a BOM (so Excel
 * reads the accents), `;` between fields (the comma is the decimal separator) and CRLF line ends.
 */
export function renderSheetCsv(sheet: SheetData): string {
  const slotHeaders = sheet.slots.map((slot) => `${halfDayLabel(slot)} ${halfDayTimes(slot)}`);
  const header = ['Nom', 'Prénom', 'Structure', ...slotHeaders, 'Heures suivies', 'Heures prévues', 'Taux d’assiduité'];
  const rows = sheet.participants.map((p) => [
    p.familyName,
    p.givenName,
    p.employer ?? '',
    ...sheet.slots.map((_, i) => {
      const cell = p.cells[i];
      return cell ? cellText(cell) : NOT_SIGNED_LABEL;
    }),
    decimal(p.hoursAttended),
    decimal(p.hoursPlanned),
    frenchPercent(p.attendanceRate),
  ]);
  const countersignatures = ['Contre-signature', '', '', ...sheet.slots.map(countersignatureText), '', '', ''];
  const lines = [header, ...rows, [], countersignatures].map((fields) => fields.map(csvField).join(';'));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** « 10,5 »: hours to the tenth, with a decimal comma and no unit. */
function decimal(hours: number): string {
  return (Math.round(hours * 10) / 10).toLocaleString('fr-FR', { maximumFractionDigits: 1, useGrouping: false });
}

function csvField(value: string): string {
  // A spreadsheet would run a field starting like a formula (e.g. an employer typed « =HYPERLINK(…) »).
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[";\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
