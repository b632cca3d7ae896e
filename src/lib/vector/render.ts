/** Human rendering of the vector commands' results (`--json` prints the results as they are). */
import type { ChalkInstance } from 'chalk';
import { formatBytes, formatDuration, renderTable } from '../output/format.js';
import { renderReport } from '../runbook/render.js';
import type { BuildResult } from './build.js';
import { planStatements } from './build.js';
import { formatMs, terminalChart } from './chart.js';
import type { Measurement } from './measure.js';
import type { VectorStatus } from './status.js';
import type { IndexSweep, TuneResult } from './tune.js';
import { tuneChartSpec } from './tune.js';

function thousands(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function renderStatus(s: VectorStatus, c: ChalkInstance): string {
  const set = s.settings;
  const lines: string[] = [
    `${c.bold('pgvector')} ${s.pgvector.version} (schema ${s.pgvector.schema}) on ${s.target}, database ${s.database}, PostgreSQL ${Math.floor(s.serverVersion / 10000)}`,
    '',
    c.bold('Settings'),
    `  hnsw.ef_search                     ${set.efSearch ?? 'n/a'}`,
    `  hnsw.iterative_scan                ${set.iterativeScan ?? 'n/a (pgvector < 0.8)'}`,
    `  maintenance_work_mem               ${formatBytes(set.maintenanceWorkMemBytes)}`,
    `  max_parallel_maintenance_workers   ${set.maxParallelMaintenanceWorkers}`,
    '',
    c.bold('Vector columns'),
  ];
  if (s.columns.length === 0) lines.push('  none');
  else {
    lines.push(
      renderTable(
        [
          { header: '  TABLE', value: (r) => `  ${r.schema}.${r.table}` },
          { header: 'COLUMN', value: (r) => r.column },
          { header: 'TYPE', value: (r) => `${r.type}(${r.dimensions ?? '?'})` },
          {
            header: 'ROWS',
            value: (r) =>
              r.rows === null
                ? 'unknown (never analyzed)'
                : `${r.rowsMethod === 'estimate' ? '~' : ''}${thousands(r.rows)} (${r.rowsMethod})`,
            align: 'right',
          },
          { header: 'TABLE SIZE', value: (r) => formatBytes(r.tableBytes), align: 'right' },
        ],
        s.columns,
      ),
    );
  }
  lines.push('', c.bold('Vector indexes'));
  if (s.indexes.length === 0) lines.push('  none');
  else {
    lines.push(
      renderTable(
        [
          { header: '  INDEX', value: (r) => `  ${r.schema}.${r.name}` },
          { header: 'ON', value: (r) => `${r.table}.${r.column ?? '(expression)'}` },
          { header: 'METHOD', value: (r) => r.method },
          { header: 'OPCLASS', value: (r) => r.opclass },
          { header: 'PARAMS', value: (r) => (r.method === 'hnsw' ? `m=${r.m} ef_construction=${r.efConstruction}` : `lists=${r.lists}`) },
          { header: 'SIZE', value: (r) => formatBytes(r.sizeBytes), align: 'right' },
          { header: 'VALID', value: (r) => (r.valid ? 'yes' : c.red('INVALID')) },
          { header: 'SCANS', value: (r) => (r.idxScan === null ? '-' : thousands(r.idxScan)), align: 'right' },
          { header: 'LAST USED', value: (r) => (r.lastUsed === undefined ? 'n/a (PG < 16)' : r.lastUsed === null ? 'never' : r.lastUsed) },
        ],
        s.indexes,
      ),
    );
  }
  if (s.warnings.length > 0) {
    lines.push('', c.bold('Warnings'));
    for (const w of s.warnings) lines.push(`  ${c.yellow('!')} ${w.message}`);
  }
  return lines.join('\n');
}

function measurementTable(sweep: IndexSweep, k: number, c: ChalkInstance): string {
  const chosen = sweep.choice.status === 'recall-not-reached' ? undefined : sweep.choice.ef;
  const rows = [...sweep.measurements].sort((a, b) => a.ef - b.ef);
  return renderTable<Measurement>(
    [
      { header: '  EF_SEARCH', value: (m) => `  ${m.ef === chosen ? c.green(`${m.ef} ◀`) : String(m.ef)}`, align: 'right' },
      { header: `RECALL@${k}`, value: (m) => m.recall.toFixed(4), align: 'right' },
      { header: 'P50', value: (m) => formatMs(m.p50Ms), align: 'right' },
      { header: 'P95', value: (m) => formatMs(m.p95Ms), align: 'right' },
      { header: 'P99', value: (m) => formatMs(m.p99Ms), align: 'right' },
      { header: 'SHORT', value: (m) => String(m.shortQueries), align: 'right' },
    ],
    rows,
  );
}

export function renderTune(r: TuneResult, c: ChalkInstance): string {
  const lines: string[] = [renderReport(r.report, c), ''];
  const source =
    r.sample.source === 'table'
      ? `${r.sample.count} queries drawn from the table (seed ${r.sample.seed}, each leaves out its own row)`
      : `${r.sample.count} queries from ${r.sample.file}`;
  lines.push(
    `${c.bold(`${r.table}.${r.column}`)} · ${r.distance} · k ${r.k} · target recall ${r.targetRecall}${r.maxP95Ms === undefined ? '' : ` · max p95 ${formatMs(r.maxP95Ms)}`} · ${source}; exact search ${formatDuration(r.exact.durationMs)}`,
  );
  if (r.filter) {
    const f = r.filter;
    lines.push(
      '',
      f.needed
        ? `Filtered queries (--where ${f.where}): at ef_search ${f.efSearch} plain HNSW returned fewer than ${r.k} rows for ${f.shortQueries} of ${f.queries} queries (median ${f.medianReturned}): iterative scans are needed${f.iterativeAvailable ? '; measured with hnsw.iterative_scan = relaxed_order.' : ' — they need pgvector 0.8+ (this is ' + r.pgvector + ').'}`
        : `Filtered queries (--where ${f.where}): plain HNSW returned all rows at ef_search ${f.efSearch}; no iterative scan needed.`,
    );
  }
  for (const sweep of [...(r.live ? [r.live] : []), ...(r.candidates ?? [])]) {
    const extra = sweep.scratch
      ? ` (built in ${formatDuration(sweep.buildMs ?? 0)}, ${formatBytes(sweep.sizeBytes)})`
      : ` (${formatBytes(sweep.sizeBytes)})`;
    lines.push(
      '',
      `${c.bold(sweep.label)}${extra}: ${sweep.measurements.length} ef_search values measured`,
      measurementTable(sweep, r.k, c),
    );
  }
  const sweeps = [...(r.live ? [r.live] : []), ...(r.candidates ?? [])];
  if (sweeps.length > 0) lines.push('', terminalChart(tuneChartSpec(r, `recall@${r.k}`, sweeps)));
  const rec = r.recommendation;
  lines.push('', r.ok ? c.green(c.bold('Recommendation')) : c.red(c.bold('No setting meets the targets')), `  ${rec.message}`);
  if (rec.build) lines.push(`  First rebuild the index:`, `    ${rec.build.command}`);
  if (rec.sql) {
    lines.push(
      `  ${rec.build ? 'Then, for' : 'For'} one session:`,
      ...rec.sql.session.map((x) => `    ${x}`),
      `  or for every new session of the database:`,
      ...rec.sql.database.map((x) => `    ${x}`),
    );
  }
  if (rec.note) lines.push(`  Note: ${rec.note}`);
  if (r.plot) lines.push('', `Plot written to ${r.plot.file} (${r.plot.format}).`);
  return lines.join('\n');
}

export function renderBuild(r: BuildResult, c: ChalkInstance): string {
  const lines: string[] = [renderReport(r.report, c), ''];
  if (r.dryRun) {
    lines.push(`Dry run: would run on ${r.target}:`, ...planStatements(r.plan).map((s) => `  ${s};`));
  } else if (r.cancelled) {
    lines.push('Not confirmed: nothing was built.');
  } else if (r.index) {
    const schema = r.table.slice(0, r.table.indexOf('.'));
    lines.push(
      `${c.bold(`${schema}.${r.plan.indexName}`)} on ${r.table} (${r.column}): HNSW (${r.distance}, m ${r.m}, ef_construction ${r.efConstruction}), ${formatBytes(r.index.sizeBytes)}, built in ${formatDuration(r.buildMs ?? 0)}${r.plan.mode === 'rebuild' ? `, replacing the old ${r.plan.replaces}` : ''}.`,
    );
    if (r.progress) {
      lines.push(
        r.progress.source === 'elapsed-only'
          ? `Progress: elapsed time only (${r.progress.reason}).`
          : `Progress from pg_stat_progress_create_index (${r.progress.samples} samples).`,
      );
    }
  }
  lines.push(
    `Memory: graph about ${formatBytes(r.memory.estimateBytes)} for ${thousands(r.memory.rows)} rows; maintenance_work_mem ${formatBytes(r.memory.maintenanceWorkMemBytes)} ${r.memory.fits ? 'holds it' : c.yellow('does NOT hold it')}.`,
  );
  for (const i of r.invalidIndexes)
    lines.push(`Invalid index ${i.name}: ${i.dropped ? 'dropped' : r.dryRun ? 'would be dropped (after confirmation)' : 'kept'}.`);
  return lines.join('\n');
}
