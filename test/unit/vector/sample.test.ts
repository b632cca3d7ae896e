import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/lib/errors.js';
import { parseQueriesFile, samplePercent, seedValue } from '../../../src/lib/vector/sample.js';

describe('queries file', () => {
  it('reads a JSON array of vectors', () => {
    expect(parseQueriesFile('[[1,2,3],[4,5,6]]', 'q.json', 3)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(parseQueriesFile('[{"embedding":[1,2]},{"vector":[3,4]}]', 'q.json', 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('reads NDJSON, one vector or {"embedding": [...]} a line, blank lines ignored', () => {
    expect(parseQueriesFile('[1,2]\n\n{"embedding":[3,4],"text":"hi"}\n', 'q.ndjson', 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(parseQueriesFile('[0.5,0.25]', 'one.ndjson', 2)).toEqual([[0.5, 0.25]]);
  });

  it('names the file and line of a bad vector', () => {
    expect(() => parseQueriesFile('[1,2]\n[1,2,3]\n', 'q.ndjson', 2)).toThrow(
      'q.ndjson, line 2: the vector has 3 dimensions, the column has 2.',
    );
    expect(() => parseQueriesFile('[1,2]\nnot json\n', 'q.ndjson', 2)).toThrow(/^q\.ndjson, line 2: not valid JSON/);
    expect(() => parseQueriesFile('[1,2]\n["a","b"]\n', 'q.ndjson', 2)).toThrow(
      'q.ndjson, line 2: expected an array of numbers (or {"vector": [...]}).',
    );
    expect(() => parseQueriesFile('  \n', 'q.ndjson', 2)).toThrow(UsageError);
    expect(() => parseQueriesFile('  \n', 'q.ndjson', 2)).toThrow('The queries file q.ndjson is empty.');
  });

  it('accepts any dimensions when the column has none', () => {
    expect(parseQueriesFile('[1]\n[1,2]', 'q', null)).toEqual([[1], [1, 2]]);
  });
});

describe('sampling', () => {
  it("maps a seed into setseed's range", () => {
    expect(seedValue(42)).toBe(0.000042);
    expect(seedValue(-7)).toBe(0.000007);
    expect(seedValue(2_000_001)).toBe(0.000001);
  });

  it('asks TABLESAMPLE for about four times the rows needed, within (0, 100]', () => {
    expect(samplePercent(100, 1_000_000)).toBe(0.04);
    expect(samplePercent(100, 60_000)).toBe(0.667);
    expect(samplePercent(100, 1000)).toBe(40);
    expect(samplePercent(100, 100)).toBe(100);
    expect(samplePercent(1, 1e12)).toBe(0.0001);
  });
});
