-- dbops:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS recipes_public_created_at_idx;
