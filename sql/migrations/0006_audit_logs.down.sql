DROP TRIGGER consent_records_audit ON consent_records;
DROP FUNCTION consent_records_audit();
DROP TABLE audit_logs;
DROP FUNCTION audit_logs_refuse_change();
