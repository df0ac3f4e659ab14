import { csvDecimal, csvDocument } from '../web/csv.ts';
import { frenchShortDate, parisInstant } from '../time.ts';
import { xlsxWorkbook } from './xlsx.ts';
import { BPF_LINE_LABELS, categoryLabel, periodLabel, periodSlug, type YearlyReport } from './yearly.ts';

/**
 * The yearly report as labelled tables, written once and drawn three ways: on the page, as CSV
 * and as XLSX (one sheet per table). The first cell of each row names the row.
 */
export type ReportCell = string | number;

export interface ReportSection {
  id: string;
  /** The heading on the page and the CSV, and the XLSX sheet's name (31 characters at most). */
  title: string;
  /** What the table holds, for its caption. */
  caption: string;
  headers: string[];
  rows: ReportCell[][];
  /** How to read it, under the table. */
  notes: string[];
}

export function yearlyReportSections(report: YearlyReport): ReportSection[] {
  const when = periodLabel(report.period);
  const sum = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) * 100) / 100;
  return [
    {
      id: 'synthese',
      title: 'Synthèse',
      caption: `Les chiffres de la période, ${when}`,
      headers: ['Indicateur', 'Valeur'],
      rows: [
        ['Période', `du ${frenchShortDate(parisInstant(report.period.from, '12:00')!)} au ${frenchShortDate(parisInstant(report.period.to, '12:00')!)}`],
        ['Stagiaires', report.total.trainees],
        ['Heures-stagiaires', report.total.hours],
        ['Séances réalisées', report.delivery.sessions],
        ['Journées de formation', report.delivery.days],
        ['Demi-journées', report.delivery.halfDays],
        ['Heures de formation dispensées', report.delivery.hours],
        ['Stagiaires sans catégorie renseignée', report.unknownCategory.trainees],
      ],
      notes: [
        'Un stagiaire compte dès qu’il a été présent à au moins une demi-journée commencée dans la période ; seules les heures de ces demi-journées comptent (en entier, ou depuis l’arrivée en cas de retard).',
        'Une séance compte quand au moins une de ses demi-journées a eu lieu dans la période (émargement ouvert ou présence notée) ; une journée est un jour d’une séance.',
      ],
    },
    {
      id: 'publics',
      title: 'Par public',
      caption: `Stagiaires et heures-stagiaires par public, ${when}`,
      headers: ['Public', 'Stagiaires', 'Heures-stagiaires'],
      rows: [
        ['Stagiaires du parcours', report.pathway.trainees, report.pathway.hours],
        ['Professionnel·les', report.professionals.trainees, report.professionals.hours],
        ...report.professionalsByCategory.map((c) => [`dont ${lowerFirst(categoryLabel(c.category))}`, c.trainees, c.hours]),
        ['Total', report.total.trainees, report.total.hours],
      ],
      notes: [
        'Stagiaires du parcours : les personnes qui ont le rôle « stagiaire » ou suivent le parcours de professionnalisation ; professionnel·les : toutes les autres.',
        'La catégorie est celle de la personne pour chaque formation ; quelqu’un venu sous deux catégories compte dans chacune.',
      ],
    },
    {
      id: 'formations',
      title: 'Par formation',
      caption: `Stagiaires, heures-stagiaires et heures dispensées par formation, ${when}`,
      headers: ['Formation', 'Stagiaires', 'Heures-stagiaires', 'Séances', 'Journées', 'Demi-journées', 'Heures dispensées'],
      rows: [
        ...report.byTraining.map((t) => [t.title, t.trainees, t.hours, t.sessions, t.days, t.halfDays, t.hoursDelivered]),
        ['Total', report.total.trainees, report.total.hours, report.delivery.sessions, report.delivery.days, report.delivery.halfDays, report.delivery.hours],
      ],
      notes: ['Au total, une personne venue à plusieurs formations compte une fois.'],
    },
    {
      id: 'formateurs',
      title: 'Formateurs',
      caption: `Demi-journées et heures animées par formateur ou formatrice, ${when}`,
      headers: ['Formateur ou formatrice', 'Demi-journées animées', 'Heures animées'],
      rows: [
        ...report.trainers.map((t) => [t.name, t.halfDays, t.hours]),
        ['Total', sum(report.trainers.map((t) => t.halfDays)), sum(report.trainers.map((t) => t.hours))],
      ],
      notes: ['Chaque demi-journée réalisée compte pour chacun des formateurs et formatrices de sa séance.'],
    },
    {
      id: 'bpf',
      title: 'BPF cadre F-1',
      caption: `Cadre F-1 du bilan pédagogique et financier : type de stagiaires, ${when}`,
      headers: ['Type de stagiaires', 'Nombre de stagiaires', 'Nombre total d’heures de formation suivies'],
      rows: [
        ...report.bpf.lines.map((l) => [`${l.line}. ${BPF_LINE_LABELS[l.line]}`, l.trainees, l.hours]),
        ...report.byCategory
          .filter((c) => c.category === 'public_employer' || c.category === 'other' || c.category === null)
          .map((c) => [`dont (e) ${lowerFirst(categoryLabel(c.category))}`, c.trainees, c.hours]),
        ['Total (F-1)', report.bpf.total.trainees, report.bpf.total.hours],
      ],
      notes: [
        'Ligne b (apprentis) : la plateforme n’enregistre pas d’apprentis ; à compléter à part si besoin.',
        'Les salarié·es et agent·es publics, les autres situations et les catégories non renseignées comptent dans la ligne e, « Autres stagiaires ». Le total est la somme des lignes.',
      ],
    },
  ];
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLocaleLowerCase('fr') + text.slice(1);
}

/** « 12 », « 10,5 »: a figure on the page. */
export function frenchFigure(value: ReportCell): string {
  return typeof value === 'number' ? value.toLocaleString('fr-FR', { maximumFractionDigits: 2 }) : value;
}

export function yearlyReportFilename(report: YearlyReport, extension: 'csv' | 'xlsx'): string {
  return `bilan-${periodSlug(report.period)}.${extension}`;
}

/** One CSV file: a title line, then each table with its heading, separated by an empty line. */
export function yearlyReportCsv(report: YearlyReport): string {
  const lines: string[][] = [[`Bilan annuel, ${periodLabel(report.period)}`], []];
  for (const section of yearlyReportSections(report)) {
    lines.push([section.title], section.headers, ...section.rows.map((row) => row.map((cell) => (typeof cell === 'number' ? csvDecimal(cell) : cell))), []);
  }
  return csvDocument(lines);
}

/** One sheet per table, its header row in bold, figures as numbers. */
export function yearlyReportXlsx(report: YearlyReport, generatedAt: Date): Promise<Buffer> {
  return xlsxWorkbook(
    yearlyReportSections(report).map((section) => ({
      name: section.title,
      rows: [section.headers, ...section.rows],
      widths: section.headers.map((_, i) => (i === 0 ? 48 : 18)),
    })),
    generatedAt,
  );
}
