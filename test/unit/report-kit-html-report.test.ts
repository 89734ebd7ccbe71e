import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  barChartSvg,
  escapeHtml,
  html,
  lineChartSvg,
  niceTicks,
  rawHtml,
  renderHtmlPage,
  scatterChartSvg,
} from '../../report-kit/html-report';

describe('report-kit/html-report', () => {
  it('escapes text everywhere and keeps only vouched-for markup', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const evil = '<script>alert(1)</script>';
    assert.equal(html`<p>${evil}</p>`.__safeHtml, '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    assert.equal(html`<p>${rawHtml('<b>ok</b>')}${['a', 1]}${null}${false}</p>`.__safeHtml, '<p><b>ok</b>a1</p>');
    const page = renderHtmlPage({
      title: evil,
      sections: [
        {
          title: evil,
          intro: evil,
          blocks: [
            { type: 'table', columns: [{ label: evil }], rows: [[evil]] },
            { type: 'keyValues', items: [[evil, evil]] },
          ],
        },
      ],
      footer: evil,
    });
    assert.doesNotMatch(page, /<script>/);
    assert.match(page, /^<!DOCTYPE html>/);
  });

  it('draws charts as inline SVG with escaped labels, legends and tooltips', () => {
    const scatter = scatterChartSvg({
      title: 'cost <vs> quality',
      x: { label: 'cost %' },
      y: { label: 'accuracy %' },
      series: [
        {
          name: 'a&b',
          points: [
            { x: 10, y: 90, label: '<config>' },
            { x: 100, y: 100, label: 'frontier' },
          ],
        },
      ],
      guides: [{ axis: 'y', value: 97, label: 'target' }],
    }).__safeHtml;
    assert.match(scatter, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(
      scatter.includes('&lt;config&gt;') && scatter.includes('a&amp;b') && scatter.includes('cost &lt;vs&gt; quality'),
    );
    assert.doesNotMatch(scatter, /<config>/);
    assert.ok(scatter.includes('stroke-dasharray'), 'the guide is drawn');
    const bars = barChartSvg({
      categories: ['x', 'y'],
      series: [
        { name: 's1', values: [1, 2] },
        { name: 's2', values: [3, 4] },
      ],
      y: { label: 'n' },
      stacked: true,
    }).__safeHtml;
    assert.equal((bars.match(/<rect x=/g) ?? []).length, 1 + 4 + 2, 'frame, four bars and two legend swatches');
    const lines = lineChartSvg({
      x: { label: 'p' },
      y: { label: 'ms', scale: 'log' },
      series: [
        {
          name: 'l',
          points: [
            { x: 50, y: 10 },
            { x: 99, y: 1000 },
          ],
        },
      ],
    }).__safeHtml;
    assert.match(lines, /<path d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+"/);
  });

  it('picks round ticks that cover the data', () => {
    assert.deepEqual(niceTicks(0, 100, 5).ticks, [0, 20, 40, 60, 80, 100]);
    const { ticks, min, max } = niceTicks(3.2, 97.5, 6);
    assert.ok(min <= 3.2 && max >= 97.5 && ticks.length >= 5);
  });
});
