import { describe, expect, it } from 'vitest';
import { registerSecret, Secret } from '../../../src/lib/secret.js';
import { testOutput } from '../../_helpers/output.js';

const ESC = '\u001b';

describe('result() with --json', () => {
  it('writes exactly one parseable JSON document to stdout; notes go to stderr', async () => {
    // GIVEN a JSON output
    const t = await testOutput({ json: true });
    // WHEN the command logs, warns, shows progress and then prints its result
    t.out.info('looking up the instance');
    t.out.warn('the instance is stopped');
    t.out.progress('waiting').succeed('done');
    t.out.result({ id: 'recipe-db-primary', status: 'available', size: 20 }, () => 'HUMAN TEXT');
    // THEN stdout is the JSON document and nothing else, and the rest is on stderr
    expect(JSON.parse(t.stdout())).toStrictEqual({ id: 'recipe-db-primary', status: 'available', size: 20 });
    expect(t.stdout().endsWith('}\n')).toBe(true);
    expect(t.stdout()).not.toContain('HUMAN TEXT');
    expect(t.stderrLines()).toEqual(['looking up the instance', 'warning: the instance is stopped', '… waiting', '✔ done']);
  });

  it('renders dates as ISO strings, bigints as strings and secrets as [redacted]', async () => {
    const t = await testOutput({ json: true });
    t.out.result({ at: new Date('2026-11-22T04:30:05Z'), bytes: 12345678901234567890n, password: new Secret('s3cret-value') }, () => '');
    expect(JSON.parse(t.stdout())).toStrictEqual({ at: '2026-11-22T04:30:05.000Z', bytes: '12345678901234567890', password: '[redacted]' });
    expect(t.stdout()).not.toContain('s3cret-value');
  });
});

describe('result() for humans', () => {
  it('writes the rendered text to stdout with one final newline', async () => {
    const t = await testOutput();
    t.out.result({ n: 2 }, (v) => `two is ${v.n}`);
    t.out.result({ n: 3 }, (v) => `three is ${v.n}\n`);
    expect(t.stdout()).toBe('two is 2\nthree is 3\n');
    expect(t.stderr()).toBe('');
  });

  it('writes nothing for an empty rendering', async () => {
    const t = await testOutput();
    t.out.result(null, () => '');
    expect(t.stdout()).toBe('');
  });

  it('colours stdout only when stdout is a TTY', async () => {
    // GIVEN stderr a TTY but stdout piped
    const piped = await testOutput({ stderrTTY: true, stdoutTTY: false });
    piped.out.result('x', (v, c) => c.red(v));
    expect(piped.stdout()).toBe('x\n');
    // GIVEN both TTYs THEN the rendering is coloured (so the test above can fail)
    const tty = await testOutput({ tty: true });
    tty.out.result('x', (v, c) => c.red(v));
    expect(tty.stdout()).toContain(ESC);
  });
});

describe('colour', () => {
  async function everything(opts: Parameters<typeof testOutput>[0]) {
    const t = await testOutput({ verbose: true, ...opts });
    t.out.result({ ok: true }, (_v, c) => `${c.green('ok')} ${c.bold('bold')}`);
    t.out.info(t.out.c.cyan('info'));
    t.out.success('created');
    t.out.warn('careful');
    t.out.error('broken');
    t.out.debug('details');
    return t;
  }

  it('uses no ANSI escape anywhere when the streams are not TTYs', async () => {
    const t = await everything({ color: true, tty: false });
    const p = t.out.progress('working');
    p.update('still working');
    p.fail('gave up');
    expect(t.stdout() + t.stderr()).not.toContain(ESC);
    expect(t.stderrLines()).toEqual(['info', '✔ created', 'warning: careful', 'error: broken', 'details', '… working', '✖ gave up']);
  });

  it('uses no ANSI escape when colour is off, even on a TTY', async () => {
    const t = await everything({ color: false, tty: true });
    expect(t.stdout() + t.stderr()).not.toContain(ESC);
    expect(t.stdout()).toBe('ok bold\n');
  });

  it('colours on a TTY with colour on (control case)', async () => {
    const t = await everything({ color: true, tty: true });
    expect(t.stderr()).toContain(`${ESC}[33mwarning:${ESC}[39m careful`);
    expect(t.stderr()).toContain(`${ESC}[31merror:${ESC}[39m broken`);
  });
});

