import { frenchPercent } from '../time.ts';
import { csvDecimal as decimal, csvDocument } from '../web/csv.ts';
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
  return csvDocument([header, ...rows, [], countersignatures]);
}
