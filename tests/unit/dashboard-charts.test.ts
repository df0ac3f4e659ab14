import { describe, expect, it } from 'vitest';
import { barChart, CHART_WIDTH, columnChart, FONT_SIZE, gaugeLength, labelStep, niceTicks, scaleLinear, textWidth, truncateToWidth } from '../../src/lib/reporting/chart-geometry.ts';
import { RefreshingValue } from '../../src/lib/reporting/dashboard.ts';

const count = (n: number) => String(n);
const percent = (n: number) => `${Math.round(n * 100)} %`;

describe('ticks and scales', () => {
  it('picks round ticks from zero to at least the largest value', () => {
    expect(niceTicks(87)).toEqual({ max: 100, ticks: [0, 25, 50, 75, 100] });
    expect(niceTicks(10)).toEqual({ max: 10, ticks: [0, 2.5, 5, 7.5, 10] });
    expect(niceTicks(1)).toEqual({ max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] });
    expect(niceTicks(0.3)).toEqual({ max: 0.3, ticks: [0, 0.1, 0.2, 0.3] });
    expect(niceTicks(1234)).toEqual({ max: 1500, ticks: [0, 500, 1000, 1500] });
  });

  it('never gives a count a fractional step', () => {
    expect(niceTicks(3, { integer: true })).toEqual({ max: 3, ticks: [0, 1, 2, 3] });
    expect(niceTicks(10, { integer: true })).toEqual({ max: 12, ticks: [0, 3, 6, 9, 12] });
    expect(niceTicks(1, { integer: true })).toEqual({ max: 1, ticks: [0, 1] });
  });

  it('still draws an axis for nothing: zero, negative or not a number', () => {
    for (const max of [0, -4, Number.NaN, Number.POSITIVE_INFINITY]) expect(niceTicks(max)).toEqual({ max: 1, ticks: [0, 1] });
  });

  it('scales linearly, clamps, and maps everything to zero when the domain is empty', () => {
    const scale = scaleLinear(50, 200);
    expect(scale(0)).toBe(0);
    expect(scale(25)).toBe(100);
    expect(scale(50)).toBe(200);
    expect(scale(80)).toBe(200);
    expect(scale(-3)).toBe(0);
    expect(scaleLinear(0, 200)(10)).toBe(0);
  });

  it('thins labels that would touch, and cuts long ones', () => {
    expect(labelStep(30, 20)).toBe(1);
    expect(labelStep(22, 28)).toBe(2);
    expect(labelStep(0, 10)).toBe(Number.POSITIVE_INFINITY);
    expect(truncateToWidth('Court', 100)).toBe('Court');
    const cut = truncateToWidth('5. Contribution au développement de contenus pédagogiques', 200);
    expect(cut.endsWith('…')).toBe(true);
    expect(textWidth(cut)).toBeLessThanOrEqual(200);
  });

  it('fills a gauge between empty and full', () => {
    expect(gaugeLength(0.5, 100)).toBe(50);
    expect(gaugeLength(1.4, 100)).toBe(100);
    expect(gaugeLength(-1, 100)).toBe(0);
    expect(gaugeLength(null, 100)).toBe(0);
  });
});

