-- The "newest public recipes" page (index recipes_public_created_at_idx, migration 0008).
SELECT id, title, created_at
FROM recipes
WHERE is_public
ORDER BY created_at DESC
LIMIT 20
