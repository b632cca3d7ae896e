/**
 * The CLI as a process: exit codes, --json, help, bad input. No TTY, as cron runs it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANSI, runDbops } from '../_helpers/run-dbops.js';
import { tempDir } from '../_helpers/tmp.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const cwd = tempDir('dbops-e2e-');
const ALL_COMMANDS = [
  'init',
  'provision',
  'audit',
  'instances',
  'status',
  'snapshot',
  'backup',
  'restore-test',
  'dr-drill',
  'gc',
  'migrate',
  'heartbeat',
  'vector',
  'free-tier-report',
  'psql',
  'config',
  'runbook',
];

function writeConfig(name: string, text: string): string {
  const file = join(cwd, name);
  writeFileSync(file, text);
  return file;
}

describe('dbops as a process', () => {
  it('prints its version', async () => {
    const r = await runDbops('--version', { cwd });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('lists every command in --help, with exit codes, and no ANSI without a TTY', async () => {
    const r = await runDbops('--help', { cwd });
    expect(r.exitCode).toBe(0);
    for (const name of [...ALL_COMMANDS, 'help']) expect(r.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(r.stdout).toContain('130  interrupted');
    expect(r.stdout).not.toMatch(ANSI);
  });

  it('serves --help from the build cache exactly as the program prints it', async () => {
    // GIVEN the cached help (dist/help.txt) and the help commander prints itself
    const cached = await runDbops('--help', { cwd });
    const live = await runDbops('help', { cwd });
    // THEN they are the same text: the cache is never stale after a build
    expect(cached.stdout).toBe(live.stdout);
    expect(cached.stdout).toContain('Usage: dbops [options] [command]');
  });

  it('walks subcommands in `dbops help <command> <subcommand>`', async () => {
    const r = await runDbops('help migrate up', { cwd });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Usage: dbops migrate up [options]');
    const bad = await runDbops('help migrate nope', { cwd });
    expect(bad.exitCode).toBe(2);
  });

  it('names the runbook in `dbops help <command>`, and `dbops runbook` prints it, one section, or a clear refusal', async () => {
    // GIVEN a command that follows a runbook and one whose findings point into one
    const help = await runDbops('help restore-test', { cwd });
    expect(help.stdout).toContain('Runbook: runbooks/restore-test.md (print it: dbops runbook restore-test)');
    expect((await runDbops('help free-tier-report', { cwd })).stdout).toContain('Runbook: runbooks/free-tier.md');
    // WHEN the engineer asks for the step an error named THEN only that step, no colour without a TTY
    const step = await runDbops('runbook restore-test RT-5', { cwd });
    expect([step.exitCode, step.stdout.split('\n')[0]]).toEqual([0, 'RT-5 Check physical integrity']);
    expect(step.stdout).not.toContain('RT-6');
    expect(step.stdout).not.toMatch(ANSI);
    // AND the index without a name, a finding's address as printed, JSON with the ids
    expect((await runDbops('runbook', { cwd })).stdout).toContain('Alert → runbook');
    expect((await runDbops('runbook runbooks/free-tier.md#FT-R3', { cwd })).stdout).toMatch(/^FT-R3 RDS backup storage/);
    const json = JSON.parse((await runDbops('runbook migrate --json', { cwd })).stdout) as { file: string; ids: string[] };
    expect(json.file).toBe('runbooks/migrate.md');
    expect(json.ids.slice(0, 2)).toEqual(['MG-1', 'MG-2']);
    // AND an unknown name or step: one sentence, the valid ones, exit 2
    const bad = await runDbops('runbook restor-test', { cwd });
    expect([bad.exitCode, bad.stderr.split('\n')[0]]).toEqual([2, 'error: There is no runbook "restor-test".']);
    expect(bad.stderr).toMatch(/^hint: The runbooks: .*restore-test/m);
    const badStep = await runDbops('runbook restore-test RT-99', { cwd });
    expect([badStep.exitCode, badStep.stderr.split('\n')[0]]).toEqual([2, 'error: Runbook restore-test has no step or section RT-99.']);
  });

  it('shows examples in `dbops help <command>`', async () => {
    for (const cmd of ALL_COMMANDS) {
      const r = await runDbops(['help', cmd], { cwd });
      expect(r.exitCode, cmd).toBe(0);
      expect(r.stdout, cmd).toContain('Examples:');
      expect(r.stdout, cmd).toContain(`$ dbops ${cmd}`);
    }
  });

  it('rejects an unknown command with one sentence, a hint and exit 2', async () => {
    const r = await runDbops('instancez', { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: Unknown command 'instancez'/);
    expect(r.stderr).toContain('Did you mean instances?');
    expect(r.stderr).toMatch(/^hint: run `dbops help`/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown option with exit 2 and points at the command help', async () => {
    const r = await runDbops('instances list --colour', { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: Unknown option '--colour'/);
    expect(r.stderr).toContain('hint: run `dbops help instances`');
  });

  it('rejects a bad number for an integer option', async () => {
    const r = await runDbops('instances create x --port abc --dry-run', { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--port expects a whole number, got "abc"');
  });

  it('parses numbers, sizes and required values once, before any connection: exit 2, one sentence, a hint', async () => {
    // GIVEN vector build against a URL nothing listens on WHEN a value is bad THEN exit 2 before connecting
    const url = 'postgres://nobody@127.0.0.1:1/none';
    const workers = await runDbops(['vector', 'build', '--url', url, '--table', 't', '--parallel-workers', '65'], { cwd });
    expect([workers.exitCode, workers.stderr.split('\n')[0]]).toEqual([
      2,
      'error: --parallel-workers must be a whole number from 0 to 64, got 65.',
    ]);
    const memory = await runDbops(['vector', 'tune', '--url', url, '--table', 't', '--maintenance-work-mem', 'plenty'], { cwd });
    expect(memory.exitCode).toBe(2);
    expect(memory.stderr).toBe(
      'error: --maintenance-work-mem expects a memory size such as 256MB or 1GB, got "plenty".\nhint: Units as in postgresql.conf: kB, MB, GB, TB.\n',
    );
    const table = await runDbops(['vector', 'tune', '--url', url], { cwd });
    expect(table.exitCode).toBe(2);
    expect(table.stderr).toBe(
      'error: --table is required: the table that holds the vectors.\nhint: `dbops vector status` lists the vector columns.\n',
    );
    const k = await runDbops(['vector', 'tune', '--url', url, '--table', 't', '--k', 'ten'], { cwd });
    expect([k.exitCode, k.stderr]).toEqual([
      2,
      'error: --k expects a whole number, got "ten".\nhint: run `dbops help vector` for the commands, options and examples.\n',
    ]);
  });

  it('reports a YAML syntax error with file, line and column, exit 2', async () => {
    const file = writeConfig('syntax.yaml', 'provider: local\nregion: [us-east-2\n');
    const r = await runDbops(['config', 'show', '--config', file], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}:`);
    expect(r.stderr).toMatch(/the YAML does not parse/);
    expect(r.stdout).toBe('');
  });

  it('reports a wrong type with the key path, expected and found', async () => {
    const file = writeConfig('type.yaml', 'database:\n  allocatedStorageGb: twenty\n');
    const r = await runDbops(['config', 'validate', file], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}: database.allocatedStorageGb: expected number, found the string "twenty"`);
  });

  it('rejects an unknown key', async () => {
    const file = writeConfig('unknown.yaml', 'provider: local\ndatabse:\n  identifier: x\n');
    const r = await runDbops(['config', 'validate', file], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${file}: databse: unknown key`);
  });

  it('validates a good file with exit 0', async () => {
    const file = writeConfig('good.yaml', 'provider: aws\nregion: eu-west-1\ndatabase:\n  instanceClass: db.t4g.micro\n');
    const r = await runDbops(['config', 'validate', file, '--json'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ file, valid: true });
  });

  it('shows the effective config with each source, flags over env over file', async () => {
    const file = writeConfig('dbops.config.yaml', 'region: eu-west-1\ndatabase:\n  instanceClass: db.t3.small\n');
    const r = await runDbops(['config', 'show', '--json', '--provider', 'aws'], {
      cwd,
      env: { DBOPS_REGION: 'eu-central-1', DBOPS_DATABASE__BACKUP_RETENTION_DAYS: '14' },
    });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as { file: string; entries: { key: string; value: unknown; source: string }[] };
    const entry = (key: string) => doc.entries.find((e) => e.key === key);
    expect(doc.file).toBe(file);
    expect(entry('provider')).toEqual({ key: 'provider', value: 'aws', source: 'flag --provider' });
    expect(entry('region')).toEqual({ key: 'region', value: 'eu-central-1', source: 'env DBOPS_REGION' });
    expect(entry('database.instanceClass')).toEqual({ key: 'database.instanceClass', value: 'db.t3.small', source: file });
    expect(entry('database.backupRetentionDays')).toEqual({
      key: 'database.backupRetentionDays',
      value: 14,
      source: 'env DBOPS_DATABASE__BACKUP_RETENTION_DAYS',
    });
    expect(entry('database.allocatedStorageGb')).toEqual({ key: 'database.allocatedStorageGb', value: 20, source: 'default' });
  });

  it('writes a JSON error document on stdout with --json when the command fails', async () => {
    const file = writeConfig('type2.yaml', 'region: nowhere\n');
    const r = await runDbops(['instances', '--json', '--config', file], { cwd });
    expect(r.exitCode).toBe(2);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; exitCode: number } };
    expect(doc.ok).toBe(false);
    expect(doc.error).toMatchObject({ code: 'config', exitCode: 2 });
  });

  it('says when AWS credentials are missing (exit 3)', async () => {
    const r = await runDbops('instances --provider aws --region us-east-2', {
      cwd: tmpdir(),
      env: {
        AWS_CONFIG_FILE: join(cwd, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(cwd, 'none'),
        AWS_EC2_METADATA_DISABLED: 'true',
        DBOPS_AWS__MAX_ATTEMPTS: '1',
      },
    });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/^error: No AWS credentials found\./m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('says when the AWS endpoint cannot be reached (exit 3)', async () => {
    const r = await runDbops('instances --provider aws --region us-east-2 --endpoint-url http://127.0.0.1:9', {
      cwd: tmpdir(),
      env: {
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        DBOPS_AWS__MAX_ATTEMPTS: '1',
      },
    });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/Cannot reach the AWS endpoint/);
    expect(r.stderr).not.toContain('wJalrXUtnFEMI');
  });

  it('rejects an invalid region in config with exit 2', async () => {
    const r = await runDbops('instances --region mars-1', { cwd: tmpdir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('region: expected an AWS region such as us-east-2');
  });
});

describe('--quiet, for cron', () => {
  it('prints nothing on success, and the result when the exit code is not 0', async () => {
    // GIVEN a valid and an invalid config
    const good = writeConfig('quiet-good.yaml', 'provider: local\n');
    // WHEN validated quietly THEN nothing is printed at all
    const ok = await runDbops(['config', 'validate', good, '--quiet'], { cwd });
    expect([ok.exitCode, ok.stdout, ok.stderr]).toEqual([0, '', '']);
    // AND without --quiet the same command prints its result
    expect((await runDbops(['config', 'validate', good], { cwd })).stdout).toContain('valid');
    // AND --json is never held back
    expect(JSON.parse((await runDbops(['config', 'validate', good, '--quiet', '--json'], { cwd })).stdout)).toMatchObject({ valid: true });
  });
});
