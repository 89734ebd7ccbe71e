/**
 * Self-contained HTML reports: one page, inline CSS, inline SVG charts, no scripts, no CDN, no
 * external assets, so a report opens anywhere (a laptop offline, an artifact viewer, an e-mail
 * attachment) and looks the same in a year.
 *
 * Everything given as a `string` is text and is escaped; only `SafeHtml` values (built by this
 * module, or vouched for with `rawHtml`) are inserted as markup. A page is a title plus sections; a
 * section holds blocks (paragraphs, tables, key/value lists, charts). Charts are functions returning
 * `SafeHtml` SVG: `scatterChartSvg`, `barChartSvg`, `lineChartSvg`.
 *
 * @example
 * const page = renderHtmlPage({
 *   title: 'Savings, May',
 *   sections: [{ title: 'Cost', blocks: [
 *     { type: 'chart', svg: barChartSvg({ categories: ['a', 'b'], series: [{ name: 'USD', values: [1, 2] }], y: { label: 'USD' } }) },
 *     { type: 'table', columns: [{ label: 'route' }, { label: 'USD', align: 'right' }], rows: [['a', '1.00']] },
 *   ] }],
 * });
 */

/** Markup that is safe to insert as is. Build it with `html`, `rawHtml` or the chart functions. */
export interface SafeHtml {
  readonly __safeHtml: string;
}

/** Wraps markup the caller vouches for (e.g. produced by another trusted renderer). */
export function rawHtml(markup: string): SafeHtml {
  return { __safeHtml: markup };
}

function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && typeof (value as SafeHtml).__safeHtml === 'string';
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML and SVG, in element content and in quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A value `html` can interpolate: text and numbers are escaped, `SafeHtml` is kept, arrays are joined, null/undefined/false vanish. */
export type HtmlValue = string | number | SafeHtml | null | undefined | false | readonly HtmlValue[];

function toHtml(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map((v: HtmlValue) => toHtml(v)).join('');
  if (isSafeHtml(value)) return value.__safeHtml;
  return escapeHtml(String(value));
}

/** Tagged template: `html\`<p>${text}</p>\`` escapes every interpolated value unless it is `SafeHtml`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += toHtml(value) + strings[i + 1]!;
  });
  return rawHtml(out);
}

// ---------------------------------------------------------------------------------------- page

/** A table cell: text (escaped), a number (shown as is), or markup. */
export type TableCell = string | number | SafeHtml;

/** One piece of a section. */
export type ReportBlock =
  | { type: 'paragraph'; text: string }
  /** Smaller, muted text: caveats, definitions, how a number was computed. */
  | { type: 'note'; text: string }
  | { type: 'list'; items: string[] }
  | {
      type: 'table';
      columns: Array<{ label: string; align?: 'left' | 'right' }>;
      rows: TableCell[][];
      caption?: string;
      /** Rows (by index) drawn emphasised, e.g. the configuration under test. */
      highlightRows?: number[];
    }
  | { type: 'keyValues'; items: Array<[string, TableCell]> }
  | { type: 'chart'; svg: SafeHtml; caption?: string }
  /** Several charts side by side (they wrap on narrow screens). */
  | { type: 'chartRow'; charts: Array<{ svg: SafeHtml; caption?: string }> }
  | { type: 'html'; html: SafeHtml };

export interface ReportSection {
  /** Anchor for the table of contents; derived from the title when omitted. */
  id?: string;
  title: string;
  /** A paragraph under the heading. */
  intro?: string;
  blocks: ReportBlock[];
}

export interface HtmlPageOptions {
  title: string;
  /** A line under the title, e.g. what was measured and when. */
  subtitle?: string;
  sections: ReportSection[];
  /** Small print at the bottom of the page. */
  footer?: string;
  /** A table of contents when there are at least this many sections (default 3; 0 = never). */
  tocFrom?: number;
}

