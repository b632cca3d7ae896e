-- The vector extension stays: other objects may use it.
DROP TABLE IF EXISTS recipe_embeddings;
