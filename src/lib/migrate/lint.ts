/**
 * Migration lint: warnings about statements that are safe on an empty development
 * database and hurt on a busy production one. Pure functions over SQL text (no
 * PostgreSQL): each rule reads the statements `splitStatements` returns.
 *
 * Tables created earlier in the same migration are new and empty, so the rules about
 * locks and rewrites leave them alone. A file silences a rule it means with a comment line
 * `-- dbops:allow drop-column, drop-table`.
 */
import { MIGRATE_FINDINGS } from './findings.js';
import { type SqlStatement, splitStatements } from './sql-split.js';

/** The lint rules, by the name a `-- dbops:allow` comment uses. */
export const LINT_RULES = [
  'create-index-not-concurrently',
  'add-column-not-null-without-default',
  'alter-column-type',
  'drop-column',
  'drop-table',
  'missing-lock-timeout',
  // MySQL only (lint-mysql.ts)
  'alter-without-algorithm',
  'multiple-ddl',
] as const;
export type LintRule = (typeof LINT_RULES)[number];

/** One warning: which rule, where, and why it matters. */
export interface LintWarning {
  rule: LintRule;
  file: string;
  line: number;
  /** The statement, normalized and cut at 80 characters. */
  statement: string;
  message: string;
  /** Its response section: `runbooks/migrate.md#MG-R5`. */
  runbook: string;
}

export interface LintInput {
  file: string;
  sql: string;
}

export interface LintOptions {
  /**
   * The lock_timeout dbops sets around each migration (--lock-timeout), in ms; 0 when none.
   * `missing-lock-timeout` only fires when neither dbops nor the file bounds lock waits.
   */
  lockTimeoutMs: number;
}

