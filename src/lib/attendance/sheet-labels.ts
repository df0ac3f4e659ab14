import type { AttendanceMethod, AttendanceStatus } from '../db/schema.ts';
import { frenchDateTime, frenchLongDate, frenchShortDate, frenchTime } from '../time.ts';
import type { SheetCell, SheetSlot } from './sheet-data.ts';

/** French labels of the attendance sheet, shared by the pages and the PDF and CSV exports. */
export const ATTENDANCE_STATUS_LABELS: Record<AttendanceStatus, string> = {
  present: 'Présent·e',
  late: 'En retard',
  absent_justified: 'Absence justifiée',
  absent_unjustified: 'Absence non justifiée',
};

export const ATTENDANCE_METHOD_LABELS: Record<AttendanceMethod, string> = {
  code: 'par code',
  tablet: 'sur la tablette du formateur',
  trainer: 'noté par le formateur',
  closing: 'constaté à la clôture',
  correction: 'correction',
};

/** Shown for a cell with nothing recorded yet. */
export const NOT_SIGNED_LABEL = 'Non signé';
/** Shown for a half-day the trainer has not closed (countersigned) yet. */
export const NOT_CLOSED_LABEL = 'Non clôturée';
export const CORRECTED_MARK = '(corrigé)';

interface SlotTimes {
  startsAt: Date;
  endsAt: Date;
}

/** « jeudi 03/12/2026 matin », or « après-midi » when the half-day starts at noon or later (Paris). */
export function halfDayLabel(slot: SlotTimes): string {
  // frenchLongDate reads « jeudi 3 décembre 2026 »: its first word is the weekday in Paris.
  const weekday = frenchLongDate(slot.startsAt).split(' ')[0] ?? '';
  // frenchTime is zero-padded 24-hour time, so comparing strings compares times.
  const part = frenchTime(slot.startsAt) >= '12:00' ? 'après-midi' : 'matin';
  return `${weekday} ${frenchShortDate(slot.startsAt)} ${part}`;
}

/** « 09:00 – 12:30 » */
export function halfDayTimes(slot: SlotTimes): string {
  return `${frenchTime(slot.startsAt)} – ${frenchTime(slot.endsAt)}`;
}

/** Free text typed by a person, on one line. */
const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

const signedText = (at: Date): string => `Signé électroniquement le ${frenchDateTime(at)}`;

/** What one cell of the sheet says, in words (no image). */
export function cellText(cell: SheetCell): string {
  const text = cellTextWithoutCorrection(cell);
  return cell.corrected ? `${text} ${CORRECTED_MARK}` : text;
}

function cellTextWithoutCorrection(cell: SheetCell): string {
  switch (cell.status) {
    case null:
      return NOT_SIGNED_LABEL;
    case 'present':
      if (cell.signedAt && (cell.method === 'code' || cell.method === 'tablet' || cell.method === null)) return signedText(cell.signedAt);
      if (cell.method === 'trainer') return 'Présence notée par le formateur';
      if (cell.method === 'closing') return `${ATTENDANCE_STATUS_LABELS.present}, ${ATTENDANCE_METHOD_LABELS.closing}`;
      return cell.signedAt ? signedText(cell.signedAt) : ATTENDANCE_STATUS_LABELS.present;
    case 'late': {
      const late = cell.arrivedAt ? `En retard, arrivé·e à ${frenchTime(cell.arrivedAt)}` : ATTENDANCE_STATUS_LABELS.late;
      return cell.signedAt ? `${late}. ${signedText(cell.signedAt)}` : late;
    }
    case 'absent_justified':
    case 'absent_unjustified': {
      const reason = cell.reason ? oneLine(cell.reason) : '';
      return reason ? `${ATTENDANCE_STATUS_LABELS[cell.status]} : ${reason}` : ATTENDANCE_STATUS_LABELS[cell.status];
    }
  }
}

/** « Camille Martin, le 03/12/2026 à 12:35 », or « Non clôturée ». */
export function countersignatureText(slot: Pick<SheetSlot, 'countersignedBy' | 'countersignedAt'>): string {
  if (slot.countersignedBy && slot.countersignedAt) return `${slot.countersignedBy}, le ${frenchDateTime(slot.countersignedAt)}`;
  if (slot.countersignedBy) return slot.countersignedBy;
  if (slot.countersignedAt) return `Clôturée le ${frenchDateTime(slot.countersignedAt)}`;
  return NOT_CLOSED_LABEL;
}
