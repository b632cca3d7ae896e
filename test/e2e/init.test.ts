/**
 * The whole `dbops init` once, as a person runs it: in a pseudo-terminal (`script` from
 * util-linux), answering each question as it appears. The file it writes must load.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/lib/config/load.js';
import { cleanEnv, DBOPS_BIN } from '../_helpers/run-dbops.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matches the ESC of ANSI sequences on purpose
const ANSI_ALL = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][AB0-2]|\r/g;
const DOWN = '\u001b[B';

const dir = mkdtempSync(join(tmpdir(), 'dbops-init-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A process in a pty whose screen we can wait on and type into. */
function inPty(command: string, cwd: string) {
  const env = cleanEnv({ TERM: 'xterm', HOME: cwd, AWS_EC2_METADATA_DISABLED: 'true', CI: undefined });
  delete (env as Record<string, string | undefined>).CI;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let seen = 0;
  child.stdout.on('data', (d: Buffer) => (screen += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (screen += d.toString('utf8')));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    text: () => screen.replace(ANSI_ALL, ''),
    /** Waits until the question `needle` (or, with `prompt: false`, the text) appears after what was already matched, then types `keys`. */
    async answer(needle: string, keys: string, opts: { prompt?: boolean } = {}): Promise<void> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const plain = screen.replace(ANSI_ALL, '');
        const at = plain.indexOf(opts.prompt === false ? needle : `? ${needle}`, seen);
        if (at >= 0) {
          seen = at + needle.length;
          break;
        }
        if (Date.now() > deadline) throw new Error(`"${needle}" did not appear; screen:\n${plain.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.stdin.write(keys);
    },
    exited,
  };
}

describe('dbops init in a pseudo-terminal', () => {
  it('asks, warns about leaving the free tier, shows the file and writes one that loads', async () => {
    // GIVEN a terminal in an empty directory
    const pty = inPty(`${process.execPath} ${DBOPS_BIN} init`, dir);
    // WHEN a person answers: aws, defaults, a bigger class, an email, a typed CIDR
    await pty.answer('Provider', `${DOWN}\r`);
    await pty.answer('AWS region', '\r');
    await pty.answer('AWS profile', '\r');
    await pty.answer('Database identifier', 'wizard-db\r');
    await pty.answer('Engine', '\r');
    await pty.answer('Engine version', '\r');
    await pty.answer('Instance class', `${DOWN}${DOWN}\r`);
    for (const q of [
      'Storage (GB',
      'Storage cap',
      'Multi-AZ',
      'Automated backup retention',
      'Backup window',
      'Maintenance window',
      'Keep weekly manual snapshots',
      'Copy the weekly snapshot',
      'DR region',
      'Keep DR copies',
    ]) {
      await pty.answer(q, '\r');
    }
    // The DR region's network for a region drill: a subnet group, and a bad security group id corrected
    await pty.answer('DR subnet group', 'dr-private\r');
    await pty.answer('DR security groups', 'sg-0123abcd, default\r');
    await pty.answer('"default" is not a security group id', '\u0015sg-0123abcd, sg-89ef0123\r', { prompt: false });
    for (const q of ['Recovery time objective', 'Recovery point objective', 'Provision a Redis cache', 'Cache node type']) {
      await pty.answer(q, '\r');
    }
    await pty.answer('Alarm email', 'oncall@example.com\r');
    await pty.answer('Monthly budget', '\r');
    await pty.answer('Budget alerts at', '\r');
    await pty.answer('Who may connect', `${DOWN}\r`);
    await pty.answer('Allowed CIDR', '0.0.0.0/0\r');
    await pty.answer('never opens the database to the whole internet', '\u0015203.0.113.7/32\r', { prompt: false });
    const code = await pty.exited;
    // THEN it said where it could not look, what leaves the free tier, and showed the file
    const text = pty.text();
    expect(code, text.slice(-3000)).toBe(0);
    expect(text).toContain('Could not read the AWS account id');
    expect(text).toContain('db.t3.small is outside the free tier (db.t3.micro / db.t4g.micro): about $26/month.');
    expect(text).toContain('Cross-region copies are not in the free tier');
    expect(text).toContain('# dbops configuration, written by `dbops init`.');
    expect(text).toMatch(/Wrote .*dbops\.config\.yaml/);
    // AND the file is valid and holds the answers
    const file = join(dir, 'dbops.config.yaml');
    const config = loadConfig({ cwd: dir, explicitPath: file, env: {}, flags: {} }).config;
    expect([
      config.provider,
      config.database.identifier,
      config.database.instanceClass,
      config.alarms.email,
      config.network.allowedCidr,
      config.recovery.drSubnetGroup,
      config.recovery.drSecurityGroupIds,
    ]).toEqual(['aws', 'wizard-db', 'db.t3.small', 'oncall@example.com', '203.0.113.7/32', 'dr-private', ['sg-0123abcd', 'sg-89ef0123']]);
    expect(readFileSync(file, 'utf8')).not.toMatch(/^\s*allowedCidr: 0\.0\.0\.0\/0/m);
  });
});
