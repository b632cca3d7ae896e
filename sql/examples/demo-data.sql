-- A small sample of the recipe-book application (seed 000/001), for `npm run demo`.
-- Plain PostgreSQL: the pgvector parts live in the migrations (dbops migrate).
BEGIN;

CREATE TABLE IF NOT EXISTS users (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email       text NOT NULL UNIQUE,
  display_name text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS recipes (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  author_id   bigint NOT NULL REFERENCES users (id),
  title       text NOT NULL,
  cuisine     text NOT NULL,
  minutes     integer NOT NULL CHECK (minutes > 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS recipes_author_idx ON recipes (author_id);
CREATE INDEX IF NOT EXISTS recipes_cuisine_idx ON recipes (cuisine);

INSERT INTO users (email, display_name)
SELECT format('cook%s@example.com', g), format('Cook %s', g)
FROM generate_series(1, 200) AS g
ON CONFLICT (email) DO NOTHING;

INSERT INTO recipes (author_id, title, cuisine, minutes)
SELECT u.id,
       format('Recipe %s', g),
       (ARRAY['italian', 'thai', 'mexican', 'french', 'indian'])[1 + g % 5],
       10 + (g * 7) % 120
FROM generate_series(1, 2000) AS g
JOIN users u ON u.id = 1 + g % 200
WHERE NOT EXISTS (SELECT 1 FROM recipes);

COMMIT;

SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM recipes) AS recipes;
