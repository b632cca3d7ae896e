/** `dbops vector`: definitions only (handlers load lazily). */
import type { CommandDef, OptionDef } from '../types.js';

const vectorTarget: OptionDef[] = [
  { flags: '--url <url>', description: 'any PostgreSQL: postgres://user:password@host:5432/db (instead of an instance)' },
  { flags: '--instance <id>', description: 'instance to connect to (default: database.identifier)' },
  { flags: '--connect-host <host>', description: 'reach the instance through this host (a tunnel or bastion)' },
];
const vectorDistance: OptionDef = { flags: '--distance <distance>', description: 'the distance your queries use', choices: ['cosine', 'l2', 'ip'] };
const buildSession: OptionDef[] = [
  { flags: '--maintenance-work-mem <size>', description: 'maintenance_work_mem for the build session (default: vector.maintenanceWorkMem, 256MB)' },
  { flags: '--parallel-workers <n>', description: 'max_parallel_maintenance_workers for the build session (default: vector.parallelWorkers, 2)', parse: 'int' },
];

export const vector: CommandDef = {
  name: 'vector',
  summary: 'pgvector: index status, recall/latency tuning of hnsw.ef_search, HNSW index builds',
  description:
    'Works on any PostgreSQL with pgvector: an instance (--instance, default database.identifier) or --url. tune and build follow runbooks/vector-tuning.md (steps VT-1..VT-11).',
  examples: [
    { command: 'dbops vector status', description: 'pgvector version, vector columns and indexes, settings, warnings' },
    { command: 'dbops vector tune --table items --column embedding --max-p95 3000ms', description: 'recommend hnsw.ef_search for recall 0.9' },
    { command: 'dbops vector build --table items --column embedding --concurrently', description: 'build the HNSW index without blocking writes' },
  ],
  subcommands: [
    {
      name: 'status',
      summary: 'pgvector version, every vector column and index, the settings in force, warnings',
      options: [
        ...vectorTarget,
        { flags: '--table <table>', description: 'only this table (table or schema.table)' },
        { ...vectorDistance, description: 'the distance your queries use: flags indexes on another' },
      ],
      examples: [
        { command: 'dbops vector status --distance cosine', description: 'also flag indexes that cosine queries cannot use' },
        { command: 'dbops vector status --url postgres://app@127.0.0.1:5432/app --json', description: 'any server, as JSON' },
      ],
      load: () => import('../vector.js').then((m) => m.status),
    },
    {
      name: 'tune',
      summary: 'Measure recall@k and latency over hnsw.ef_search on your table and recommend a setting (read-only unless --rebuild)',
      description:
        'Draws sample queries from the table (or --queries-file), computes their exact neighbours with index scans off, then searches the smallest hnsw.ef_search meeting --target-recall (and --max-p95). Exit 1 when no setting meets the targets.',
      options: [
        ...vectorTarget,
        { flags: '--table <table>', description: 'table holding the vectors (required)' },
        { flags: '--column <column>', description: "vector column (default: the table's only one)" },
        { flags: '--k <n>', description: 'neighbours per query: recall@k', default: 10, parse: 'int' },
        { flags: '--target-recall <r>', description: 'recall to reach, in (0, 1]', default: 0.9, parse: 'float' },
        { flags: '--queries <n>', description: 'sample queries (default 100; with --queries-file: all in the file)', parse: 'int' },
        { flags: '--queries-file <file>', description: 'real query vectors: a JSON array or NDJSON' },
        { flags: '--max-p95 <duration>', description: 'p95 latency limit, e.g. 3000ms or 3s' },
        { ...vectorDistance, description: "the distance your queries use (default: the index's)" },
        { flags: '--where <predicate>', description: 'the SQL filter of your queries: checks whether iterative scans are needed' },
        { flags: '--rebuild', description: 'also measure candidate m/ef_construction on a scratch copy of the table (creates and drops a table)' },
        { flags: '--candidates <pairs>', description: 'm:ef_construction pairs for --rebuild', default: '16:64,16:128,32:128' },
        { flags: '--plot <file>', description: 'write the recall-vs-latency chart: .svg or .html' },
        { flags: '--seed <n>', description: 'seed of the sample', default: 42, parse: 'int' },
        { flags: '--statement-timeout <duration>', description: "statement_timeout for the exact search (default: the server's)" },
        ...buildSession,
      ],
      examples: [
        { command: 'dbops vector tune --table items --target-recall 0.95 --k 10', description: 'smallest ef_search for recall@10 >= 0.95' },
        { command: 'dbops vector tune --table items --where "tenant_id = 42"', description: 'filtered queries: are iterative scans needed?' },
        { command: 'dbops vector tune --table items --rebuild --candidates 16:128,32:128 --plot recall.html', description: 'compare index settings on a scratch copy' },
      ],
      load: () => import('../vector.js').then((m) => m.tune),
    },
    {
      name: 'build',
      summary: 'Build or rebuild the HNSW index of a vector column, with live progress',
      description:
        'Drops an INVALID index left by an interrupted concurrent build (after confirmation), warns when the graph will not fit in maintenance_work_mem, and builds with session settings. A rebuild builds beside the old index, then swaps.',
      options: [
        ...vectorTarget,
        { flags: '--table <table>', description: 'table holding the vectors (required)' },
        { flags: '--column <column>', description: "vector column (default: the table's only one)" },
        { flags: '--m <n>', description: 'HNSW m: links per node', default: 16, parse: 'int' },
        { flags: '--ef-construction <n>', description: 'HNSW ef_construction: candidate list while building', default: 64, parse: 'int' },
        { ...vectorDistance, description: "the distance your queries use (default: the existing index's, else cosine)" },
        { flags: '--concurrently', description: 'CREATE INDEX CONCURRENTLY: writes continue during the build' },
        { flags: '--name <index>', description: 'name of a new index (default <table>_<column>_hnsw_idx)' },
        ...buildSession,
      ],
      mutates: true,
      examples: [
        { command: 'dbops vector build --table items --concurrently --dry-run', description: 'print the statements, change nothing' },
        { command: 'dbops vector build --table items --m 24 --ef-construction 128 --concurrently --yes', description: 'rebuild with other settings' },
        { command: 'dbops vector build --table items --maintenance-work-mem 8GB --parallel-workers 4', description: 'a large table on a large server' },
      ],
      load: () => import('../vector.js').then((m) => m.build),
    },
  ],
};
