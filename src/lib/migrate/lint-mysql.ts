/**
 * Migration lint for MySQL: what is harmless on an empty development database and hurts
 * on a busy production one. MySQL copies a table for many ALTERs unless told otherwise,
 * blocks writes for the copy, and commits each DDL statement on its own. Pure functions
 * over SQL text; tables created earlier in the same file are new and empty and left
 * alone; `-- dbops:allow <rule>` silences a rule, as for PostgreSQL.
 */
import { splitMysqlStatements } from '../engines/mysql/split.js';
import { MIGRATE_FINDINGS } from './findings.js';
import { allowedRules, type LintInput, type LintOptions, type LintRule, type LintWarning } from './lint.js';
import type { SqlStatement } from './sql-split.js';

const PART = '(?:`(?:[^`]|``)+`|[A-Za-z_$][\\w$]*)';
const NAME = `${PART}(?: ?\\. ?${PART})?`;

/** `app`.`Recipes` → recipes: the bare, case-folded table name. */
export function mysqlTableKey(ident: string): string {
  const parts = ident.match(new RegExp(PART, 'g')) ?? [ident];
  const last = parts[parts.length - 1]!;
  return (last.startsWith('`') ? last.slice(1, -1).replace(/``/g, '`') : last).toLowerCase();
}

const CREATE_TABLE = new RegExp(`^create (?:temporary )?table (?:if not exists )?(${NAME})`, 'i');
const ALTER_TABLE = new RegExp(`^alter (?:online |ignore )*table (${NAME}) (.*)$`, 'is');
const INDEX_DDL = new RegExp(`^(?:create (?:unique |fulltext |spatial )?index ${PART} on|drop index ${PART} on) (${NAME})(.*)$`, 'is');
const DROP_TABLE = /^drop (?:temporary )?table (?:if exists )?(.*?)(?: (?:cascade|restrict))?$/is;
const DDL = /^(?:create|alter|drop|rename|truncate)\b/i;
const ONLINE = /\balgorithm ?=? ?(?:instant|inplace|nocopy)\b|\block ?=? ?none\b/i;
const SETS_LOCK_TIMEOUT = /^set (?:session |@@session\.|@@)?lock_wait_timeout\b/i;

/** Splits on commas outside parentheses. */
function actions(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (depth === 0 && ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function excerpt(s: SqlStatement): string {
  return s.normalized.length > 80 ? `${s.normalized.slice(0, 79)}…` : s.normalized;
}

/** All warnings for one MySQL migration file, in statement order. */
export function lintMysqlMigration(input: LintInput, opts: LintOptions): LintWarning[] {
  const statements = splitMysqlStatements(input.sql);
  const allowed = allowedRules(input.sql);
  const created = new Set<string>();
  const warnings: LintWarning[] = [];
  const push = (rule: LintRule, s: SqlStatement, message: string) => {
    if (!allowed.has(rule))
      warnings.push({ rule, file: input.file, line: s.line, statement: excerpt(s), message, runbook: MIGRATE_FINDINGS.anchor(rule) });
  };
  let ddlCount = 0;
  let boundsLocks = opts.lockTimeoutMs > 0;
  let lockWarned = false;
  for (const s of statements) {
    const n = s.normalized;
    if (SETS_LOCK_TIMEOUT.test(n)) boundsLocks = true;
    if (DDL.test(n) && ++ddlCount === 2) {
      push(
        'multiple-ddl',
        s,
        'This file has more than one DDL statement: MySQL commits each one, so when a later one fails the earlier ones stay applied and the migration is marked failed; put one DDL statement in each migration file.',
      );
    }
    const c = CREATE_TABLE.exec(n);
    if (c) created.add(mysqlTableKey(c[1]!));
    const alter = ALTER_TABLE.exec(n);
    const index = alter ? null : INDEX_DDL.exec(n);
    const table = alter ? mysqlTableKey(alter[1]!) : index ? mysqlTableKey(index[1]!) : undefined;
    if (table !== undefined && !created.has(table)) {
      if (!ONLINE.test(n)) {
        push(
          'alter-without-algorithm',
          s,
          `${alter ? 'ALTER TABLE' : 'This index change on'} ${table} without ALGORITHM=INSTANT|INPLACE or LOCK=NONE may copy the table and block its writes until done, minutes on a large table; state ALGORITHM=INPLACE, LOCK=NONE (or ALGORITHM=INSTANT) so MySQL refuses instead of copying.`,
        );
      }
      if (!boundsLocks && !lockWarned) {
        lockWarned = true;
        push(
          'missing-lock-timeout',
          s,
          `This migration changes table ${table} with no lock_wait_timeout: queued behind a long transaction, its metadata lock blocks every query on the table; SET SESSION lock_wait_timeout = 5 at the top of the file or run with --lock-timeout.`,
        );
      }
    }
    if (alter && !created.has(table!)) {
      for (const a of actions(alter[2]!)) {
        const modify = new RegExp(`^(?:modify|change) (?:column )?(${PART})`, 'i').exec(a);
        if (modify) {
          push(
            'alter-column-type',
            s,
            `MODIFY/CHANGE COLUMN ${mysqlTableKey(modify[1]!)} on table ${table} rebuilds the table (ALGORITHM=COPY) unless only its name, default or a VARCHAR length within the same length byte changes; prefer a new column, a backfill and a swap.`,
          );
        }
        const drop =
          /^drop (?!index\b|key\b|primary\b|foreign\b|constraint\b|check\b|partition\b)(?:column )?(`(?:[^`]|``)+`|[\w$]+)/i.exec(a);
        if (drop) {
          push(
            'drop-column',
            s,
            `DROP COLUMN ${mysqlTableKey(drop[1]!)} on table ${table} deletes its data, and code still reading it breaks; deploy the code that stops using it first, and keep a snapshot.`,
          );
        }
      }
    }
    const dropTable = DROP_TABLE.exec(n);
    if (dropTable) {
      for (const t of actions(dropTable[1]!).map(mysqlTableKey)) {
        if (!created.has(t))
          push('drop-table', s, `DROP TABLE ${t} deletes the table and its data; make sure nothing uses it and a snapshot exists.`);
      }
    }
  }
  return warnings.sort((a, b) => a.line - b.line);
}

/** Lint many MySQL files; warnings in file order. */
export function lintMysqlMigrations(inputs: readonly LintInput[], opts: LintOptions): LintWarning[] {
  return inputs.flatMap((i) => lintMysqlMigration(i, opts));
}
