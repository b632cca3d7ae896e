import { describe, expect, it } from 'vitest';
import { formatMs, htmlChart, niceCeil, plotFormat, svgChart, terminalChart, type ChartSpec } from '../../../src/lib/vector/chart.js';

const spec: ChartSpec = {
  title: 'Recall <k> & latency',
  targetRecall: 0.9,
  maxP95Ms: 3,
  series: [
    {
      label: 'A',
      points: [
        { ef: 10, recall: 0.8, p95Ms: 1 },
        { ef: 20, recall: 0.9, p95Ms: 2 },
        { ef: 40, recall: 1, p95Ms: 4, p50Ms: 2, p99Ms: 5 },
      ],
    },
  ],
};

describe('chart helpers', () => {
  it('rounds axis maxima up to 1, 2, 2.5, 5 x 10^n', () => {
    expect([0.7, 1, 1.2, 2.2, 3, 7, 12, 4200].map(niceCeil)).toEqual([1, 1, 2, 2.5, 5, 10, 20, 5000]);
    expect(niceCeil(0)).toBe(1);
  });

  it('formats latencies', () => {
    expect([0, 0.25, 1.234, 12.34, 999, 4200].map(formatMs)).toEqual(['0', '250µs', '1.23ms', '12.3ms', '999ms', '4.2s']);
  });

  it('chooses SVG or HTML by extension', () => {
    expect(plotFormat('out/recall.SVG')).toBe('svg');
    expect(plotFormat('recall.html')).toBe('html');
    expect(plotFormat('recall.htm')).toBe('html');
    expect(() => plotFormat('recall.png')).toThrow('--plot writes SVG or HTML, chosen by the file extension; "recall.png" has neither.');
  });
});

describe('terminal chart', () => {
  it('plots recall against p95 with the target line and the latency limit', () => {
    expect(terminalChart(spec, { width: 20, height: 5 })).toBe(
      [
        'recall',
        ' 1.00 ┤           ┊   ●',
        '      ┤┈┈┈┈┈┈┈┈●┈┈┊┈┈┈┈┈┈┈┈  target 0.9',
        ' 0.85 ┤           ┊',
        '      ┤    ●      ┊',
        ' 0.70 ┤           ┊',
        '      └────────────────────',
        '       0       2.5ms    5ms  p95 latency',
        '       ● A   ┊ max p95 3ms',
      ].join('\n'),
    );
  });

  it('says when the latency limit is far off the measurements instead of flattening them', () => {
    const text = terminalChart({ ...spec, maxP95Ms: 3000 }, { width: 20, height: 5 });
    expect(text).not.toContain('┊ max');
    expect(text).toContain('max p95 3s (off the chart, right)');
  });
});

describe('SVG and HTML', () => {
  it('draws every point, the target line and the limit, with escaped text', () => {
    const svg = svgChart(spec);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="720" height="420"')).toBe(true);
    expect(svg.endsWith('</svg>\n')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(3 + 1); // three points + one legend marker
    expect(svg).toContain('<title>Recall &lt;k&gt; &amp; latency</title>');
    expect(svg).toContain('target 0.9');
    expect(svg).toContain('max p95 3ms');
    expect(svg).toContain('<title>ef_search 40: recall 1.000, p95 4ms</title>');
    expect(svg).not.toContain('<k>');
    expect(svgChart(spec)).toBe(svg);
  });

  it('puts the chart and a table of every measurement in one HTML page', () => {
    const html = htmlChart(spec);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<svg ');
    expect(html.match(/<tr><td>/g)).toHaveLength(3);
    expect(html).toContain('<tr><td>A</td><td>40</td><td>1.0000</td><td>2ms</td><td>4ms</td><td>5ms</td></tr>');
  });
});
