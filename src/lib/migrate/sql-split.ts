/**
 * Splits SQL text into statements the way PostgreSQL reads it: `--` and nested `/* *\/`
 * comments, '...' and E'...' strings, "quoted" identifiers, $tag$ dollar quotes,
 * parentheses, and `BEGIN ATOMIC ... END` bodies of SQL-standard functions. Each statement
 * also gets a normalized form (comments removed, literals emptied, whitespace collapsed)
 * that the linter matches on. Pure functions, no PostgreSQL needed.
 */

/** One statement of a migration file. */
export interface SqlStatement {
  /** The statement as written (without the terminating semicolon), trimmed. */
  text: string;
  /**
   * The statement with comments removed, string and dollar-quoted literals emptied ('' and
   * $$$$) and whitespace collapsed to single spaces: what rules match on.
   */
  normalized: string;
  /** 1-based line where the statement starts (its first token, after comments). */
  line: number;
  /** Offset of the statement's first token in the file text. */
  offset: number;
}

interface Cursor {
  sql: string;
  i: number;
}

/** Index just after the comment, string or quoted part starting at `i`, or -1 when none starts there. */
function skipQuoted(c: Cursor): { end: number; kind: 'comment' | 'string' | 'ident' | 'dollar' } | undefined {
  const { sql, i } = c;
  const ch = sql[i];
  const next = sql[i + 1];
  if (ch === '-' && next === '-') {
    const nl = sql.indexOf('\n', i);
    return { end: nl === -1 ? sql.length : nl, kind: 'comment' };
  }
  if (ch === '/' && next === '*') {
    let depth = 1;
    let j = i + 2;
    while (j < sql.length && depth > 0) {
      if (sql[j] === '/' && sql[j + 1] === '*') {
        depth++;
        j += 2;
      } else if (sql[j] === '*' && sql[j + 1] === '/') {
        depth--;
        j += 2;
      } else j++;
    }
    return { end: j, kind: 'comment' };
  }
  if (ch === "'") {
    const escapes = i > 0 && /[eE]/.test(sql[i - 1]!) && (i < 2 || !/[\w$]/.test(sql[i - 2]!));
    let j = i + 1;
    while (j < sql.length) {
      if (escapes && sql[j] === '\\') j += 2;
      else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
      else if (sql[j] === "'") return { end: j + 1, kind: 'string' };
      else j++;
    }
    return { end: sql.length, kind: 'string' };
  }
  if (ch === '"') {
    let j = i + 1;
    while (j < sql.length) {
      if (sql[j] === '"' && sql[j + 1] === '"') j += 2;
      else if (sql[j] === '"') return { end: j + 1, kind: 'ident' };
      else j++;
    }
    return { end: sql.length, kind: 'ident' };
  }
  if (ch === '$' && (i === 0 || !/[\w$]/.test(sql[i - 1]!))) {
    const m = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64));
    if (m) {
      const tag = m[0];
      const close = sql.indexOf(tag, i + tag.length);
      return { end: close === -1 ? sql.length : close + tag.length, kind: 'dollar' };
    }
  }
  return undefined;
}

/** Does the statement so far define a function or procedure (whose body may be BEGIN ATOMIC ... END)? */
function definesRoutine(normalizedSoFar: string): boolean {
  return /^create (or replace )?(function|procedure)\b/i.test(normalizedSoFar);
}

/** Splits SQL into statements; empty statements (only comments or semicolons) are dropped. */
export function splitStatements(sql: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  const c: Cursor = { sql, i: 0 };
  let start = -1;
  let norm = '';
  let parens = 0;
  let blocks = 0;
  let word = '';

  const flushWord = () => {
    if (word.length === 0) return;
    const w = word.toLowerCase();
    word = '';
    if (!definesRoutine(norm)) return;
    if (w === 'begin' || w === 'case') blocks++;
    else if (w === 'end' && blocks > 0) blocks--;
  };
  const emit = (end: number) => {
    flushWord();
    if (start >= 0) {
      out.push({
        text: sql.slice(start, end).trim(),
        normalized: norm.trim(),
        line: lineAt(sql, start),
        offset: start,
      });
    }
    start = -1;
    norm = '';
    parens = 0;
    blocks = 0;
  };
  const addNorm = (s: string) => {
    if (s === ' ') {
      if (norm.length > 0 && !norm.endsWith(' ')) norm += ' ';
    } else norm += s;
  };

  while (c.i < sql.length) {
    const q = skipQuoted(c);
    if (q) {
      flushWord();
      if (q.kind === 'comment') addNorm(' ');
      else {
        if (start < 0) start = c.i;
        const raw = sql.slice(c.i, q.end);
        addNorm(q.kind === 'string' ? "''" : q.kind === 'dollar' ? '$$$$' : raw);
      }
      c.i = q.end;
      continue;
    }
    const ch = sql[c.i]!;
    if (!/[\w$]/.test(ch)) flushWord();
    if (/\s/.test(ch)) {
      addNorm(' ');
    } else if (ch === ';' && parens === 0 && blocks === 0) {
      emit(c.i);
    } else {
      if (start < 0) start = c.i;
      if (/[\w$]/.test(ch)) word += ch;
      if (ch === '(') parens++;
      else if (ch === ')' && parens > 0) parens--;
      norm += ch;
    }
    c.i++;
  }
  emit(sql.length);
  return out;
}

/** 1-based line number of an offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
