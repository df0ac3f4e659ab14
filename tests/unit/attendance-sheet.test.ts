import { describe, expect, it } from 'vitest';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { SheetCell, SheetData, SheetParticipant, SheetSlot } from '../../src/lib/attendance/sheet-data.ts';
import { renderSheetCsv } from '../../src/lib/attendance/sheet-csv.ts';
import { ATTENDANCE_METHOD_LABELS, ATTENDANCE_STATUS_LABELS, cellText, countersignatureText, halfDayLabel, halfDayTimes } from '../../src/lib/attendance/sheet-labels.ts';
import { renderSheetPdf } from '../../src/lib/attendance/sheet-pdf.ts';
import { signaturePng } from '../support/signature-png.ts';

/*
 * A coordinator of ESPER Pro exports the attendance sheet of a three-day PSSM session (twenty
 * peer health mediators) for the funder: as a PDF to file, and as a CSV to check the hours.
 */

const HALF_DAY_HOURS = 3.5;
const minutes = (at: Date, count: number): Date => new Date(at.getTime() + count * 60_000);

/** Half-days from Thursday 3 December 2026 (winter: Paris is UTC+1), 09:00–12:30 and 13:30–17:00. */
function halfDays(days: number, closed: number): SheetSlot[] {
  const slots: SheetSlot[] = [];
  for (let day = 0; day < days; day += 1) {
    for (const [start, end] of [['08:00', '11:30'], ['12:30', '16:00']] as const) {
      const date = `2026-12-${String(3 + day).padStart(2, '0')}`;
      const startsAt = new Date(`${date}T${start}:00Z`);
      const endsAt = new Date(`${date}T${end}:00Z`);
      const isClosed = slots.length < closed;
      slots.push({
        id: `slot-${slots.length + 1}`,
        startsAt,
        endsAt,
        hours: HALF_DAY_HOURS,
        countersignedBy: isClosed ? 'Camille Martin' : null,
        countersignedAt: isClosed ? minutes(endsAt, 5) : null,
      });
    }
  }
  return slots;
}

const PEOPLE: Array<[string, string, string | null]> = [
  ['Lefèvre', 'Zoë', 'Centre hospitalier Le Vinatier'],
  ['Nowak', 'Łukasz', 'GEM La Boussole'],
  ['Benali', 'Yasmine', 'Association Santé Mentale et Société'],
  ['Dupont-Lagarde', 'Jean-Édouard', null],
  ['N’Diaye', 'Aïssatou', 'CMP Croix-Rousse'],
  ['Moreau', 'Hélène', '=HYPERLINK("http://exemple.invalid","Cliquez ici")'],
  ['Da Silva', 'João', 'Équipe mobile psychiatrie précarité'],
  ['Ferreira', 'Inês', null],
  ['Garnier', 'Noémie', 'Clubhouse Lyon'],
  ['Haddad', 'Karim', 'Centre hospitalier Saint-Jean-de-Dieu'],
  ['Lambert', 'Céline', 'Foyer d’hébergement Les Tilleuls'],
  ['Bouchard', 'François', 'Maison des usagers'],
  ['Chevalier', 'Maëlle', null],
  ['Durand', 'Loïc', 'Association « Entre pairs »'],
  ['Petit', 'Anaïs', 'GEM L’Éclaircie'],
  ['Roux', 'Gaëtan', 'Centre hospitalier Le Vinatier'],
  ['Schmitt', 'Bérénice', 'Réseau Santé Précarité'],
  ['Tran', 'Minh-Châu', null],
  ['Vidal', 'Clément', 'CSAPA Le Griffon'],
  ['Wagner', 'Solène', 'Hôpital de jour Les Glycines'],
];

const signed = (method: 'code' | 'tablet', at: Date, seed: number): SheetCell => ({
  status: 'present',
  method,
  signedAt: at,
  arrivedAt: null,
  signaturePng: method === 'tablet' ? signaturePng(seed) : null,
  reason: null,
  corrected: false,
});
const nothingYet: SheetCell = { status: null, method: null, signedAt: null, arrivedAt: null, signaturePng: null, reason: null, corrected: false };

