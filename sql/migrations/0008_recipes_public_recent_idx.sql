-- dbops:no-transaction
-- 0008 recipes_public_recent_idx: the "newest public recipes" page. CONCURRENTLY, so
-- writes to recipes go on while it builds; that needs a migration without a transaction.
-- IF NOT EXISTS: a rerun after a failed build is safe (drop an INVALID leftover first).
CREATE INDEX CONCURRENTLY IF NOT EXISTS recipes_public_created_at_idx
  ON recipes (created_at DESC) WHERE is_public;
