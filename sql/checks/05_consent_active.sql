-- Active consents per purpose (GDPR dashboard).
SELECT purpose, count(*)
FROM consent_records
WHERE withdrawn_at IS NULL
GROUP BY purpose
