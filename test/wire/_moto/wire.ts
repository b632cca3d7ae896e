/**
 * The frame of a wire story: one moto per test file (started in beforeAll, stopped by pid
 * in afterAll), a working directory, and `dbops(...)` that runs bin/dbops as a process
 * against that moto with dummy credentials (no TTY, a clean environment).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { runDbops, splitArgs, type RunResult } from '../../_helpers/run-dbops.js';
import { tempDir } from '../../_helpers/tmp.js';
import { violations, type WireRun } from './least-privilege.js';
import { readback, type Readback } from './readback.js';
import { startMoto, type Moto, type WireRequest } from './server.js';

export interface WireStory {
  moto: Moto;
  aws: Readback;
  /** A readback client set for another region. */
  awsIn(region: string): Readback;
  dir: string;
  dbops(args: string | string[], env?: Record<string, string | undefined>): Promise<RunResult>;
  /** The requests dbops sent while `fn` ran. */
  during(fn: () => Promise<unknown>): Promise<WireRequest[]>;
  /** Every dbops run of the story with the operations it sent (the least-privilege proof). */
  runs: WireRun[];
}

/** Reads and lists: everything else is a write. */
export const READ_ONLY = /^(Describe|List|Get)/;

export function wireStory(): WireStory {
  const story = { dir: tempDir('wire-story-'), runs: [] as WireRun[] } as WireStory;
  beforeAll(async () => {
    story.moto = await startMoto();
    story.aws = readback(story.moto);
  }, 120_000);
  afterAll(async () => {
    await story.moto?.stop();
    // A scheduled command's task role allows only its row of src/lib/providers/aws/operations.ts.
    const denied = violations(story.runs);
    if (denied.length > 0) throw new Error(`least privilege: ${denied.join('; ')}`);
  });
  story.awsIn = (region) => readback(story.moto, region);
  story.dbops = async (args, env = {}) => {
    const argv = typeof args === 'string' ? splitArgs(args) : args;
    const before = story.moto.requests().length;
    const result = await runDbops(argv, {
      cwd: story.dir,
      env: { HOME: story.dir, AWS_EC2_METADATA_DISABLED: 'true', DBOPS_HOME: story.dir, ...story.moto.env(), ...env },
      timeoutMs: 90_000,
    });
    story.runs.push(recordCommandOperations(argv, story.moto.requests().slice(before)));
    return result;
  };
  story.during = async (fn) => {
    const before = story.moto.requests().length;
    await fn();
    return story.moto
      .requests()
      .slice(before)
      .filter((r) => r.agent === 'dbops');
  };
  return story;
}

/**
 * Where each run's operations are appended under the words of the command it ran
 * (`{"words":["backup","status"],"operations":["rds:DescribeDBInstances",...]}`), for the
 * least-privilege proof of the schedule's IAM policies (test/wire/schedule-iam.test.ts).
 */
export function wireCommandsFile(): string | undefined {
  const root = process.env.DBOPS_TEST_TMP_ROOT;
  return root ? join(root, 'wire-commands.jsonl') : undefined;
}

/** The leading words of an argv before its first option: the command path as typed. */
export function commandWords(argv: string[]): string[] {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  return words;
}

function recordCommandOperations(argv: string[], requests: WireRequest[]): WireRun {
  const file = wireCommandsFile();
  const run = {
    words: commandWords(argv),
    operations: [...new Set(requests.filter((r) => r.agent === 'dbops').map((r) => `${r.service}:${r.action}`))].sort(),
  };
  if (file && run.operations.length > 0) appendFileSync(file, `${JSON.stringify(run)}\n`);
  return run;
}
