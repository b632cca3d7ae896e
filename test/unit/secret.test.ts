import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redact, registerSecret, Secret } from '../../src/lib/secret.js';

describe('Secret', () => {
  const secret = new Secret('hunter2-hunter2');

  it('shows [redacted] in every ordinary rendering', () => {
    // GIVEN a secret WHEN turned into text any usual way THEN the value never shows
    expect(String(secret)).toBe('[redacted]');
    expect(`${secret}`).toBe('[redacted]');
    expect(`password=${secret}`).toBe('password=[redacted]');
    expect(JSON.stringify(secret)).toBe('"[redacted]"');
    expect(JSON.stringify({ password: secret })).toBe('{"password":"[redacted]"}');
    expect(inspect(secret)).toBe('[redacted]');
    expect(inspect({ nested: { password: secret } }, { depth: 5 })).not.toContain('hunter2');
  });

  it('gives the value only through reveal()', () => {
    expect(secret.reveal()).toBe('hunter2-hunter2');
  });
});

describe('redact', () => {
  it.each([
    ['postgres://admin:s3cret@db.example.com:5432/app', 'postgres://admin:[redacted]@db.example.com:5432/app'],
    ['postgresql://admin:s3cret@db/app?sslmode=require', 'postgresql://admin:[redacted]@db/app?sslmode=require'],
    ['PG: POSTGRES://u:p@h/d and postgres://v:q@i/e', 'PG: POSTGRES://u:[redacted]@h/d and postgres://v:[redacted]@i/e'],
    ['postgres://admin@db/app', 'postgres://admin@db/app'],
    ['postgres://db:5432/app', 'postgres://db:5432/app'],
    ['mysql://admin:s3cret@db:3306/app', 'mysql://admin:[redacted]@db:3306/app'],
    ['Use postgres://user:password@host:5432/dbname.', 'Use postgres://user:password@host:5432/dbname.'],
    ['no url here', 'no url here'],
  ])('%s -> %s', (input, output) => {
    expect(redact(input)).toBe(output);
  });

  it('removes every occurrence of a registered value', () => {
    // GIVEN a registered value WHEN it appears twice THEN both are replaced
    registerSecret('tok-abcdef');
    expect(redact('a tok-abcdef b tok-abcdef')).toBe('a [redacted] b [redacted]');
  });

  it('registers the value of a Secret', () => {
    registerSecret(new Secret('from-a-secret-object'));
    expect(redact('value: from-a-secret-object')).toBe('value: [redacted]');
  });

  it('ignores values too short to be secrets (they would shred ordinary text)', () => {
    registerSecret('abc');
    expect(redact('abc abcd')).toBe('abc abcd');
  });
});
