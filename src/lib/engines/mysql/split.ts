/**
 * Splits a MySQL migration file into statements the way the server reads them: `-- `,
 * `#` and `/* *\/` comments (`/*! … *\/` is code), '…' and "…" strings with backslash
 * escapes, `…` identifiers, and the BEGIN … END body of a CREATE PROCEDURE / FUNCTION /
 * TRIGGER / EVENT, which is one statement whatever semicolons it holds. `DELIMITER` is a
 * command of the mysql client, not SQL: a file using it is refused (`delimiterLine`).
 * Pure functions.
 */
import type { SqlStatement } from '../../migrate/sql-split.js';
import { lineAt } from '../../migrate/sql-split.js';

interface Skipped {
  end: number;
  kind: 'comment' | 'string' | 'ident';
}

function skipQuoted(sql: string, i: number): Skipped | undefined {
  const ch = sql[i];
  const next = sql[i + 1];
  if ((ch === '-' && next === '-' && (i + 2 >= sql.length || /\s/.test(sql[i + 2]!))) || ch === '#') {
    const nl = sql.indexOf('\n', i);
    return { end: nl === -1 ? sql.length : nl, kind: 'comment' };
  }
  if (ch === '/' && next === '*' && sql[i + 2] !== '!') {
    const close = sql.indexOf('*/', i + 2);
    return { end: close === -1 ? sql.length : close + 2, kind: 'comment' };
  }
  if (ch === "'" || ch === '"' || ch === '`') {
    let j = i + 1;
    while (j < sql.length) {
      if (ch !== '`' && sql[j] === '\\') j += 2;
      else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
      else if (sql[j] === ch) return { end: j + 1, kind: ch === '`' ? 'ident' : 'string' };
      else j++;
    }
    return { end: sql.length, kind: ch === '`' ? 'ident' : 'string' };
  }
  return undefined;
}

/** Does the statement so far create a stored program (whose body may be BEGIN … END)? */
function definesProgram(normalizedSoFar: string): boolean {
  return /^create (?:or replace )?(?:definer ?= ?\S+ )?(?:procedure|function|trigger|event)\b/i.test(normalizedSoFar);
}

/** The 1-based line of a `DELIMITER` command outside strings and comments, if the file has one. */
export function delimiterLine(sql: string): number | undefined {
  let i = 0;
  let lineStart = true;
  while (i < sql.length) {
    const q = skipQuoted(sql, i);
    if (q) {
      i = q.end;
      lineStart = false;
      continue;
    }
    const ch = sql[i]!;
    if (ch === '\n') lineStart = true;
    else if (lineStart && !/\s/.test(ch)) {
      if (/^delimiter\s/i.test(sql.slice(i, i + 10))) return lineAt(sql, i);
      lineStart = false;
    }
    i++;
  }
  return undefined;
}

/** Splits MySQL SQL into statements; empty ones (only comments or semicolons) are dropped. */
export function splitMysqlStatements(sql: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let start = -1;
  let norm = '';
  let depth = 0;
  let word = '';
  /** An END whose meaning the next word decides: END IF / LOOP / WHILE / REPEAT close what never opened a level. */
  let pendingEnd = false;

  const settleEnd = (next: string | undefined) => {
    if (!pendingEnd) return false;
    pendingEnd = false;
    if (next !== undefined && ['if', 'loop', 'while', 'repeat'].includes(next)) return true;
    depth = Math.max(0, depth - 1);
    return next === 'case'; // END CASE closes the CASE: the word opens nothing
  };

  const flushWord = () => {
    if (word.length === 0) return;
    const w = word.toLowerCase();
    word = '';
    if (settleEnd(w)) return;
    if (!definesProgram(norm.replace(/\s+/g, ' ').trim())) return;
    if (w === 'begin' || w === 'case') depth++;
    else if (w === 'end' && depth > 0) pendingEnd = true;
  };

  const finish = (endIndex: number) => {
    flushWord();
    if (start >= 0) {
      const text = sql.slice(start, endIndex).trim();
      const normalized = norm.replace(/\s+/g, ' ').trim();
      if (normalized.length > 0) out.push({ text, normalized, line: lineAt(sql, start), offset: start });
    }
    start = -1;
    norm = '';
    depth = 0;
    pendingEnd = false;
  };

  let i = 0;
  while (i < sql.length) {
    const q = skipQuoted(sql, i);
    if (q) {
      flushWord();
      if (q.kind !== 'comment') {
        if (start < 0) start = i;
        norm += q.kind === 'string' ? "''" : sql.slice(i, q.end);
      } else norm += ' ';
      i = q.end;
      continue;
    }
    const ch = sql[i]!;
    if (ch === ';') {
      flushWord();
      settleEnd(undefined);
    }
    if (ch === ';' && depth === 0) {
      finish(i);
      i++;
      continue;
    }
    if (/[\w$]/.test(ch)) word += ch;
    else flushWord();
    if (start < 0 && !/\s/.test(ch)) start = i;
    norm += ch;
    i++;
  }
  finish(sql.length);
  return out;
}
