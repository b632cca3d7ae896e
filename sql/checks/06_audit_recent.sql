-- Last week of the audit trail for one user (index audit_logs_user_id_occurred_at_idx).
SELECT action, count(*)
FROM audit_logs
WHERE user_id = (SELECT min(id) FROM users) AND occurred_at > now() - interval '7 days'
GROUP BY action
