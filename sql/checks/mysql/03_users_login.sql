-- Login lookup by e-mail. MySQL's default collations compare without case, so the unique
-- index on email serves it as written; lower(email) would scan the whole table.
SELECT id, display_name
FROM users
WHERE email = 'cook1@example.com'