const IDENT_PART = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`;
const IDENT = String.raw`${IDENT_PART}(?: ?\. ?${IDENT_PART})*`;

/** "Public"."Recipes" → Recipes; public.recipes → recipes: the bare, case-folded table name. */
export function tableKey(ident: string): string {
  const parts = ident.match(new RegExp(IDENT_PART, 'g')) ?? [ident];
  const last = parts[parts.length - 1]!;
  return last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last.toLowerCase();
}

/** Splits on `sep` outside parentheses. */
function splitTopLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === sep) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim().length > 0) out.push(cur.trim());
  return out;
}

const CREATE_TABLE = new RegExp(
  String.raw`^create (?:(?:global |local )?(?:temp|temporary|unlogged) )?(?:table|materialized view) (?:if not exists )?(${IDENT})`,
  'i',
);
const CREATE_INDEX = new RegExp(
  String.raw`^create (?:unique )?index (concurrently )?(?:(?:if not exists )?${IDENT} )?on (?:only )?(${IDENT})`,
  'i',
);
const ALTER_TABLE = new RegExp(String.raw`^alter table (?:if exists )?(?:only )?(${IDENT})(?: \*)? (.*)$`, 'is');
const DROP_TABLE = /^drop table (?:if exists )?(.*?)(?: (?:cascade|restrict))?$/is;
const ADD_COLUMN = new RegExp(String.raw`^add (?:column )?(?:if not exists )?(${IDENT}) (.*)$`, 'is');
const ALTER_TYPE = new RegExp(String.raw`^alter (?:column )?(${IDENT}) (?:set data )?type\b`, 'i');
const DROP_COLUMN = new RegExp(String.raw`^drop (?:column )?(?:if exists )?(${IDENT})`, 'i');
const ADD_NOT_A_COLUMN = /^add (constraint|primary key|unique|check|foreign key|exclude)\b/i;
const DROP_NOT_A_COLUMN = /^drop constraint\b/i;

/** Statements that take a lock which blocks reads or writes of an existing table. */
const STRONG_LOCK: { re: RegExp; table?: (m: RegExpExecArray) => string[] }[] = [
  { re: ALTER_TABLE, table: (m) => [m[1]!] },
  { re: DROP_TABLE, table: (m) => splitTopLevel(m[1]!, ',') },
  { re: new RegExp(String.raw`^create (?:or replace )?(?:constraint )?trigger ${IDENT} .*? on (${IDENT})`, 'is'), table: (m) => [m[1]!] },
  {
    re: /^truncate (?:table )?(?:only )?(.*?)(?: (?:restart|continue) identity)?(?: (?:cascade|restrict))?$/is,
    table: (m) => splitTopLevel(m[1]!, ','),
  },
  { re: /^lock (?:table )?(?:only )?(.*?)(?: in .* mode)?(?: nowait)?$/is, table: (m) => splitTopLevel(m[1]!, ',') },
  { re: /^drop index (?!concurrently)/i },
  { re: /^reindex (?!.*\bconcurrently\b)/i },
  { re: /^cluster\b/i },
  { re: /^vacuum (?:\(.*\bfull\b.*\)|full\b)/i },
];

function excerpt(s: SqlStatement): string {
  return s.normalized.length > 80 ? `${s.normalized.slice(0, 79)}…` : s.normalized;
}

/** Rules a file silences with `-- dbops:allow rule, rule`. */
export function allowedRules(sql: string): Set<string> {
  const out = new Set<string>();
  for (const m of sql.matchAll(/^\s*--\s*dbops:allow\s+([a-z, -]+?)\s*$/gm)) {
    for (const r of m[1]!.split(/[\s,]+/)) if (r) out.add(r);
  }
  return out;
}

/** Does the statement set lock_timeout (SET [LOCAL] lock_timeout, or set_config('lock_timeout', ...))? */
function setsLockTimeout(s: SqlStatement): boolean {
  return /^set (?:local |session )?lock_timeout\b/i.test(s.normalized) || /set_config\s*\(\s*'lock_timeout'/i.test(s.text);
}

interface RuleContext {
  file: string;
  created: Set<string>;
  push(rule: LintRule, s: SqlStatement, message: string): void;
}

function lintCreateIndex(s: SqlStatement, ctx: RuleContext): void {
  const m = CREATE_INDEX.exec(s.normalized);
  if (!m || m[1]) return;
  const table = tableKey(m[2]!);
  if (ctx.created.has(table)) return;
  ctx.push(
    'create-index-not-concurrently',
    s,
    `CREATE INDEX on existing table ${table} without CONCURRENTLY blocks writes to it while the index builds; use CREATE INDEX CONCURRENTLY in its own migration whose first line is -- dbops:no-transaction.`,
  );
}

function lintAlterTable(s: SqlStatement, ctx: RuleContext): void {
  const m = ALTER_TABLE.exec(s.normalized);
  if (!m) return;
  const table = tableKey(m[1]!);
  if (ctx.created.has(table)) return;
  for (const action of splitTopLevel(m[2]!, ',')) {
    const add = ADD_NOT_A_COLUMN.test(action) ? null : ADD_COLUMN.exec(action);
    if (add && /\bnot null\b/i.test(add[2]!) && !/\bdefault\b/i.test(add[2]!) && !/\bgenerated\b/i.test(add[2]!)) {
      ctx.push(
        'add-column-not-null-without-default',
        s,
        `ADD COLUMN ${tableKey(add[1]!)} NOT NULL without a DEFAULT fails on table ${table} as soon as it has rows; add a DEFAULT (no rewrite since PostgreSQL 11), or add it nullable, backfill, then SET NOT NULL.`,
      );
    }
    const type = ALTER_TYPE.exec(action);
    if (type) {
      ctx.push(
        'alter-column-type',
        s,
        `ALTER COLUMN ${tableKey(type[1]!)} TYPE rewrites table ${table} and its indexes under an ACCESS EXCLUSIVE lock (unless the new type is binary-compatible, such as varchar to text); prefer a new column, a backfill and a swap.`,
      );
    }
    const drop = DROP_NOT_A_COLUMN.test(action) ? null : DROP_COLUMN.exec(action);
    if (drop) {
      ctx.push(
        'drop-column',
        s,
        `DROP COLUMN ${tableKey(drop[1]!)} on table ${table} deletes its data, and code still reading it breaks; deploy the code that stops using it first, and keep a snapshot.`,
      );
    }
  }
}

function lintDropTable(s: SqlStatement, ctx: RuleContext): void {
  const m = DROP_TABLE.exec(s.normalized);
  if (!m) return;
  for (const t of splitTopLevel(m[1]!, ',').map(tableKey)) {
    if (ctx.created.has(t)) continue;
    ctx.push('drop-table', s, `DROP TABLE ${t} deletes the table and its data; make sure nothing uses it and a snapshot exists.`);
  }
}

/** The first statement that takes a strong lock on a table this migration did not create. */
function firstStrongLock(statements: SqlStatement[]): SqlStatement | undefined {
  const created = new Set<string>();
  for (const s of statements) {
    if (setsLockTimeout(s)) return undefined;
    const c = CREATE_TABLE.exec(s.normalized);
    if (c) created.add(tableKey(c[1]!));
    const idx = CREATE_INDEX.exec(s.normalized);
    if (idx) {
      if (!idx[1] && !created.has(tableKey(idx[2]!))) return s;
      continue;
    }
    for (const rule of STRONG_LOCK) {
      const m = rule.re.exec(s.normalized);
      if (!m) continue;
      const tables = rule.table ? rule.table(m).map(tableKey) : [];
      if (tables.length === 0 || tables.some((t) => !created.has(t))) return s;
    }
  }
  return undefined;
}

/** All warnings for one migration file, in statement order. */
export function lintMigration(input: LintInput, opts: LintOptions): LintWarning[] {
  const statements = splitStatements(input.sql);
  const allowed = allowedRules(input.sql);
  const warnings: LintWarning[] = [];
  const ctx: RuleContext = {
    file: input.file,
    created: new Set(),
    push(rule, s, message) {
      if (!allowed.has(rule))
        warnings.push({ rule, file: input.file, line: s.line, statement: excerpt(s), message, runbook: MIGRATE_FINDINGS.anchor(rule) });
    },
  };
  for (const s of statements) {
    lintCreateIndex(s, ctx);
    lintAlterTable(s, ctx);
    lintDropTable(s, ctx);
    const c = CREATE_TABLE.exec(s.normalized);
    if (c) ctx.created.add(tableKey(c[1]!));
  }
  if (opts.lockTimeoutMs === 0) {
    const s = firstStrongLock(statements);
    if (s) {
      ctx.push(
        'missing-lock-timeout',
        s,
        `This migration takes a strong table lock with no lock_timeout: queued behind a long transaction it blocks every query on the table; SET lock_timeout at the top of the file or run with --lock-timeout.`,
      );
    }
  }
  return warnings.sort((a, b) => a.line - b.line);
}

/** Lint many files; warnings in file order. */
export function lintMigrations(inputs: readonly LintInput[], opts: LintOptions): LintWarning[] {
  return inputs.flatMap((i) => lintMigration(i, opts));
}
