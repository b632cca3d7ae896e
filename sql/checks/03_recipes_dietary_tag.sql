-- A search page: public vegetarian recipes, newest first (GIN index recipes_dietary_tags_idx,
-- or the partial index recipes_public_created_at_idx, whichever the planner prefers).
SELECT id, title, created_at
FROM recipes
WHERE is_public AND dietary_tags @> ARRAY['vegetarian']
ORDER BY created_at DESC
LIMIT 20
