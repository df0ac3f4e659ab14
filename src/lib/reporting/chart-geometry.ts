/**
 * The geometry of the dashboard's charts, as pure functions: the components only draw what these
 * return. Charts are drawn in a small coordinate system (CHART_WIDTH units wide) and scaled to
 * their box by the viewBox, so that in a card on a 360 px phone a label of FONT_SIZE units is
 * about 12 px high; on a computer the chart's box is capped (see the charts' CSS).
 */

export const CHART_WIDTH = 320;
export const FONT_SIZE = 14;

/**
 * The width a label will take, estimated (the server cannot measure text): 0.6 em per character
 * is a little wider than the system sans-serif fonts, so estimates err on the side of room.
 */
export function textWidth(text: string, fontSize = FONT_SIZE): number {
  return [...text].length * fontSize * 0.6;
}

/** The text, cut with an ellipsis so that it fits `maxWidth` (the full text is in the data table). */
export function truncateToWidth(text: string, maxWidth: number, fontSize = FONT_SIZE): string {
  if (textWidth(text, fontSize) <= maxWidth) return text;
  const chars = [...text];
  const fits = Math.max(0, Math.floor(maxWidth / (fontSize * 0.6)) - 1);
  return `${chars.slice(0, fits).join('').trimEnd()}…`;
}

export interface Ticks {
  /** The top of the axis: the highest tick, at or above the largest value. */
  max: number;
  /** From 0 to max, evenly spaced. */
  ticks: number[];
}

/**
 * Round ticks from 0 to at least `max`: steps of 1, 2, 2.5 or 5 times a power of ten, about
 * `count` of them. Counts (integer) never get a fractional step. An empty or zero maximum
 * still gives an axis (0 to 1), so that a chart of nothing draws its baseline and nothing else.
 */
