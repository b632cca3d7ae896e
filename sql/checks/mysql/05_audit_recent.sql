-- Last week of the audit trail for one user (an index on (user_id, occurred_at)).
SELECT action, COUNT(*)
FROM audit_logs
WHERE user_id = (SELECT MIN(id) FROM users) AND occurred_at > NOW() - INTERVAL 7 DAY
GROUP BY action