/** The session as `attendanceSheet` gathers it: every slot but the last one closed. */
function pssmSession(days = 3): SheetData {
  const slots = halfDays(days, days * 2 - 1);
  const participants: SheetParticipant[] = PEOPLE.map(([familyName, givenName, employer], p) => {
    const cells = slots.map((slot, s): SheetCell => {
      // The last half-day is under way: a few have signed with the code, the others not yet.
      if (!slot.countersignedAt) return p >= 17 ? signed('code', minutes(slot.startsAt, 4), p) : nothingYet;
      return signed((p + s) % 2 === 0 ? 'tablet' : 'code', minutes(slot.startsAt, 2 + p), 100 * s + p);
    });
    return { personId: `person-${p + 1}`, familyName, givenName, employer, cells, hoursAttended: 0, hoursPlanned: days * 2 * HALF_DAY_HOURS, attendanceRate: 0 };
  });
  const [zoe, lukasz, yasmine, jean] = participants;
  const [first, second, third] = slots;
  if (!zoe || !lukasz || !yasmine || !jean || !first || !second || !third) throw new Error('fixture');
  // Zoë arrives at 09:40 and signs on the tablet.
  zoe.cells[0] = { ...signed('tablet', minutes(first.startsAt, 42), 7), status: 'late', arrivedAt: minutes(first.startsAt, 40) };
  lukasz.cells[1] = { ...nothingYet, status: 'absent_justified', method: 'trainer', reason: 'Rendez-vous médical (certificat fourni)' };
  yasmine.cells[2] = { ...nothingYet, status: 'absent_unjustified', method: 'closing' };
  // Jean-Édouard forgot to sign: the trainer corrects the absence recorded at closing.
  jean.cells[2] = { ...nothingYet, status: 'present', method: 'trainer', corrected: true };

  for (const person of participants) {
    person.hoursAttended = person.cells.reduce((n, cell, i) => (cell.status === 'present' || cell.status === 'late' ? n + (slots[i]?.hours ?? 0) : n), 0);
    person.attendanceRate = person.hoursAttended / person.hoursPlanned;
  }
  return {
    organisation: 'ESPER Pro',
    training: { title: 'Premiers secours en santé mentale (PSSM) – module standard', durationHours: days * 2 * HALF_DAY_HOURS },
    place: 'Maison des associations, 28 rue Denfert-Rochereau, 69004 Lyon',
    trainers: ['Camille Martin', 'Jean-Baptiste Ngoma'],
    slots,
    participants,
    generatedAt: new Date('2026-12-05T17:00:00Z'),
  };
}

/** The text of each page, as a reader (or a screen reader) extracts it. */
async function pdfPages(bytes: Uint8Array): Promise<string[]> {
  const task = getDocument({ data: new Uint8Array(bytes), useSystemFonts: false });
  const pdf = await task.promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n += 1) {
    const content = await (await pdf.getPage(n)).getTextContent();
    const text = content.items.map((item) => ('str' in item ? item.str : '')).join(' ');
    pages.push(text.replace(/\s+/g, ' '));
  }
  await task.destroy();
  return pages;
}

const csvLines = (csv: string): string[] => csv.replace(/^\uFEFF/, '').split('\r\n');
/** The pages of the attendance table itself, not those of the hours and the legend. */
const tablePages = (pages: string[]): string[] => pages.filter((page) => page.includes('Contre-signature du formateur'));

