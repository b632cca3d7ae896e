-- 0002 users: the application's accounts. Personal data (GDPR): erasure deletes the row,
-- and ON DELETE CASCADE on the tables below removes what hangs off it; the audit log keeps
-- only the user's id.
CREATE TABLE users (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email        text        NOT NULL CHECK (position('@' IN email) > 1),
  display_name text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
  locale       text        NOT NULL DEFAULT 'en',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TRIGGER users_set_updated_at
  BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION app_set_updated_at();

COMMENT ON TABLE users IS 'Accounts; personal data (GDPR erasure deletes the row and cascades)';
