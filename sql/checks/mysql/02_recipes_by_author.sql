-- A user's own recipes (an index on author_id).
SELECT id, title
FROM recipes
WHERE author_id = (SELECT MIN(id) FROM users)
ORDER BY created_at DESC
LIMIT 50
