/**
 * The schema of one MySQL database from information_schema, in the shape the restore
 * test's comparison reads (checks/schema.ts): tables and views, columns, indexes and
 * constraints, named `db`.`table` (index and constraint names are per table in MySQL, so
 * they carry their table), and dbops' migration history of that database. Pure mapping.
 */
import type { MigrationRow, SchemaSnapshot } from '../../checks/schema.js';
import { qualified, quoteIdent } from './sql.js';

export interface RelationRow {
  name: string;
  type: string;
}
export interface ColumnRow {
  tbl: string;
  name: string;
  type: string;
  nullable: string;
  dflt: string | null;
  extra: string | null;
}
export interface IndexRow {
  tbl: string;
  name: string;
  non_unique: number | string;
  type: string;
  cols: string;
}
export interface ConstraintRow {
  tbl: string;
  name: string;
  type: string;
  cols: string | null;
  ref_table: string | null;
  ref_cols: string | null;
}

const KINDS: Record<string, string> = { 'BASE TABLE': 'table', VIEW: 'view', SEQUENCE: 'sequence', 'SYSTEM VERSIONED': 'table' };

export function mysqlSchema(
  database: string,
  rows: { relations: RelationRow[]; columns: ColumnRow[]; indexes: IndexRow[]; constraints: ConstraintRow[] },
  migrations: MigrationRow[] | null,
): SchemaSnapshot {
  const q = (t: string) => qualified(database, t);
  return {
    relations: rows.relations.map((r) => ({ name: q(r.name), kind: KINDS[r.type] ?? r.type.toLowerCase() })),
    columns: rows.columns.map((c) => ({
      table: q(c.tbl),
      name: quoteIdent(c.name),
      definition: [
        c.type,
        c.nullable === 'NO' ? 'NOT NULL' : '',
        c.dflt !== null && c.dflt !== undefined ? `DEFAULT ${c.dflt}` : '',
        c.extra ? c.extra.toUpperCase() : '',
      ]
        .filter(Boolean)
        .join(' '),
    })),
    indexes: rows.indexes.map((i) => ({
      name: `${q(i.tbl)}.${quoteIdent(i.name)}`,
      table: q(i.tbl),
      definition: `${Number(i.non_unique) === 0 ? 'UNIQUE ' : ''}${i.type} (${i.cols})`,
    })),
    constraints: rows.constraints.map((c) => ({
      table: q(c.tbl),
      name: quoteIdent(c.name),
      definition:
        c.type === 'FOREIGN KEY'
          ? `FOREIGN KEY (${c.cols ?? ''}) REFERENCES ${quoteIdent(c.ref_table ?? '')} (${c.ref_cols ?? ''})`
          : c.cols
            ? `${c.type} (${c.cols})`
            : c.type,
    })),
    extensions: [],
    migrations,
  };
}
