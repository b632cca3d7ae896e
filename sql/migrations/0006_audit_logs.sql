-- 0006 audit_logs: the GDPR audit trail (seed 001: immutable, kept 7 years). Append-only:
-- a trigger refuses UPDATE, DELETE and TRUNCATE, whoever asks. Retention purges are a
-- deliberate act by the table owner (ALTER TABLE audit_logs DISABLE TRIGGER ... for the
-- purge, in one transaction). user_id has no foreign key: the trail outlives the user.
CREATE TABLE audit_logs (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor       text        NOT NULL DEFAULT current_user,
  user_id     bigint,
  action      text        NOT NULL CHECK (action IN ('user_data_access', 'data_modification', 'export_request', 'deletion_request', 'consent_change')),
  entity      text,
  entity_id   text,
  details     jsonb       NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_logs_user_id_occurred_at_idx ON audit_logs (user_id, occurred_at);
CREATE INDEX audit_logs_occurred_at_idx ON audit_logs (occurred_at);

CREATE FUNCTION audit_logs_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_logs is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Audit entries are immutable; insert a new entry instead.';
END
$$;

CREATE TRIGGER audit_logs_append_only
  BEFORE UPDATE OR DELETE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION audit_logs_refuse_change();

CREATE TRIGGER audit_logs_no_truncate
  BEFORE TRUNCATE ON audit_logs
  FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_refuse_change();

REVOKE UPDATE, DELETE, TRUNCATE ON audit_logs FROM PUBLIC;

-- Consent changes are audited as they happen.
CREATE FUNCTION consent_records_audit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_logs (user_id, action, entity, entity_id, details)
  VALUES (NEW.user_id, 'consent_change', 'consent_records', NEW.id::text,
          jsonb_build_object('op', TG_OP, 'purpose', NEW.purpose, 'policy_version', NEW.policy_version,
                             'withdrawn', NEW.withdrawn_at IS NOT NULL));
  RETURN NULL;
END
$$;

CREATE TRIGGER consent_records_audit
  AFTER INSERT OR UPDATE ON consent_records
  FOR EACH ROW EXECUTE FUNCTION consent_records_audit();