describe('the attendance sheet of a three-day PSSM session', () => {
  const sheet = pssmSession();

  describe('as a PDF', () => {
    it('is a PDF whose text names the organisation, the training, every participant and every half-day', async () => {
      const bytes = await renderSheetPdf(sheet);
      expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe('%PDF-');
      // The signatures drawn on the tablet are embedded as images.
      expect(new TextDecoder('latin1').decode(bytes)).toContain('/Subtype /Image');
      const pages = await pdfPages(bytes);
      const all = pages.join(' ');
      for (const page of pages) {
        expect(page).toContain('Feuille d’émargement');
        expect(page).toContain('ESPER Pro');
        expect(page).toContain('Premiers secours en santé mentale (PSSM) – module standard');
        expect(page).toMatch(/Page \d+ \/ \d+/);
      }
      expect(pages.at(-1)).toContain(`Page ${pages.length} / ${pages.length}`);
      expect(all).toContain('Maison des associations');
      expect(all).toContain('Camille Martin, Jean-Baptiste Ngoma');
      expect(all).toContain('21 h');
      for (const person of sheet.participants) expect(all).toContain(`${person.familyName.toLocaleUpperCase('fr-FR')} ${person.givenName}`);
      for (const slot of sheet.slots) {
        expect(all).toContain(halfDayLabel(slot));
        expect(all).toContain(halfDayTimes(slot));
      }
      expect(all).toContain('Centre hospitalier Le Vinatier');
    });

    it('shows the late arrival, the absences with their reason and the signatures', async () => {
      const all = (await pdfPages(await renderSheetPdf(sheet))).join(' ');
      expect(all).toContain('En retard, arrivé·e à 09:40');
      expect(all).toContain('ABSENCE');
      expect(all).toContain('Absence justifiée : Rendez-vous médical (certificat fourni)');
      expect(all).toContain('Absence non justifiée');
      expect(all).toContain('Présence notée par le formateur (corrigé)');
      expect(all).toContain('signé le 03/12/2026 à 09:42');
      expect(all).toContain('Signé électroniquement le 03/12/2026 à 09:03');
      expect(all).toContain('Non signé');
    });

    it('has the trainer’s countersignature under each half-day, or « Non clôturée »', async () => {
      const pages = await pdfPages(await renderSheetPdf(sheet));
      const tables = tablePages(pages);
      // 20 participants over six half-days need more than one page, each with the countersignatures.
      expect(tables.length).toBeGreaterThan(1);
      expect(tables.length).toBe(pages.filter((page) => page.includes('Participant·e Structure') && !page.includes('Heures suivies et assiduité')).length);
      for (const page of tables) {
        expect(page).toContain('Contre-signature du formateur');
        expect(page).toContain('Camille Martin, le 03/12/2026 à 12:35');
        expect(page).toContain('Non clôturée');
      }
    });

    it('ends with the hours attended and the attendance rate of each participant, and a legend', async () => {
      const pages = await pdfPages(await renderSheetPdf(sheet));
      const hours = pages.filter((page) => page.includes('Heures suivies et assiduité'));
      expect(hours.length).toBeGreaterThan(0);
      expect(pages.at(-1)).toContain('Légende');
      const text = hours.join(' ');
      // Zoë: late but present at every closed half-day, and she has not signed the last one.
      expect(text).toMatch(/LEFÈVRE Zoë Centre hospitalier Le Vinatier 17,5 h 21 h 83 %/);
      // Łukasz was away for one half-day and has not signed the last one yet.
      expect(text).toMatch(/NOWAK Łukasz GEM La Boussole 14 h 21 h 67 %/);
      expect(text).toMatch(/WAGNER Solène Hôpital de jour Les Glycines 21 h 21 h 100 %/);
      for (const label of Object.values(ATTENDANCE_STATUS_LABELS)) expect(pages.at(-1)).toContain(label);
    });

    it('keeps every row whole and puts the half-days past the sixth on further pages', async () => {
      const threeDays = await pdfPages(await renderSheetPdf(sheet));
      const fourDaysSheet = pssmSession(4);
      const fourDays = await pdfPages(await renderSheetPdf(fourDaysSheet));
      expect(fourDays.length).toBeGreaterThan(threeDays.length);
      const tables = tablePages(fourDays);
      // The header names the first and the last half-days: compare the second and the seventh.
      const second = halfDayLabel(fourDaysSheet.slots[1]!);
      const seventh = halfDayLabel(fourDaysSheet.slots[6]!);
      // A page shows half-days 1 to 6 or 7 and 8, never both, each with the participants’ names.
      expect(tables.some((page) => page.includes(second) && !page.includes(seventh))).toBe(true);
      expect(tables.some((page) => page.includes(seventh) && !page.includes(second))).toBe(true);
      expect(tables.join(' ')).toContain('Demi-journées 7 à 8 sur 8');
      for (const slot of fourDaysSheet.slots) expect(tables.join(' ')).toContain(halfDayLabel(slot));
      expect(tables.filter((page) => page.includes(seventh)).join(' ')).toContain('NOWAK Łukasz');
      // Every participant is listed once per group of half-days: no row is cut in two.
      for (const person of fourDaysSheet.participants) {
        const name = `${person.familyName.toLocaleUpperCase('fr-FR')} ${person.givenName}`;
        expect(tables.filter((page) => page.includes(name)).length).toBe(2);
      }
    });

    it('writes names outside Latin-1, such as « Łukasz », as real text', async () => {
      const all = (await pdfPages(await renderSheetPdf(sheet))).join(' ');
      expect(all).toContain('Łukasz');
      expect(all).toContain('N’DIAYE Aïssatou');
    });

    it('wraps long names and reasons instead of spilling over the next cell', async () => {
      const long = pssmSession();
      const [person] = long.participants;
      person!.familyName = 'De La Tour d’Auvergne-Lauraguais de Montmorency';
      person!.cells[3] = { ...nothingYet, status: 'absent_justified', method: 'trainer', reason: 'Hospitalisation programmée de longue date, '.repeat(30) };
      const all = (await pdfPages(await renderSheetPdf(long))).join(' ');
      expect(all).toContain('Zoë');
      expect(all).toContain('Hospitalisation programmée');
      expect(all).toContain('…');
    });
  });

  describe('as a CSV', () => {
    const csv = renderSheetCsv(sheet);
    const lines = csvLines(csv);

    it('opens in a French spreadsheet: BOM, semicolons, CRLF', () => {
      expect(csv.startsWith('\uFEFF')).toBe(true);
      expect(csv.endsWith('\r\n')).toBe(true);
      expect(csv.replaceAll('\r\n', '')).not.toContain('\n');
      expect(lines[0]).toBe(
        [
          'Nom',
          'Prénom',
          'Structure',
          ...sheet.slots.map((slot) => `${halfDayLabel(slot)} ${halfDayTimes(slot)}`),
          'Heures suivies',
          'Heures prévues',
          'Taux d’assiduité',
        ].join(';'),
      );
      expect(lines[0]).toContain('jeudi 03/12/2026 matin 09:00 – 12:30;jeudi 03/12/2026 après-midi 13:30 – 17:00');
    });

    it('has one line per participant, with the hours and the rate written the French way', () => {
      const rows = lines.slice(1, 1 + sheet.participants.length);
      expect(rows).toHaveLength(20);
      expect(rows[0]).toBe(
        [
          'Lefèvre',
          'Zoë',
          'Centre hospitalier Le Vinatier',
          'En retard, arrivé·e à 09:40. Signé électroniquement le 03/12/2026 à 09:42',
          'Signé électroniquement le 03/12/2026 à 13:32',
          'Signé électroniquement le 04/12/2026 à 09:02',
          'Signé électroniquement le 04/12/2026 à 13:32',
          'Signé électroniquement le 05/12/2026 à 09:02',
          'Non signé',
          '17,5',
          '21',
          '83 %',
        ].join(';'),
      );
      expect(rows[1]).toContain(';Absence justifiée : Rendez-vous médical (certificat fourni);');
      expect(rows[2]).toContain(';Absence non justifiée;');
      expect(rows[3]).toContain('Dupont-Lagarde;Jean-Édouard;;');
      expect(rows[3]).toContain(';Présence notée par le formateur (corrigé);');
    });

    it('cannot run a formula typed as an employer, and doubles quotes', () => {
      const moreau = lines.find((line) => line.startsWith('Moreau;'));
      expect(moreau).toContain(';"\'=HYPERLINK(""http://exemple.invalid"",""Cliquez ici"")";');
      expect(lines.find((line) => line.startsWith('Durand;'))).toContain(';Association « Entre pairs »;');
    });

    it('ends with the trainer’s countersignatures after an empty line', () => {
      expect(lines.at(-1)).toBe('');
      expect(lines.at(-3)).toBe('');
      expect(lines.at(-2)).toBe(
        [
          'Contre-signature',
          '',
          '',
          'Camille Martin, le 03/12/2026 à 12:35',
          'Camille Martin, le 03/12/2026 à 17:05',
          'Camille Martin, le 04/12/2026 à 12:35',
          'Camille Martin, le 04/12/2026 à 17:05',
          'Camille Martin, le 05/12/2026 à 12:35',
          'Non clôturée',
          '',
          '',
          '',
        ].join(';'),
      );
    });
  });

  describe('labels', () => {
    it('names a half-day by its weekday, date and part of the day in Paris', () => {
      // 08:00 UTC is 09:00 in Paris in winter; 11:30 UTC is 12:30.
      expect(halfDayLabel({ startsAt: new Date('2026-12-03T08:00:00Z'), endsAt: new Date('2026-12-03T11:30:00Z') })).toBe('jeudi 03/12/2026 matin');
      expect(halfDayTimes({ startsAt: new Date('2026-12-03T08:00:00Z'), endsAt: new Date('2026-12-03T11:30:00Z') })).toBe('09:00 – 12:30');
      // 10:59 UTC is 11:59 in Paris: still the morning; 11:00 UTC is noon: the afternoon.
      expect(halfDayLabel({ startsAt: new Date('2026-12-03T10:59:00Z'), endsAt: new Date('2026-12-03T12:00:00Z') })).toBe('jeudi 03/12/2026 matin');
      expect(halfDayLabel({ startsAt: new Date('2026-12-03T11:00:00Z'), endsAt: new Date('2026-12-03T16:00:00Z') })).toBe('jeudi 03/12/2026 après-midi');
      // 23:30 UTC on Friday is already Saturday in Paris.
      expect(halfDayLabel({ startsAt: new Date('2026-12-04T23:30:00Z'), endsAt: new Date('2026-12-05T03:00:00Z') })).toBe('samedi 05/12/2026 matin');
    });

    it('says what each cell records', () => {
      const at = new Date('2026-12-03T08:12:00Z');
      expect(cellText(signed('code', at, 1))).toBe('Signé électroniquement le 03/12/2026 à 09:12');
      expect(cellText(signed('tablet', at, 1))).toBe('Signé électroniquement le 03/12/2026 à 09:12');
      expect(cellText({ ...nothingYet, status: 'present', method: 'trainer' })).toBe('Présence notée par le formateur');
      expect(cellText({ ...nothingYet, status: 'late', method: 'trainer', arrivedAt: new Date('2026-12-03T08:40:00Z') })).toBe('En retard, arrivé·e à 09:40');
      expect(cellText({ ...nothingYet, status: 'absent_justified', method: 'trainer', reason: '  Enfant\nmalade ' })).toBe('Absence justifiée : Enfant malade');
      expect(cellText({ ...nothingYet, status: 'absent_unjustified', method: 'closing' })).toBe('Absence non justifiée');
      expect(cellText({ ...nothingYet, status: 'absent_unjustified', method: 'correction', corrected: true })).toBe('Absence non justifiée (corrigé)');
      expect(cellText(nothingYet)).toBe('Non signé');
      expect(ATTENDANCE_METHOD_LABELS.tablet).toBe('sur la tablette du formateur');
      expect(countersignatureText({ countersignedBy: 'Camille Martin', countersignedAt: new Date('2026-12-03T11:35:00Z') })).toBe('Camille Martin, le 03/12/2026 à 12:35');
      expect(countersignatureText({ countersignedBy: null, countersignedAt: null })).toBe('Non clôturée');
    });
  });
});