describe('a column chart of twelve months', () => {
  const labels = ['janv', 'févr', 'mars', 'avr', 'mai', 'juin', 'juil', 'août', 'sept', 'oct', 'nov', 'déc'];

  it('places each column in its slot, from the baseline, as tall as its value', () => {
    const values = [0, 0.5, 1, null, 0.25, 0, 0, 0, 0, 0, 0.75, 1];
    const layout = columnChart({ values, labels, format: percent, max: 1 });
    const baseline = layout.plot.y + layout.plot.height;
    expect(layout.width).toBe(CHART_WIDTH);
    expect(layout.ticks.map((t) => t.text)).toEqual(['0 %', '25 %', '50 %', '75 %', '100 %']);
    expect(layout.ticks[0]!.y).toBeCloseTo(baseline);
    expect(layout.ticks.at(-1)!.y).toBeCloseTo(layout.plot.y);
    // No column for a month with nothing to measure; a zero is a column of no height.
    expect(layout.columns.map((c) => c.index)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]);
    const full = layout.columns.find((c) => c.index === 2)!;
    expect(full.height).toBeCloseTo(layout.plot.height, 1);
    expect(full.y + full.height).toBeCloseTo(baseline, 1);
    expect(layout.columns.find((c) => c.index === 1)!.height).toBeCloseTo(layout.plot.height / 2, 1);
    expect(layout.columns.find((c) => c.index === 0)!.height).toBe(0);
    // Columns stay inside the plot and never overlap.
    for (const [i, c] of layout.columns.entries()) {
      expect(c.x).toBeGreaterThanOrEqual(layout.plot.x);
      expect(c.x + c.width).toBeLessThanOrEqual(layout.plot.x + layout.plot.width + 0.01);
      const next = layout.columns[i + 1];
      if (next) expect(c.x + c.width).toBeLessThan(next.x);
    }
  });

  it('writes month labels that do not overlap on a phone-sized chart, always the current month', () => {
    const layout = columnChart({ values: labels.map(() => 3), labels, format: count, integer: true });
    expect(layout.labels.at(-1)).toMatchObject({ index: 11, text: 'déc' });
    for (const [i, label] of layout.labels.entries()) {
      const next = layout.labels[i + 1];
      if (next) expect(label.x + textWidth(label.text) / 2).toBeLessThan(next.x - textWidth(next.text) / 2);
      expect(label.x - textWidth(label.text) / 2).toBeGreaterThanOrEqual(0);
      expect(label.x + textWidth(label.text) / 2).toBeLessThanOrEqual(layout.width);
    }
    // A wider chart has room for every label.
    expect(columnChart({ values: labels.map(() => 3), labels, format: count, width: 800 }).labels).toHaveLength(12);
  });

  it('leaves room on the left for the widest tick label', () => {
    const layout = columnChart({ values: [1200, 80], labels: ['a', 'b'], format: (n) => `${n} h` });
    expect(layout.ticks.at(-1)!.text).toBe('1500 h');
    expect(layout.plot.x).toBeGreaterThanOrEqual(textWidth('1500 h'));
  });

  it('draws an empty period as a baseline and no column', () => {
    const none = columnChart({ values: labels.map(() => null), labels, format: percent, max: 1 });
    expect(none.columns).toEqual([]);
    expect(none.ticks.length).toBeGreaterThan(1);
    const zeros = columnChart({ values: labels.map(() => 0), labels, format: count, integer: true });
    expect(zeros.ticks.map((t) => t.value)).toEqual([0, 1]);
    expect(zeros.columns.every((c) => c.height === 0)).toBe(true);
    expect(columnChart({ values: [], labels: [], format: count })).toMatchObject({ columns: [], labels: [] });
  });

  it('draws a single value as one column', () => {
    const one = columnChart({ values: [7], labels: ['nov'], format: count, integer: true });
    expect(one.columns).toHaveLength(1);
    // 7 on an axis up to 8 (round ticks of 2).
    expect(one.ticks.at(-1)!.value).toBe(8);
    expect(one.columns[0]!.height).toBeCloseTo((one.plot.height * 7) / 8, 1);
    expect(one.labels).toEqual([expect.objectContaining({ text: 'nov' })]);
  });
});

describe('a bar chart of categories', () => {
  it('gives each row its label line and one bar per series, the longest as wide as the room left for values', () => {
    const layout = barChart({ rows: [{ label: 'Étape 1', values: [10, 4] }, { label: 'Étape 2', values: [5, 0] }], series: 2, format: count });
    expect(layout.rows).toHaveLength(2);
    const [first, second] = layout.rows as [(typeof layout.rows)[number], (typeof layout.rows)[number]];
    // The largest bar takes the width but for the room its value is written in.
    expect(first.bars[0]!.width).toBeGreaterThan(CHART_WIDTH * 0.85);
    expect(first.bars[0]!.text.x + textWidth('10')).toBeLessThanOrEqual(CHART_WIDTH);
    expect(first.bars[1]!.width).toBeCloseTo((first.bars[0]!.width * 4) / 10, 1);
    expect(second.bars[0]!.width).toBeCloseTo(first.bars[0]!.width / 2, 1);
    expect(second.bars[1]!.width).toBe(0);
    expect(second.bars[1]!.text.value).toBe('0');
    // Values are written after their bar, inside the chart.
    for (const row of layout.rows) for (const bar of row.bars) expect(bar.text.x + textWidth(bar.text.value)).toBeLessThanOrEqual(CHART_WIDTH);
    // Rows do not overlap: the second label starts below the first row's last bar.
    expect(second.label.y - FONT_SIZE).toBeGreaterThan(first.bars[1]!.y + first.bars[1]!.height);
    expect(layout.height).toBeGreaterThan(second.bars[1]!.y + second.bars[1]!.height);
  });

  it('shows a sliver for a small value, nothing for zero, and handles a chart of zeros or no rows', () => {
    const layout = barChart({ rows: [{ label: 'beaucoup', values: [1000] }, { label: 'un', values: [1] }], series: 1, format: count });
    expect(layout.rows[1]!.bars[0]!.width).toBe(2);
    const zeros = barChart({ rows: [{ label: 'rien', values: [0] }], series: 1, format: count });
    expect(zeros.rows[0]!.bars[0]!.width).toBe(0);
    expect(barChart({ rows: [], series: 1, format: count })).toMatchObject({ rows: [], height: 1 });
  });

  it('cuts a label too long for the width', () => {
    const layout = barChart({ rows: [{ label: '5. Contribution au développement de contenus pédagogiques, avec un long titre', values: [2] }], series: 1, format: count });
    expect(textWidth(layout.rows[0]!.label.text)).toBeLessThanOrEqual(CHART_WIDTH);
    expect(layout.rows[0]!.label.text.endsWith('…')).toBe(true);
  });
});

