/**
 * RT-5 on MySQL: `CHECK TABLE … EXTENDED` on every InnoDB table of the restored database
 * (tables in parallel over the connections, largest first, with progress). A table passes
 * when the server's last status row says OK and no row is an error; anything else is a
 * finding. Pure verdict, tested with exact equality; the SQL comes from the engine port.
 */
import type { CheckResult } from './types.js';

/** One row of CHECK TABLE's result. */
export interface CheckTableRow {
  Table: string;
  Op: string;
  Msg_type: string;
  Msg_text: string;
}

/** One table's outcome. */
export interface CheckTableOutcome {
  table: string;
  ok: boolean;
  /** The server's messages that are not a plain OK: "error: Corrupt", "warning: …". */
  messages: string[];
}

export interface CheckTableData {
  tables: number;
  connections: number;
  findings: CheckTableOutcome[];
}

/** Pure: a table's outcome from CHECK TABLE's rows. */
export function judgeCheckTableRows(table: string, rows: readonly CheckTableRow[]): CheckTableOutcome {
  const status = rows.filter((r) => r.Msg_type.toLowerCase() === 'status');
  const last = status[status.length - 1];
  const bad = rows.filter((r) => r.Msg_type.toLowerCase() === 'error' || (r.Msg_type.toLowerCase() === 'status' && r.Msg_text !== 'OK'));
  const messages = rows
    .filter((r) => !(r.Msg_type.toLowerCase() === 'status' && r.Msg_text === 'OK'))
    .map((r) => `${r.Msg_type.toLowerCase()}: ${r.Msg_text}`);
  return { table, ok: bad.length === 0 && last?.Msg_text === 'OK', messages };
}

/** Pure: the verdict over every table. */
export function judgeCheckTable(data: CheckTableData): CheckResult<CheckTableData> {
  const failed = data.findings.filter((f) => !f.ok);
  const evidence = [
    `CHECK TABLE … EXTENDED over ${data.tables} InnoDB table${data.tables === 1 ? '' : 's'} on ${data.connections} connection${data.connections === 1 ? '' : 's'}`,
    ...failed.slice(0, 50).map((f) => `table ${f.table}: ${f.messages.join('; ') || 'no OK status'}`),
  ];
  if (failed.length > 50) evidence.push(`… and ${failed.length - 50} more tables`);
  const base = { id: 'check-table' as const, title: 'Physical integrity (CHECK TABLE)', evidence, data };
  if (failed.length === 0)
    return { ...base, status: 'passed', summary: `CHECK TABLE found no corruption in ${data.tables} InnoDB tables.` };
  return {
    ...base,
    status: 'failed',
    summary: `CHECK TABLE found ${failed.length} damaged table${failed.length === 1 ? '' : 's'}: ${failed.map((f) => f.table).join(', ')}.`,
    hint: 'Run the same check on the source (mysqlcheck --extended, read-only) to learn whether production is damaged too; a damaged table needs a good backup.',
  };
}
