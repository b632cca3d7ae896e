import { describe, expect, it } from 'vitest';
import { delimiterLine, splitMysqlStatements } from '../../../src/lib/engines/mysql/split.js';

describe('splitMysqlStatements', () => {
  it('splits on semicolons outside strings, identifiers and comments', () => {
    const sql = "-- a comment\nCREATE TABLE a (id int); # another\nINSERT INTO a VALUES (1), ('x;y\\';z');\nSELECT `a;b` FROM t /* ; */;\n";
    expect(splitMysqlStatements(sql).map((s) => [s.line, s.normalized])).toEqual([
      [2, 'CREATE TABLE a (id int)'],
      [3, "INSERT INTO a VALUES (1), ('')"],
      [4, 'SELECT `a;b` FROM t'],
    ]);
  });

  it('keeps the BEGIN … END body of a stored program as one statement', () => {
    const sql = [
      'CREATE PROCEDURE p()',
      'BEGIN',
      '  IF 1 THEN SELECT 1; END IF;',
      '  BEGIN SELECT CASE WHEN 1 THEN 2 END; END;',
      '  CASE 1 WHEN 1 THEN SELECT 3; END CASE;',
      '  WHILE 0 DO SELECT 4; END WHILE;',
      'END;',
      'CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW SET NEW.id = 1;',
      'SELECT 5;',
    ].join('\n');
    const out = splitMysqlStatements(sql);
    expect(out.map((s) => s.line)).toEqual([1, 8, 9]);
    expect(out[0]!.text.endsWith('END WHILE;\nEND')).toBe(true);
  });

  it('treats /*! … */ as code and -- without a space as an operator', () => {
    expect(splitMysqlStatements('SELECT 1 /*!50000 + 1 */; SELECT 2--1;').map((s) => s.normalized)).toEqual([
      'SELECT 1 /*!50000 + 1 */',
      'SELECT 2--1',
    ]);
  });
});

describe('delimiterLine', () => {
  it('finds a DELIMITER command at the start of a line', () => {
    expect(delimiterLine('SELECT 1;\n  DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\n')).toBe(2);
  });
  it('ignores the word inside strings, comments and other statements', () => {
    expect(delimiterLine("SELECT 'a\nDELIMITER x';\n-- DELIMITER //\nSELECT delimiter FROM t;")).toBeUndefined();
  });
});
