-- The "newest public recipes" page (an index on (is_public, created_at) serves it).
SELECT id, title, created_at
FROM recipes
WHERE is_public
ORDER BY created_at DESC
LIMIT 20
