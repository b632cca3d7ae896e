-- A user's own recipes (index recipes_author_id_idx).
SELECT id, title
FROM recipes
WHERE author_id = (SELECT min(id) FROM users)
ORDER BY created_at DESC
LIMIT 50