export function niceTicks(max: number, options: { count?: number; integer?: boolean } = {}): Ticks {
  const count = Math.max(1, options.count ?? 4);
  if (!Number.isFinite(max) || max <= 0) return { max: 1, ticks: [0, 1] };
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalised = raw / magnitude;
  const factor = normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 2.5 ? 2.5 : normalised <= 5 ? 5 : 10;
  let step = factor * magnitude;
  if (options.integer) step = Math.max(1, Math.ceil(step));
  const steps = Math.ceil(max / step - 1e-9);
  // Multiplying (rather than adding) keeps 0.1 + 0.2 errors out of the labels.
  const ticks = Array.from({ length: steps + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { max: ticks.at(-1)!, ticks };
}

/** A linear scale from [0, domainMax] to [0, length], clamped; nothing to show when domainMax is 0. */
export function scaleLinear(domainMax: number, length: number): (value: number) => number {
  if (!(domainMax > 0) || !(length > 0)) return () => 0;
  return (value) => Math.min(length, Math.max(0, (value / domainMax) * length));
}

/**
 * Every how many slots a label can be written without touching its neighbours: 1 when each
 * label fits its slot, 2 for every other one, and so on.
 */
export function labelStep(slotWidth: number, widestLabel: number, gap = 4): number {
  if (!(slotWidth > 0)) return Number.POSITIVE_INFINITY;
  return Math.max(1, Math.ceil((widestLabel + gap) / slotWidth));
}

const round = (n: number) => Math.round(n * 100) / 100;

export interface ColumnChartInput {
  /** One value per column; null when there is nothing to measure (no column, not a zero). */
  values: (number | null)[];
  /** One short label per column, written under it. */
  labels: string[];
  /** How tick labels are written (« 50 % », « 12 h »). */
  format: (value: number) => string;
  /** A fixed top of the axis (1 for rates); otherwise from the largest value. */
  max?: number;
  integer?: boolean;
  width?: number;
  height?: number;
}

export interface ColumnChartLayout {
  width: number;
  height: number;
  plot: { x: number; y: number; width: number; height: number };
  columns: { index: number; x: number; y: number; width: number; height: number; value: number }[];
  ticks: { value: number; y: number; text: string }[];
  labels: { index: number; x: number; y: number; text: string }[];
}

/**
 * Columns over time (a month each): a vertical axis with round ticks on the left, and the
 * labels under the columns, thinned so that they never overlap; the last column is always
 * labelled (the current month, the one people look for).
 */
export function columnChart(input: ColumnChartInput): ColumnChartLayout {
  const width = input.width ?? CHART_WIDTH;
  const height = input.height ?? 180;
  const count = input.values.length;
  const largest = Math.max(0, ...input.values.map((v) => v ?? 0));
  const { max, ticks } = input.max !== undefined && input.max > 0 ? niceTicks(input.max, { integer: input.integer }) : niceTicks(largest, { integer: input.integer });
  const tickTexts = ticks.map((t) => input.format(t));
  const left = Math.ceil(Math.max(0, ...tickTexts.map((t) => textWidth(t)))) + 6;
  const top = FONT_SIZE / 2 + 2;
  const bottom = FONT_SIZE + 8;
  const plot = { x: left, y: top, width: Math.max(0, width - left - 4), height: Math.max(0, height - top - bottom) };
  const scale = scaleLinear(max, plot.height);
  const slot = count > 0 ? plot.width / count : 0;
  const columnWidth = Math.max(1, slot * 0.7);
  const columns = input.values.flatMap((value, index) => {
    if (value === null || !Number.isFinite(value)) return [];
    const h = scale(value);
    return [{ index, value, x: round(plot.x + index * slot + (slot - columnWidth) / 2), y: round(plot.y + plot.height - h), width: round(columnWidth), height: round(h) }];
  });
  const step = labelStep(slot, Math.max(0, ...input.labels.map((l) => textWidth(l))));
  const labels = input.labels.flatMap((text, index) =>
    (count - 1 - index) % step === 0 ? [{ index, text, x: round(plot.x + index * slot + slot / 2), y: height - 4 }] : [],
  );
  return {
    width,
    height,
    plot,
    columns,
    ticks: ticks.map((value, i) => ({ value, text: tickTexts[i]!, y: round(plot.y + plot.height - scale(value)) })),
    labels,
  };
}

export interface BarChartInput {
  rows: { label: string; values: number[] }[];
  /** How many bars each row has (one per series). */
  series: number;
  format: (value: number) => string;
  width?: number;
}

export interface BarChartLayout {
  width: number;
  height: number;
  rows: {
    label: { text: string; x: number; y: number };
    bars: { series: number; x: number; y: number; width: number; height: number; value: number; text: { value: string; x: number; y: number } }[];
  }[];
}

const BAR_HEIGHT = 14;
const BAR_GAP = 3;
const ROW_GAP = 10;

/**
 * Horizontal bars, one row per category: its label on a line of its own (long French labels
 * would leave no room for bars beside them on a phone), then one bar per series with its value
 * written after it. A value above zero always shows at least a sliver.
 */
export function barChart(input: BarChartInput): BarChartLayout {
  const width = input.width ?? CHART_WIDTH;
  const series = Math.max(1, input.series);
  const all = input.rows.flatMap((r) => r.values.slice(0, series));
  const largest = Math.max(0, ...all.filter(Number.isFinite));
  const reserve = Math.ceil(Math.max(textWidth('0'), ...all.map((v) => textWidth(input.format(v))))) + 6;
  const scale = scaleLinear(largest, Math.max(0, width - reserve));
  const rowHeight = FONT_SIZE + 4 + series * (BAR_HEIGHT + BAR_GAP) + ROW_GAP;
  const rows = input.rows.map((row, r) => {
    const top = r * rowHeight;
    const barsTop = top + FONT_SIZE + 4;
    return {
      label: { text: truncateToWidth(row.label, width), x: 0, y: top + FONT_SIZE },
      bars: Array.from({ length: series }, (_, s) => {
        const value = row.values[s] ?? 0;
        const w = value > 0 ? Math.max(2, scale(value)) : 0;
        const y = barsTop + s * (BAR_HEIGHT + BAR_GAP);
        return {
          series: s,
          value,
          x: 0,
          y,
          width: round(w),
          height: BAR_HEIGHT,
          text: { value: input.format(value), x: round(w + 4), y: y + BAR_HEIGHT - 3 },
        };
      }),
    };
  });
  return { width, height: Math.max(1, rows.length * rowHeight - ROW_GAP + 2), rows };
}

/** The filled length of a gauge `length` long for a rate (clamped between empty and full). */
export function gaugeLength(rate: number | null, length: number): number {
  if (rate === null || !Number.isFinite(rate)) return 0;
  return round(Math.min(1, Math.max(0, rate)) * length);
}