describe('quiet and verbose', () => {
  it('quiet suppresses info, success and progress but not warnings or errors', async () => {
    // GIVEN --quiet
    const t = await testOutput({ quiet: true });
    // WHEN everything is said
    t.out.info('info');
    t.out.success('created');
    const p = t.out.progress('working');
    p.succeed('worked');
    t.out.warn('careful');
    t.out.error('broken');
    // THEN only the warning and the error reach stderr
    expect(t.stderrLines()).toEqual(['warning: careful', 'error: broken']);
    expect(t.out.quiet).toBe(true);
  });

  it('debug prints only with verbose', async () => {
    const quietish = await testOutput();
    quietish.out.debug('details');
    expect(quietish.stderr()).toBe('');
    const verbose = await testOutput({ verbose: true });
    verbose.out.debug('details');
    expect(verbose.stderr()).toBe('details\n');
  });
});

describe('progress without a TTY', () => {
  it('prints a start line and one end line, whatever the updates', async () => {
    // GIVEN a progress on a pipe
    const t = await testOutput();
    const p = t.out.progress('Restoring snapshot');
    // WHEN it is updated many times and ended (twice)
    for (let i = 0; i < 5; i++) p.update(`Restoring snapshot ${i * 20}%`);
    p.succeed();
    p.fail('late failure');
    // THEN exactly two lines: the start and the first end, with the last text
    expect(t.stderrLines()).toEqual(['… Restoring snapshot', '✔ Restoring snapshot 80%']);
  });

  it('prints no end line after stop()', async () => {
    const t = await testOutput();
    const p = t.out.progress('Waiting');
    p.stop();
    p.succeed('done');
    expect(t.stderrLines()).toEqual(['… Waiting']);
  });

  it('uses line progress under CI even on a TTY', async () => {
    const t = await testOutput({ tty: true, ci: true, color: false });
    t.out.progress('Waiting').fail('timed out');
    expect(t.stderrLines()).toEqual(['… Waiting', '✖ timed out']);
  });

  it('is not interactive when stderr is not a TTY', async () => {
    const t = await testOutput({ tty: false });
    expect(t.out.interactive).toBe(false);
  });
});

describe('secrets', () => {
  it('never reach stdout or stderr once registered', async () => {
    // GIVEN a registered password and a registered Secret
    const password = 'correct-horse-battery';
    registerSecret(password);
    const token = new Secret('tok-9f8e7d6c5b');
    registerSecret(token);
    for (const json of [true, false]) {
      const t = await testOutput({ json });
      // WHEN they are written through every channel
      t.out.result({ url: `postgres://admin:${password}@db:5432/app`, password, token: token.reveal() }, (v) => `${v.password} ${v.token}`);
      t.out.info(`connecting with ${password}`);
      t.out.warn(`token ${token.reveal()}`);
      t.out.error(`auth failed for ${password}`);
      const p = t.out.progress(`login ${password}`);
      p.update(`login ${token.reveal()}`);
      p.succeed();
      // THEN neither value appears, [redacted] does
      const all = t.stdout() + t.stderr();
      expect(all).not.toContain(password);
      expect(all).not.toContain(token.reveal());
      expect(all).toContain('[redacted]');
    }
  });

  it('are redacted from JSON even when JSON escaping changes them', async () => {
    // GIVEN a password with a quote and a backslash
    const password = 'pa"ss\\word-42';
    registerSecret(password);
    const t = await testOutput({ json: true });
    t.out.result({ password }, () => '');
    // THEN neither the raw nor the JSON-escaped form reaches stdout
    expect(t.stdout()).not.toContain(password);
    expect(t.stdout()).not.toContain(JSON.stringify(password).slice(1, -1));
    expect(JSON.parse(t.stdout())).toStrictEqual({ password: '[redacted]' });
  });
});
