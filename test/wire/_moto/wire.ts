/**
 * The frame of a wire story: one moto per test file (started in beforeAll, stopped by pid
 * in afterAll), a working directory, and `dbops(...)` that runs bin/dbops as a process
 * against that moto with dummy credentials (no TTY, a clean environment).
 */
import { afterAll, beforeAll } from 'vitest';
import { runDbops, splitArgs, type RunResult } from '../../_helpers/run-dbops.js';
import { tempDir } from '../../_helpers/tmp.js';
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
}

/** Reads and lists: everything else is a write. */
export const READ_ONLY = /^(Describe|List|Get)/;

export function wireStory(): WireStory {
  const story = { dir: tempDir('wire-story-') } as WireStory;
  beforeAll(async () => {
    story.moto = await startMoto();
    story.aws = readback(story.moto);
  }, 120_000);
  afterAll(async () => {
    await story.moto?.stop();
  });
  story.awsIn = (region) => readback(story.moto, region);
  story.dbops = (args, env = {}) =>
    runDbops(typeof args === 'string' ? splitArgs(args) : args, {
      cwd: story.dir,
      env: { HOME: story.dir, AWS_EC2_METADATA_DISABLED: 'true', DBOPS_HOME: story.dir, ...story.moto.env(), ...env },
      timeoutMs: 90_000,
    });
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
