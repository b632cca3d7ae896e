/**
 * Telling a lost connection (the server died, the socket broke: exit 3, "Lost the database
 * connection") from a statement's error (a finding) and from dbops' own bug (exit 5).
 */
import { describe, expect, it } from 'vitest';
import { connectionLost, isConnectionLost, isStatementError } from '../../../src/lib/checks/sql-errors.js';
import { EnvironmentError, ExitCode, UsageError } from '../../../src/lib/errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isConnectionLost', () => {
  it.each([
    ['pg: the server closed the socket', new Error('Connection terminated unexpectedly')],
    ['pg: a query after the connection broke', new Error('Client has encountered a connection error and is not queryable')],
    ['pg: a query after the client was closed', new Error('Client was closed and is not queryable')],
    ['SQLSTATE 57P01 admin shutdown', withCode('terminating connection due to administrator command', '57P01')],
    ['SQLSTATE 08006 connection failure', withCode('connection failure', '08006')],
    ['ECONNRESET', withCode('read ECONNRESET', 'ECONNRESET')],
    ['EPIPE', withCode('write EPIPE', 'EPIPE')],
  ])('%s: lost', (_name, e) => {
    expect(isConnectionLost(e)).toBe(true);
    expect(isStatementError(e)).toBe(false);
  });

  it.each([
    ['a statement error (damage found)', withCode('invalid page in block 5 of relation base/16384/16385', 'XX001')],
    ["dbops' own bug", new TypeError("Cannot read properties of undefined (reading 'rows')")],
    ['a dbops error', new UsageError('Connection terminated by the user')],
  ])('%s: not lost', (_name, e) => {
    expect(isConnectionLost(e)).toBe(false);
  });

  it('connectionLost is one sentence naming what was being done, exit 3', () => {
    const e = connectionLost(
      new Error('Client has encountered a connection error and is not queryable'),
      'running RT-5 (Check physical integrity)',
    );
    expect(e).toBeInstanceOf(EnvironmentError);
    expect(e.exitCode).toBe(ExitCode.environment);
    expect(e.message).toBe(
      'Lost the database connection while running RT-5 (Check physical integrity): Client has encountered a connection error and is not queryable.',
    );
    expect(e.hint).toContain('dbops status');
  });
});
