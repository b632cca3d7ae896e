-- 0004 taste_profiles: one per user, what recommendations start from (cached 4 h, seed 001).
CREATE TABLE taste_profiles (
  user_id              bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  preferred_cuisines   text[]      NOT NULL DEFAULT '{}',
  dietary_restrictions text[]      NOT NULL DEFAULT '{}',
  disliked_ingredients text[]      NOT NULL DEFAULT '{}',
  spice_tolerance      smallint    NOT NULL DEFAULT 2 CHECK (spice_tolerance BETWEEN 0 AND 5),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER taste_profiles_set_updated_at
  BEFORE UPDATE ON taste_profiles
  FOR EACH ROW EXECUTE FUNCTION app_set_updated_at();
