-- 0005 consent_records: GDPR consent, granular (one purpose per row), versioned (the
-- policy version agreed to) and withdrawable (withdrawn_at); history is kept: a new grant
-- is a new row, and at most one grant per user and purpose is active at a time.
CREATE TABLE consent_records (
  id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id        bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose        text        NOT NULL CHECK (purpose IN ('essential', 'personalization', 'analytics', 'marketing')),
  policy_version text        NOT NULL,
  source         text        NOT NULL DEFAULT 'web' CHECK (source IN ('web', 'app', 'api', 'support')),
  granted_at     timestamptz NOT NULL DEFAULT now(),
  withdrawn_at   timestamptz CHECK (withdrawn_at >= granted_at),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX consent_records_active_key ON consent_records (user_id, purpose) WHERE withdrawn_at IS NULL;

CREATE TRIGGER consent_records_set_updated_at
  BEFORE UPDATE ON consent_records
  FOR EACH ROW EXECUTE FUNCTION app_set_updated_at();
