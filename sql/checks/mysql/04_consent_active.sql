-- Active consents per purpose (GDPR dashboard).
SELECT purpose, COUNT(*)
FROM consent_records
WHERE withdrawn_at IS NULL
GROUP BY purpose
