/**
 * `dbops dr-drill --interactive` as a game day, in a pseudo-terminal (`script` from
 * util-linux): each manual step is shown, timed and closed by the operator with a note;
 * a failed manual step fails the drill (exit 1), and the record holds the answers.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DBOPS_BIN, cleanEnv } from '../_helpers/run-dbops.js';
import { startSource, type Source } from '../integration/restore/_setup.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal's escape sequences on purpose
const ANSI_ALL = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[()][A-Z0-9]|\r/g;
const DOWN = '\u001b[B';

let src: Source;

beforeAll(async () => {
  src = await startSource('dbops-drill-pty-');
  await src.provider.copySnapshot({
    snapshotId: src.snapshotId,
    targetRegion: 'us-west-2',
    targetSnapshotId: `${src.snapshotId}-copy`,
    copyTags: true,
    tags: {},
  });
});

afterAll(async () => {
  await src?.destroy();
});

function inPty(command: string, cwd: string) {
  const env = cleanEnv({ TERM: 'xterm', DBOPS_HOME: src.home, DBOPS_PROVIDER: 'local', DBOPS_DATABASE__IDENTIFIER: src.id });
  delete (env as Record<string, string | undefined>).CI;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let seen = 0;
  child.stdout.on('data', (d: Buffer) => (screen += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (screen += d.toString('utf8')));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    text: () => screen.replace(ANSI_ALL, ''),
    async answer(needle: string, keys: string): Promise<void> {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const at = screen.replace(ANSI_ALL, '').indexOf(needle, seen);
        if (at >= 0) {
          seen = at + needle.length;
          break;
        }
        if (Date.now() > deadline) throw new Error(`"${needle}" did not appear; screen:\n${screen.replace(ANSI_ALL, '').slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.stdin.write(keys);
    },
    exited,
  };
}

describe('dbops dr-drill --interactive in a pseudo-terminal', () => {
  it('shows each manual step, records done / failed with notes; the failed one fails the drill', async () => {
    const report = join(src.home, 'game-day.md');
    const pty = inPty(`${process.execPath} ${DBOPS_BIN} dr-drill --interactive --participant Ada --report ${report}`, src.home);
    await pty.answer('DR-15: how did it go?', '\r');
    await pty.answer('DR-15: note', 'app switched to the recovery\r');
    await pty.answer('DR-16: how did it go?', `${DOWN}\r`);
    await pty.answer('DR-16: note', 'status page down\r');
    const code = await pty.exited;
    const text = pty.text();
    expect(code, text.slice(-3000)).toBe(1);
    expect(text).toContain('Point the application at the recovered database (manual)');
    const md = await readFile(report, 'utf8');
    expect(md).toMatch(/^# DR drill \w+: FAILED\n/);
    expect(md).toMatch(
      /\| DR-15 \| Point the application at the recovered database \(manual\) \| ok: done \| .+ \| .+ \| app switched to the recovery \|/,
    );
    expect(md).toMatch(/\| DR-16 \| Tell the stakeholders \(manual\) \| failed: failed \| .+ \| .+ \| status page down \|/);
    expect(md).toContain('The manual steps were exercised and timed: the RTO includes them.');
    expect(md).toContain('| DR-16 | Manual step DR-16 Tell the stakeholders failed: status page down. |');
    expect((await src.provider.forRegion('us-west-2').listInstances()).map((i) => i.id)).toEqual([]);
  });
});
