/**
 * `dbops init`: walks the questions (questions.ts) with an injected `ask` function (the
 * CLI's asks with @inquirer/prompts on stderr; tests answer from a script), says the
 * free-tier note after each answer that leaves the free tier, shows the account id when
 * the provider is aws (STS; on failure it says so and goes on), then shows the file and
 * writes it, refusing to overwrite an existing one without confirmation or --force.
 */
import { access, writeFile } from 'node:fs/promises';
import type { Output } from '../output/output.js';
import type { Prompter } from '../context.js';
import { UsageError, messageOf } from '../errors.js';
import type { Identity } from '../providers/provision-types.js';
import { answersToConfig, configYaml } from './config-yaml.js';
import { costFacts, QUESTIONS, defaultAnswers, type Answers, type Choice, type Question } from './questions.js';
import { estimateParts, monthlyEstimate } from './costs.js';

/** One prompt as the asker sees it. */
export interface Ask {
  key: keyof Answers;
  kind: Question['kind'];
  message: string;
  default: unknown;
  choices?: Choice[];
  validate?: (value: unknown) => true | string;
}

export type AskFn = (q: Ask) => Promise<unknown>;

/** STS GetCallerIdentity for the chosen region and profile (the CLI's lazily loads the SDK). */
export type IdentityLookup = (region: string, profile: string | undefined) => Promise<Identity>;

export interface InitInput {
  target: string;
  defaults: boolean;
  force: boolean;
  out: Output;
  prompt: Prompter;
  ask?: AskFn;
  lookupIdentity?: IdentityLookup;
  /** Show the file, write nothing. */
  dryRun?: boolean;
  /** The answers flags and DBOPS_* variables give (preset.ts): defaults of the questions. */
  preset?: Partial<Answers>;
  /** Writes every flag/DBOPS_* value into the file's tree (preset.ts `withGiven`). */
  given?: (tree: Record<string, unknown>) => Record<string, unknown>;
}

export interface InitResult {
  file: string;
  written: boolean;
  overwritten: boolean;
  answers: Answers;
  yaml: string;
  /** Rough monthly cost on AWS after the free tier (0 on local). */
  estimatedMonthlyUsd: number;
  account?: string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function toAsk(q: Question, a: Partial<Answers>, preset: Partial<Answers>): Ask {
  return {
    key: q.key,
    kind: q.kind,
    message: q.message,
    default: preset[q.key] ?? q.default(a),
    ...(q.choices ? { choices: q.choices(a) } : {}),
    ...(q.validate ? { validate: (v: unknown) => q.validate!(v as never, a) } : {}),
  };
}

async function showAccount(input: InitInput, a: Partial<Answers>): Promise<string | undefined> {
  if (!input.lookupIdentity) return undefined;
  try {
    const id = await input.lookupIdentity(a.region!, a.profile || undefined);
    input.out.info(`  AWS account ${id.accountId} (${id.arn}).`);
    return id.accountId;
  } catch (e) {
    input.out.warn(`Could not read the AWS account id (${messageOf(e).replace(/\.$/, '')}); continuing without it.`);
    return undefined;
  }
}

/** Asks every question that applies, in order; returns the answers. */
export async function askAll(input: InitInput, ask: AskFn): Promise<{ answers: Answers; account?: string }> {
  const a: Partial<Answers> = {};
  let account: string | undefined;
  for (const q of QUESTIONS) {
    const preset = input.preset ?? {};
    if (q.when && !q.when(a)) {
      (a as Record<string, unknown>)[q.key] = preset[q.key] ?? q.default(a);
      continue;
    }
    input.out.info(input.out.c.dim(`  ${q.explain}`));
    const value = await ask(toAsk(q, a, preset));
    (a as Record<string, unknown>)[q.key] = value;
    const note = q.note?.(a);
    if (note) input.out.warn(note);
    if (q.key === 'profile') account = await showAccount(input, a);
  }
  return { answers: a as Answers, ...(account ? { account } : {}) };
}

/** Runs the wizard (or takes the defaults), shows the file and writes it. */
export async function runInit(input: InitInput): Promise<InitResult> {
  const present = await exists(input.target);
  // Asked before the questions, so nobody answers twenty of them to be refused at the end.
  if (present && !input.force && !input.dryRun && !(await input.prompt.confirm(`${input.target} exists. Overwrite it?`))) {
    const answers = defaultAnswers();
    return { file: input.target, written: false, overwritten: false, answers, yaml: '', estimatedMonthlyUsd: 0 };
  }
  let answers: Answers;
  let account: string | undefined;
  if (input.defaults) answers = defaultAnswers(input.preset);
  else {
    if (!input.ask)
      throw new UsageError('dbops init asks its questions on a terminal.', {
        hint: 'Run it in a terminal, or pass --defaults to write the free-tier defaults without asking.',
      });
    ({ answers, account } = await askAll(input, input.ask));
  }
  const tree = answersToConfig(answers);
  const yaml = configYaml(input.given ? input.given(tree) : tree);
  const estimate = monthlyEstimate(costFacts(answers), true);
  input.out.info(`\n${input.target}:\n\n${yaml}`);
  if (answers.provider === 'aws') {
    const parts = estimateParts(costFacts(answers), true).map((p) => `${p.what} $${Math.round(p.usd * 10) / 10}`);
    input.out.info(
      `Rough cost after the free tier: about $${estimate}/month${parts.length > 0 ? ` (${parts.join(', ')})` : ''}; us-east-2 list prices.`,
    );
  }
  const base = { file: input.target, answers, yaml, estimatedMonthlyUsd: estimate, ...(account ? { account } : {}) };
  if (input.dryRun) return { ...base, written: false, overwritten: false };
  await writeFile(input.target, yaml, { encoding: 'utf8', mode: 0o644, flag: present ? 'w' : 'wx' });
  return { ...base, written: true, overwritten: present };
}
