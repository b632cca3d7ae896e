-- 0007 recipe_embeddings: one 1536-dimension embedding per recipe (OpenAI ada-002 size)
-- with an HNSW cosine index, m 16, ef_construction 64 (seed 001; ef_search 40 is a
-- query-time setting: SET hnsw.ef_search = 40).
--
-- It needs pgvector. On a server without it (Debian's PostgreSQL 15, the local demo) the
-- migration applies cleanly but creates nothing, with a NOTICE; it is then recorded as
-- applied, so after installing pgvector, create the table with a new migration holding the
-- same DDL. The DDL is EXECUTEd so that nothing here needs the vector type to parse.
DO $migration$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    RAISE NOTICE 'pgvector (extension "vector") is not available on this server: skipping recipe_embeddings and its HNSW index';
    RETURN;
  END IF;

  EXECUTE 'CREATE EXTENSION IF NOT EXISTS vector';

  EXECUTE $ddl$
    CREATE TABLE recipe_embeddings (
      recipe_id  bigint       PRIMARY KEY REFERENCES recipes (id) ON DELETE CASCADE,
      model      text         NOT NULL DEFAULT 'text-embedding-ada-002',
      embedding  vector(1536) NOT NULL,
      created_at timestamptz  NOT NULL DEFAULT now(),
      updated_at timestamptz  NOT NULL DEFAULT now()
    )
  $ddl$;

  EXECUTE $ddl$
    CREATE INDEX recipe_embeddings_embedding_hnsw_idx ON recipe_embeddings
      USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)
  $ddl$;

  EXECUTE $ddl$
    CREATE TRIGGER recipe_embeddings_set_updated_at
      BEFORE UPDATE ON recipe_embeddings
      FOR EACH ROW EXECUTE FUNCTION app_set_updated_at()
  $ddl$;
END
$migration$;