const PAGE_CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; --accent: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.subtitle { color: var(--muted); margin: 0 0 16px; }
.note { color: var(--muted); font-size: 12.5px; }
nav.toc { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; margin: 12px 0 8px; }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 14px; white-space: nowrap; }
table { border-collapse: collapse; margin: 10px 0 14px; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.hl td { background: #fff8c5; font-weight: 600; }
caption { caption-side: bottom; color: var(--muted); font-size: 12px; text-align: left; padding-top: 4px; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 10px 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; }
figure { margin: 12px 0; }
figcaption { color: var(--muted); font-size: 12px; }
.chart-row { display: flex; flex-wrap: wrap; gap: 18px; }
svg { max-width: 100%; height: auto; }
footer { color: var(--muted); font-size: 12px; margin-top: 40px; border-top: 1px solid var(--line); padding-top: 8px; }
`;

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'section'
  );
}

function figure(chart: { svg: SafeHtml; caption?: string }): SafeHtml {
  return html`<figure>${chart.svg}${chart.caption ? html`<figcaption>${chart.caption}</figcaption>` : ''}</figure>`;
}

function renderBlock(block: ReportBlock): SafeHtml {
  switch (block.type) {
    case 'paragraph':
      return html`<p>${block.text}</p>`;
    case 'note':
      return html`<p class="note">${block.text}</p>`;
    case 'list':
      return html`<ul>${block.items.map((item) => html`<li>${item}</li>`)}</ul>`;
    case 'table': {
      const highlighted = new Set(block.highlightRows ?? []);
      const numeric = block.columns.map((c) => c.align === 'right');
      const head = block.columns.map((c, i) => html`<th${numeric[i] ? rawHtml(' class="num"') : ''}>${c.label}</th>`);
      const rows = block.rows.map(
        (row, r) =>
          html`<tr${highlighted.has(r) ? rawHtml(' class="hl"') : ''}>${row.map((cell, i) => html`<td${numeric[i] ? rawHtml(' class="num"') : ''}>${cell}</td>`)}</tr>`,
      );
      return html`<table>${block.caption ? html`<caption>${block.caption}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
    }
    case 'keyValues':
      return html`<dl class="kv">${block.items.map(([key, value]) => html`<dt>${key}</dt><dd>${value}</dd>`)}</dl>`;
    case 'chart':
      return figure(block);
    case 'chartRow':
      return html`<div class="chart-row">${block.charts.map(figure)}</div>`;
    case 'html':
      return block.html;
  }
}

/** A complete HTML document: title, optional table of contents, the sections, a footer. */
export function renderHtmlPage(options: HtmlPageOptions): string {
  const used = new Set<string>();
  const sections = options.sections.map((section) => {
    let id = section.id ?? slug(section.title);
    for (let n = 2; used.has(id); n++) id = `${section.id ?? slug(section.title)}-${n}`;
    used.add(id);
    return { ...section, id };
  });
  const tocFrom = options.tocFrom ?? 3;
  const toc =
    tocFrom > 0 && sections.length >= tocFrom
      ? html`<nav class="toc">${sections.map((s) => html`<a href="#${s.id}">${s.title}</a>`)}</nav>`
      : '';
  const body = sections.map(
    (s) =>
      html`<section id="${s.id}"><h2>${s.title}</h2>${s.intro ? html`<p>${s.intro}</p>` : ''}${s.blocks.map(renderBlock)}</section>`,
  );
  const page = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title}</title>
<style>${rawHtml(PAGE_CSS)}</style>
</head>
<body>
<main>
<h1>${options.title}</h1>
${options.subtitle ? html`<p class="subtitle">${options.subtitle}</p>` : ''}
${toc}
${body}
${options.footer ? html`<footer>${options.footer}</footer>` : ''}
</main>
</body>
</html>
`;
  return page.__safeHtml;
}

// -------------------------------------------------------------------------------------- charts

/** Colour-blind-friendly categorical colours (Okabe-Ito, then a few more), in the order series get them. */
export const CHART_PALETTE: readonly string[] = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#8c564b',
  '#000000',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#9467bd',
];

/** One axis: its label, an optional fixed range, and how its tick values are written. */
export interface AxisOptions {
  label: string;
  min?: number;
  max?: number;
  /** Tick and tooltip text for a value; a trimmed number by default. */
  format?: (value: number) => string;
}

/** Size and title shared by every chart. */
export interface ChartFrame {
  title?: string;
  /** Pixels (the SVG scales down to fit its container). Default 640 x 400. */
  width?: number;
  height?: number;
}

/** A line across the plot at a fixed value, e.g. a target. */
export interface ChartGuide {
  axis: 'x' | 'y';
  value: number;
  label?: string;
}

const MARGIN = { top: 34, right: 18, bottom: 48, left: 62 };
const LEGEND_ROW = 18;

function defaultFormat(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  if (abs >= 1) return String(Number(value.toFixed(2)));
  return String(Number(value.toPrecision(3)));
}

/**
 * Round tick values covering [min, max]: steps of 1, 2, 2.5 or 5 times a power of ten, about
 * `count` of them. The returned domain is widened to the outer ticks.
 */
export function niceTicks(min: number, max: number, count = 6): { ticks: number[]; min: number; max: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { ticks: [0, 1], min: 0, max: 1 };
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { ticks, min: lo, max: hi };
}

interface Scale {
  toPixel(value: number): number;
  ticks: number[];
  format: (value: number) => string;
}

function linearScale(values: number[], axis: AxisOptions, from: number, to: number, includeZero = false): Scale {
  const finite = values.filter(Number.isFinite);
  let lo = axis.min ?? Math.min(...finite, ...(includeZero ? [0] : []));
  let hi = axis.max ?? Math.max(...finite, ...(includeZero ? [0] : []));
  if (finite.length === 0) {
    lo = axis.min ?? 0;
    hi = axis.max ?? 1;
  }
  // A little room beyond the data, so a point at the extreme is not drawn on the frame.
  const pad = (hi - lo) * 0.03;
  if (axis.min === undefined && !(includeZero && lo === 0)) lo -= pad;
  if (axis.max === undefined) hi += pad;
  const nice = niceTicks(lo, hi);
  const min = axis.min ?? nice.min;
  const max = axis.max ?? nice.max;
  const ticks = nice.ticks.filter((t) => t >= min - 1e-9 && t <= max + 1e-9);
  const span = max - min || 1;
  return { toPixel: (v) => from + ((v - min) / span) * (to - from), ticks, format: axis.format ?? defaultFormat };
}

function logScale(values: number[], axis: AxisOptions, from: number, to: number): Scale {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.log10(axis.min ?? (positive.length > 0 ? Math.min(...positive) : 1));
  const hi = Math.log10(axis.max ?? (positive.length > 0 ? Math.max(...positive) : 10));
  const min = Math.floor(lo);
  const max = Math.max(min + 1, Math.ceil(hi));
  const ticks: number[] = [];
  for (let p = min; p <= max; p++) ticks.push(10 ** p);
  return {
    toPixel: (v) => from + ((Math.log10(Math.max(v, 10 ** min)) - min) / (max - min)) * (to - from),
    ticks,
    format: axis.format ?? defaultFormat,
  };
}

function fmt(n: number): string {
  return Number(n.toFixed(2)).toString();
}

function colourOf(index: number, given?: string): string {
  return given ?? CHART_PALETTE[index % CHART_PALETTE.length]!;
}

/** Frame, grid, ticks and axis labels of a chart with two numeric axes (or a categorical x). */
function axesSvg(
  frame: Required<Pick<ChartFrame, 'width' | 'height'>> & { title?: string },
  plot: PlotArea,
  x: Scale | undefined,
  y: Scale,
  xLabel: string,
  yLabel: string,
): SafeHtml {
  const parts: SafeHtml[] = [];
  if (frame.title)
    parts.push(
      html`<text x="${fmt(frame.width / 2)}" y="20" text-anchor="middle" font-size="14" font-weight="600">${frame.title}</text>`,
    );
  for (const tick of y.ticks) {
    const py = y.toPixel(tick);
    parts.push(
      html`<line x1="${fmt(plot.left)}" x2="${fmt(plot.right)}" y1="${fmt(py)}" y2="${fmt(py)}" stroke="#e5e8eb"/>`,
    );
    parts.push(
      html`<text x="${fmt(plot.left - 6)}" y="${fmt(py + 4)}" text-anchor="end" font-size="11" fill="#59636e">${y.format(tick)}</text>`,
    );
  }
  if (x) {
    for (const tick of x.ticks) {
      const px = x.toPixel(tick);
      parts.push(
        html`<line x1="${fmt(px)}" x2="${fmt(px)}" y1="${fmt(plot.top)}" y2="${fmt(plot.bottom)}" stroke="#eef0f2"/>`,
      );
      parts.push(
        html`<text x="${fmt(px)}" y="${fmt(plot.bottom + 15)}" text-anchor="middle" font-size="11" fill="#59636e">${x.format(tick)}</text>`,
      );
    }
  }
  parts.push(
    html`<rect x="${fmt(plot.left)}" y="${fmt(plot.top)}" width="${fmt(plot.right - plot.left)}" height="${fmt(plot.bottom - plot.top)}" fill="none" stroke="#8c959f"/>`,
  );
  parts.push(
    html`<text x="${fmt((plot.left + plot.right) / 2)}" y="${fmt(plot.bottom + 34)}" text-anchor="middle" font-size="12">${xLabel}</text>`,
  );
  parts.push(
    html`<text transform="translate(14 ${fmt((plot.top + plot.bottom) / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${yLabel}</text>`,
  );
  return html`${parts}`;
}

interface PlotArea {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function plotArea(width: number, height: number, legendRows: number): PlotArea {
  return {
    left: MARGIN.left,
    right: width - MARGIN.right,
    top: MARGIN.top,
    bottom: height - MARGIN.bottom - legendRows * LEGEND_ROW,
  };
}

interface LegendEntry {
  name: string;
  colour: string;
  /** How the swatch is drawn. */
  mark: 'box' | 'line' | 'dashed' | MarkerShape;
}

/** Legend entries laid out in rows under the plot; returns the markup and how many rows it took. */
function legendLayout(entries: LegendEntry[], width: number): { rows: number; render: (top: number) => SafeHtml } {
  const placed: Array<{ entry: LegendEntry; x: number; row: number }> = [];
  let x = MARGIN.left;
  let row = 0;
  for (const entry of entries) {
    const w = 22 + entry.name.length * 6.4 + 14;
    if (x + w > width - MARGIN.right && x > MARGIN.left) {
      row++;
      x = MARGIN.left;
    }
    placed.push({ entry, x, row });
    x += w;
  }
  const rows = entries.length === 0 ? 0 : row + 1;
  return {
    rows,
    render: (top) =>
      html`${placed.map(({ entry, x: px, row: r }) => {
        const cy = top + r * LEGEND_ROW + 6;
        const swatch =
          entry.mark === 'box'
            ? html`<rect x="${fmt(px)}" y="${fmt(cy - 5)}" width="12" height="10" fill="${entry.colour}"/>`
            : entry.mark === 'line' || entry.mark === 'dashed'
              ? html`<line x1="${fmt(px)}" x2="${fmt(px + 16)}" y1="${fmt(cy)}" y2="${fmt(cy)}" stroke="${entry.colour}" stroke-width="2.5"${entry.mark === 'dashed' ? rawHtml(' stroke-dasharray="5 3"') : ''}/>`
              : markerSvg(entry.mark, px + 7, cy, 5, entry.colour);
        return html`${swatch}<text x="${fmt(px + 20)}" y="${fmt(cy + 4)}" font-size="11.5">${entry.name}</text>`;
      })}`,
  };
}

function svgDocument(width: number, height: number, label: string, content: SafeHtml): SafeHtml {
  return html`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}" font-family="-apple-system, Segoe UI, Helvetica, Arial, sans-serif"><rect width="100%" height="100%" fill="#fff"/>${content}</svg>`;
}

/** Marker shapes for scatter series. */
export type MarkerShape = 'circle' | 'square' | 'diamond' | 'triangle' | 'cross';

function markerSvg(
  shape: MarkerShape,
  cx: number,
  cy: number,
  r: number,
  colour: string,
  tooltip?: string,
  hollow = false,
): SafeHtml {
  const paint = hollow
    ? html` fill="#fff" stroke="${colour}" stroke-width="2"`
    : html` fill="${colour}" stroke="#fff" stroke-width="1"`;
  const title = tooltip ? html`<title>${tooltip}</title>` : '';
  switch (shape) {
    case 'circle':
      return html`<circle cx="${fmt(cx)}" cy="${fmt(cy)}" r="${fmt(r)}"${paint}>${title}</circle>`;
    case 'square':
      return html`<rect x="${fmt(cx - r)}" y="${fmt(cy - r)}" width="${fmt(2 * r)}" height="${fmt(2 * r)}"${paint}>${title}</rect>`;
    case 'diamond':
      return html`<polygon points="${fmt(cx)},${fmt(cy - r * 1.3)} ${fmt(cx + r * 1.3)},${fmt(cy)} ${fmt(cx)},${fmt(cy + r * 1.3)} ${fmt(cx - r * 1.3)},${fmt(cy)}"${paint}>${title}</polygon>`;
    case 'triangle':
      return html`<polygon points="${fmt(cx)},${fmt(cy - r * 1.3)} ${fmt(cx + r * 1.2)},${fmt(cy + r)} ${fmt(cx - r * 1.2)},${fmt(cy + r)}"${paint}>${title}</polygon>`;
    case 'cross':
      return html`<path d="M${fmt(cx - r)},${fmt(cy - r)}L${fmt(cx + r)},${fmt(cy + r)}M${fmt(cx - r)},${fmt(cy + r)}L${fmt(cx + r)},${fmt(cy - r)}" stroke="${colour}" stroke-width="2.5">${title}</path>`;
  }
}

/** One point of a scatter or line chart. */
export interface ChartPoint {
  x: number;
  y: number;
  /** Written beside the point (scatter charts). */
  label?: string;
  /** Shown on hover; defaults to the label and both values. */
  tooltip?: string;
}

export interface ScatterSeries {
  name: string;
  points: ChartPoint[];
  color?: string;
  shape?: MarkerShape;
  /** Marker radius in pixels (default 5). */
  size?: number;
  /** Draw markers as outlines. */
  hollow?: boolean;
  /** Write each point's label beside it (default true when it has one). */
  showLabels?: boolean;
}

export interface ScatterChartOptions extends ChartFrame {
  x: AxisOptions;
  y: AxisOptions;
  series: ScatterSeries[];
  guides?: ChartGuide[];
}

function guidesSvg(guides: readonly ChartGuide[] | undefined, plot: PlotArea, x: Scale, y: Scale): SafeHtml {
  return html`${(guides ?? []).map((guide) => {
    if (guide.axis === 'x') {
      const px = x.toPixel(guide.value);
      if (px < plot.left - 0.5 || px > plot.right + 0.5) return '';
      return html`<line x1="${fmt(px)}" x2="${fmt(px)}" y1="${fmt(plot.top)}" y2="${fmt(plot.bottom)}" stroke="#cf222e" stroke-dasharray="4 3"/>${guide.label ? html`<text x="${fmt(px + 4)}" y="${fmt(plot.top + 12)}" font-size="11" fill="#cf222e">${guide.label}</text>` : ''}`;
    }
    const py = y.toPixel(guide.value);
    if (py < plot.top - 0.5 || py > plot.bottom + 0.5) return '';
    return html`<line x1="${fmt(plot.left)}" x2="${fmt(plot.right)}" y1="${fmt(py)}" y2="${fmt(py)}" stroke="#cf222e" stroke-dasharray="4 3"/>${guide.label ? html`<text x="${fmt(plot.right - 4)}" y="${fmt(py - 4)}" text-anchor="end" font-size="11" fill="#cf222e">${guide.label}</text>` : ''}`;
  })}`;
}

interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
}

/**
 * A scatter chart, e.g. cost against quality with one series per kind of policy. Point labels are
 * placed beside their points, each at the first of eight positions that collides with no marker or
 * label already placed (else the least crowded one), so a dozen labelled points stay readable.
 */
export function scatterChartSvg(options: ScatterChartOptions): SafeHtml {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const legend = legendLayout(
    options.series.map((s, i) => ({ name: s.name, colour: colourOf(i, s.color), mark: s.shape ?? 'circle' })),
    width,
  );
  const plot = plotArea(width, height, legend.rows);
  const all = options.series.flatMap((s) => s.points);
  const guideXs = (options.guides ?? []).filter((g) => g.axis === 'x').map((g) => g.value);
  const guideYs = (options.guides ?? []).filter((g) => g.axis === 'y').map((g) => g.value);
  const x = linearScale([...all.map((p) => p.x), ...guideXs], options.x, plot.left, plot.right);
  const y = linearScale([...all.map((p) => p.y), ...guideYs], options.y, plot.bottom, plot.top);

  const markers: SafeHtml[] = [];
  const occupied: Box[] = [];
  const pending: Array<{ px: number; py: number; r: number; text: string; colour: string }> = [];
  options.series.forEach((series, i) => {
    const colour = colourOf(i, series.color);
    const r = series.size ?? 5;
    for (const point of series.points) {
      if (!Number.isFinite(point.x) || !Number.isFinite(point.y)) continue;
      const px = x.toPixel(point.x);
      const py = y.toPixel(point.y);
      const tooltip =
        point.tooltip ??
        `${point.label ?? series.name}: ${options.x.label} ${x.format(point.x)}, ${options.y.label} ${y.format(point.y)}`;
      markers.push(markerSvg(series.shape ?? 'circle', px, py, r, colour, tooltip, series.hollow));
      occupied.push({ x1: px - r, y1: py - r, x2: px + r, y2: py + r });
      if (point.label && series.showLabels !== false) pending.push({ px, py, r, text: point.label, colour });
    }
  });
  const labels: SafeHtml[] = [];
  for (const label of pending) {
    const w = label.text.length * 6.2;
    const h = 12;
    const gap = label.r + 3;
    const candidates: Array<{ box: Box; anchor: 'start' | 'end' | 'middle' }> = [
      {
        box: { x1: label.px + gap, y1: label.py - h / 2, x2: label.px + gap + w, y2: label.py + h / 2 },
        anchor: 'start',
      },
      {
        box: { x1: label.px - gap - w, y1: label.py - h / 2, x2: label.px - gap, y2: label.py + h / 2 },
        anchor: 'end',
      },
      {
        box: { x1: label.px - w / 2, y1: label.py - gap - h, x2: label.px + w / 2, y2: label.py - gap },
        anchor: 'middle',
      },
      {
        box: { x1: label.px - w / 2, y1: label.py + gap, x2: label.px + w / 2, y2: label.py + gap + h },
        anchor: 'middle',
      },
      {
        box: { x1: label.px + gap, y1: label.py - gap - h, x2: label.px + gap + w, y2: label.py - gap },
        anchor: 'start',
      },
      {
        box: { x1: label.px + gap, y1: label.py + gap, x2: label.px + gap + w, y2: label.py + gap + h },
        anchor: 'start',
      },
      {
        box: { x1: label.px - gap - w, y1: label.py - gap - h, x2: label.px - gap, y2: label.py - gap },
        anchor: 'end',
      },
      {
        box: { x1: label.px - gap - w, y1: label.py + gap, x2: label.px - gap, y2: label.py + gap + h },
        anchor: 'end',
      },
    ];
    const inside = (b: Box) => b.x1 >= plot.left && b.x2 <= plot.right && b.y1 >= plot.top && b.y2 <= plot.bottom;
    const crowding = (b: Box) => occupied.filter((o) => overlaps(o, b)).length + (inside(b) ? 0 : 100);
    const best = candidates.reduce((a, b) => (crowding(b.box) < crowding(a.box) ? b : a));
    occupied.push(best.box);
    const tx =
      best.anchor === 'start' ? best.box.x1 : best.anchor === 'end' ? best.box.x2 : (best.box.x1 + best.box.x2) / 2;
    labels.push(
      html`<text x="${fmt(tx)}" y="${fmt(best.box.y2 - 2)}" text-anchor="${best.anchor}" font-size="11" fill="${label.colour}">${label.text}</text>`,
    );
  }
  const content = html`${axesSvg({ width, height, ...(options.title ? { title: options.title } : {}) }, plot, x, y, options.x.label, options.y.label)}${guidesSvg(options.guides, plot, x, y)}${markers}${labels}${legend.render(plot.bottom + 44)}`;
  return svgDocument(width, height, options.title ?? `${options.y.label} against ${options.x.label}`, content);
}

export interface BarSeries {
  name: string;
  /** One value per category, in the categories' order. */
  values: number[];
  color?: string;
}

export interface BarChartOptions extends ChartFrame {
  categories: string[];
  series: BarSeries[];
  y: AxisOptions;
  /** Stack the series in each category instead of drawing them side by side. */
  stacked?: boolean;
  /** Write each non-zero bar's value above it (grouped bars only). */
  showValues?: boolean;
  guides?: Array<Omit<ChartGuide, 'axis'>>;
}

/** A vertical bar chart with one group (or stack) per category and one bar per series. */
export function barChartSvg(options: BarChartOptions): SafeHtml {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const legend = legendLayout(
    options.series.length > 1 || options.stacked
      ? options.series.map((s, i) => ({ name: s.name, colour: colourOf(i, s.color), mark: 'box' as const }))
      : [],
    width,
  );
  // Long category names are drawn slanted, which takes room from the plot.
  const longest = Math.max(0, ...options.categories.map((c) => c.length));
  const slant = longest * 6.2 > (width - MARGIN.left - MARGIN.right) / Math.max(1, options.categories.length);
  const labelRoom = slant ? Math.min(140, longest * 4.6) : 0;
  const plot = plotArea(width, height - labelRoom, legend.rows);
  const values = options.stacked
    ? options.categories.map((_, c) => options.series.reduce((sum, s) => sum + Math.max(0, s.values[c] ?? 0), 0))
    : options.series.flatMap((s) => s.values);
  const y = linearScale(
    [...values, ...(options.guides ?? []).map((g) => g.value)],
    options.y,
    plot.bottom,
    plot.top,
    true,
  );
  const band = (plot.right - plot.left) / Math.max(1, options.categories.length);
  const inner = band * 0.74;
  const parts: SafeHtml[] = [];
  options.categories.forEach((category, c) => {
    const x0 = plot.left + c * band + (band - inner) / 2;
    if (options.stacked) {
      let base = 0;
      options.series.forEach((series, s) => {
        const value = Math.max(0, series.values[c] ?? 0);
        if (value === 0) return;
        const top = y.toPixel(base + value);
        const bottom = y.toPixel(base);
        parts.push(
          html`<rect x="${fmt(x0)}" y="${fmt(top)}" width="${fmt(inner)}" height="${fmt(Math.max(0, bottom - top))}" fill="${colourOf(s, series.color)}"><title>${category} · ${series.name}: ${y.format(value)}</title></rect>`,
        );
        base += value;
      });
    } else {
      const w = inner / Math.max(1, options.series.length);
      options.series.forEach((series, s) => {
        const value = series.values[c] ?? 0;
        const top = y.toPixel(Math.max(0, value));
        const bottom = y.toPixel(Math.min(0, value));
        const bx = x0 + s * w;
        parts.push(
          html`<rect x="${fmt(bx)}" y="${fmt(top)}" width="${fmt(Math.max(1, w - 1))}" height="${fmt(Math.max(0, bottom - top))}" fill="${colourOf(s, series.color)}"><title>${category} · ${series.name}: ${y.format(value)}</title></rect>`,
        );
        if (options.showValues && value !== 0)
          parts.push(
            html`<text x="${fmt(bx + w / 2)}" y="${fmt(top - 3)}" text-anchor="middle" font-size="10" fill="#59636e">${y.format(value)}</text>`,
          );
      });
    }
    const cx = plot.left + c * band + band / 2;
    parts.push(
      slant
        ? html`<text transform="translate(${fmt(cx)} ${fmt(plot.bottom + 12)}) rotate(-35)" text-anchor="end" font-size="11" fill="#59636e">${category}</text>`
        : html`<text x="${fmt(cx)}" y="${fmt(plot.bottom + 15)}" text-anchor="middle" font-size="11" fill="#59636e">${category}</text>`,
    );
  });
  const guides = (options.guides ?? []).map((g) => ({ ...g, axis: 'y' as const }));
  const dummyX: Scale = { toPixel: () => plot.left, ticks: [], format: defaultFormat };
  const content = html`${axesSvg({ width, height, ...(options.title ? { title: options.title } : {}) }, plot, undefined, y, '', options.y.label)}${parts}${guidesSvg(guides, plot, dummyX, y)}${legend.render(plot.bottom + 30 + labelRoom)}`;
  return svgDocument(width, height, options.title ?? options.y.label, content);
}

export interface LineSeries {
  name: string;
  points: Array<Pick<ChartPoint, 'x' | 'y'>>;
  color?: string;
  dashed?: boolean;
  /** Draw a dot on every point (default: only when a series has at most 30 points). */
  markers?: boolean;
}

export interface LineChartOptions extends ChartFrame {
  x: AxisOptions & { scale?: 'linear' | 'log' };
  y: AxisOptions & { scale?: 'linear' | 'log' };
  series: LineSeries[];
  guides?: ChartGuide[];
}

/** A line chart, one polyline per series, linear or logarithmic axes (e.g. latency percentiles). */
export function lineChartSvg(options: LineChartOptions): SafeHtml {
  const width = options.width ?? 640;
  const height = options.height ?? 380;
  const legend = legendLayout(
    options.series.map((s, i) => ({
      name: s.name,
      colour: colourOf(i, s.color),
      mark: s.dashed ? ('dashed' as const) : ('line' as const),
    })),
    width,
  );
  const plot = plotArea(width, height, legend.rows);
  const xs = options.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = options.series.flatMap((s) => s.points.map((p) => p.y));
  const x =
    options.x.scale === 'log'
      ? logScale(xs, options.x, plot.left, plot.right)
      : linearScale(xs, options.x, plot.left, plot.right);
  const y =
    options.y.scale === 'log'
      ? logScale(ys, options.y, plot.bottom, plot.top)
      : linearScale(ys, options.y, plot.bottom, plot.top, true);
  const lines = options.series.map((series, i) => {
    const colour = colourOf(i, series.color);
    const points = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const path = points.map((p, j) => `${j === 0 ? 'M' : 'L'}${fmt(x.toPixel(p.x))},${fmt(y.toPixel(p.y))}`).join('');
    const dots =
      (series.markers ?? points.length <= 30)
        ? points.map(
            (p) =>
              html`<circle cx="${fmt(x.toPixel(p.x))}" cy="${fmt(y.toPixel(p.y))}" r="2.5" fill="${colour}"><title>${series.name}: ${x.format(p.x)}, ${y.format(p.y)}</title></circle>`,
          )
        : [];
    return html`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${series.dashed ? rawHtml(' stroke-dasharray="6 4"') : ''}><title>${series.name}</title></path>${dots}`;
  });
  const content = html`${axesSvg({ width, height, ...(options.title ? { title: options.title } : {}) }, plot, x, y, options.x.label, options.y.label)}${guidesSvg(options.guides, plot, x, y)}${lines}${legend.render(plot.bottom + 44)}`;
  return svgDocument(width, height, options.title ?? `${options.y.label} against ${options.x.label}`, content);
}
