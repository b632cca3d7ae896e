-- 0003 recipes: what users write and search.
CREATE TABLE recipes (
  id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  author_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title         text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description   text,
  ingredients   jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(ingredients) = 'array'),
  instructions  text        NOT NULL DEFAULT '',
  cuisine       text,
  dietary_tags  text[]      NOT NULL DEFAULT '{}',
  prep_minutes  integer     CHECK (prep_minutes >= 0),
  cook_minutes  integer     CHECK (cook_minutes >= 0),
  servings      integer     CHECK (servings > 0),
  is_public     boolean     NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX recipes_author_id_idx ON recipes (author_id);
CREATE INDEX recipes_dietary_tags_idx ON recipes USING gin (dietary_tags);

CREATE TRIGGER recipes_set_updated_at
  BEFORE UPDATE ON recipes
  FOR EACH ROW EXECUTE FUNCTION app_set_updated_at();