describe('the figures’ short cache', () => {
  function setup(fail = false) {
    let time = 0;
    let loads = 0;
    let release: (() => void) | undefined;
    const value = new RefreshingValue(
      () =>
        new Promise<number>((resolve, reject) => {
          loads++;
          const n = loads;
          release = () => (fail && n > 1 ? reject(new Error('base indisponible')) : resolve(n));
        }),
      { freshMs: 30, maxAgeMs: 300, now: () => time },
    );
    return { value, advance: (ms: number) => (time += ms), loads: () => loads, release: () => release?.() };
  }

  it('computes once for readers who arrive together, then serves the same value while fresh', async () => {
    const c = setup();
    const a = c.value.get();
    const b = c.value.get();
    c.release();
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    c.advance(29);
    expect(await c.value.get()).toBe(1);
    expect(c.loads()).toBe(1);
  });

  it('serves the last value at once when it is a little old, and refreshes it once in the background', async () => {
    const c = setup();
    const first = c.value.get();
    c.release();
    await first;
    c.advance(31);
    expect(await c.value.get()).toBe(1);
    expect(await c.value.get()).toBe(1);
    expect(c.loads()).toBe(2);
    c.release();
    await expect.poll(() => c.value.get()).toBe(2);
  });

  it('keeps the last value when a refresh fails, and retries with the next reader', async () => {
    const c = setup(true);
    const first = c.value.get();
    c.release();
    await first;
    c.advance(31);
    expect(await c.value.get()).toBe(1);
    c.release(); // the background refresh fails
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await c.value.get()).toBe(1);
    expect(c.loads()).toBe(3);
  });

  it('makes readers wait for new figures once the last ones are too old', async () => {
    const c = setup();
    const first = c.value.get();
    c.release();
    await first;
    c.advance(301);
    const waiting = c.value.get();
    c.release();
    expect(await waiting).toBe(2);

    const failing = setup(true);
    const ok = failing.value.get();
    failing.release();
    await ok;
    failing.advance(301);
    const refused = failing.value.get();
    failing.release();
    await expect(refused).rejects.toThrow('base indisponible');
  });
});

describe('reaching the dashboard', () => {
  it('is the first of the coordination’s links, for coordinators and admins only', async () => {
    const { navigationFor } = await import('../../src/lib/web/navigation.ts');
    const { decideAccess, ROUTE_ACCESS } = await import('../../src/lib/accounts/access.ts');
    for (const role of ['coordinator', 'admin'] as const) {
      const links = navigationFor({ roles: [role] }).map((item) => item.href);
      expect(links.filter((href) => href.startsWith('/coordination'))[0]).toBe('/coordination');
      expect(decideAccess(ROUTE_ACCESS['/coordination'], { roles: [role] })).toBe('allowed');
    }
    for (const role of ['trainee', 'professional', 'trainer'] as const) {
      expect(navigationFor({ roles: [role] }).some((item) => item.href === '/coordination')).toBe(false);
      expect(decideAccess(ROUTE_ACCESS['/coordination'], { roles: [role] })).toBe('forbidden');
    }
  });
});
