/** `dbops vector status|tune|build`: the definitions (handlers: vector.run.ts, loaded lazily). */
import { defineCommand, defineGroup, examples, type Lazy, opt } from './define.js';

const target = {
  url: opt.string('--url <url>', 'any PostgreSQL: postgres://user:password@host:5432/db (instead of an instance)'),
  instance: opt.string('--instance <id>', 'instance to connect to (default: database.identifier)'),
  connectHost: opt.string(
    '--connect-host <host[:port]>',
    'reach the instance there (an SSH tunnel or bastion); TLS still verifies its own name',
  ),
};
/** --table for tune and build (commander's own "required option" message has no hint). */
const table = opt.requiredString('--table <table>', 'table holding the vectors (required)', {
  message: '--table is required: the table that holds the vectors.',
  hint: '`dbops vector status` lists the vector columns.',
});
const DISTANCES = ['cosine', 'l2', 'ip'] as const;
/** Session settings of a build: flags over the config's `vector` section. */
const buildSession = {
  maintenanceWorkMem: opt.overrides(
    'vector.maintenanceWorkMem',
    opt.size('--maintenance-work-mem <size>', 'maintenance_work_mem for the build session (default: vector.maintenanceWorkMem, 256MB)'),
  ),
  parallelWorkers: opt.overrides(
    'vector.parallelWorkers',
    opt.int('--parallel-workers <n>', 'max_parallel_maintenance_workers for the build session (default: vector.parallelWorkers, 2)', {
      min: 0,
      max: 64,
    }),
  ),
};

export const status = defineCommand({
  name: 'status',
  summary: 'pgvector version, every vector column and index, the settings in force, warnings',
  options: {
    ...target,
    table: opt.string('--table <table>', 'only this table (table or schema.table)'),
    distance: opt.choice('--distance <distance>', 'the distance your queries use: flags indexes on another', DISTANCES),
  },
  examples: examples(`
    $ dbops vector status --distance cosine                                # also flag indexes that cosine queries cannot use
    $ dbops vector status --url postgres://app@127.0.0.1:5432/app --json   # any server, as JSON
  `),
  load: (): Lazy => import('./vector.run.js').then((m) => m.status),
});

export const tune = defineCommand({
  name: 'tune',
  runbook: 'vector-tuning',
  summary: 'Measure recall@k and latency over hnsw.ef_search on your table and recommend a setting (read-only unless --rebuild)',
  description:
    'Draws sample queries from the table (or --queries-file), computes their exact neighbours with index scans off, then searches the smallest hnsw.ef_search meeting --target-recall (and --max-p95). Exit 1 when no setting meets the targets.',
  options: {
    ...target,
    table,
    column: opt.string('--column <column>', "vector column (default: the table's only one)"),
    k: opt.int('--k <n>', 'neighbours per query: recall@k', { default: 10 }),
    targetRecall: opt.float('--target-recall <r>', 'recall to reach, in (0, 1]', { default: 0.9 }),
    queries: opt.int('--queries <n>', 'sample queries (default 100; with --queries-file: all in the file)'),
    queriesFile: opt.string('--queries-file <file>', 'real query vectors: a JSON array or NDJSON'),
    maxP95Ms: opt.duration('--max-p95 <duration>', 'p95 latency limit, e.g. 3000ms or 3s', { positive: true }),
    distance: opt.choice('--distance <distance>', "the distance your queries use (default: the index's)", DISTANCES),
    where: opt.string('--where <predicate>', 'the SQL filter of your queries: checks whether iterative scans are needed'),
    rebuild: opt.flag('--rebuild', 'also measure candidate m/ef_construction on a scratch copy of the table (creates and drops a table)'),
    candidates: opt.string('--candidates <pairs>', 'm:ef_construction pairs for --rebuild', { default: '16:64,16:128,32:128' }),
    plot: opt.string('--plot <file>', 'write the recall-vs-latency chart: .svg or .html'),
    seed: opt.int('--seed <n>', 'seed of the sample', { default: 42 }),
    statementTimeoutMs: opt.duration('--statement-timeout <duration>', "statement_timeout for the exact search (default: the server's)", {
      positive: true,
    }),
    ...buildSession,
  },
  examples: examples(`
    $ dbops vector tune --table items --target-recall 0.95 --k 10                               # smallest ef_search for recall@10 >= 0.95
    $ dbops vector tune --table items --where "tenant_id = 42"                                  # filtered queries: are iterative scans needed?
    $ dbops vector tune --table items --rebuild --candidates 16:128,32:128 --plot recall.html   # compare index settings on a scratch copy
  `),
  load: (): Lazy => import('./vector.run.js').then((m) => m.tune),
});

export const build = defineCommand({
  name: 'build',
  runbook: 'vector-tuning',
  summary: 'Build or rebuild the HNSW index of a vector column, with live progress',
  description:
    'Drops an INVALID index left by an interrupted concurrent build (after confirmation), warns when the graph will not fit in maintenance_work_mem, and builds with session settings. A rebuild builds beside the old index, then swaps.',
  options: {
    ...target,
    table,
    column: opt.string('--column <column>', "vector column (default: the table's only one)"),
    m: opt.int('--m <n>', 'HNSW m: links per node', { default: 16 }),
    efConstruction: opt.int('--ef-construction <n>', 'HNSW ef_construction: candidate list while building', { default: 64 }),
    distance: opt.choice('--distance <distance>', "the distance your queries use (default: the existing index's, else cosine)", DISTANCES),
    concurrently: opt.flag('--concurrently', 'CREATE INDEX CONCURRENTLY: writes continue during the build'),
    name: opt.string('--name <index>', 'name of a new index (default <table>_<column>_hnsw_idx)'),
    ...buildSession,
  },
  mutates: true,
  examples: examples(`
    $ dbops vector build --table items --concurrently --dry-run                            # print the statements, change nothing
    $ dbops vector build --table items --m 24 --ef-construction 128 --concurrently --yes   # rebuild with other settings
    $ dbops vector build --table items --maintenance-work-mem 8GB --parallel-workers 4     # a large table on a large server
  `),
  load: (): Lazy => import('./vector.run.js').then((m) => m.build),
});

export const vector = defineGroup({
  name: 'vector',
  summary: 'pgvector: index status, recall/latency tuning of hnsw.ef_search, HNSW index builds',
  description:
    'Works on any PostgreSQL with pgvector: an instance (--instance, default database.identifier) or --url. tune and build follow runbooks/vector-tuning.md (steps VT-1..VT-11).',
  examples: examples(`
    $ dbops vector status                                                   # pgvector version, vector columns and indexes, settings, warnings
    $ dbops vector tune --table items --column embedding --max-p95 3000ms   # recommend hnsw.ef_search for recall 0.9
    $ dbops vector build --table items --column embedding --concurrently    # build the HNSW index without blocking writes
  `),
  subcommands: [status, tune, build],
});
