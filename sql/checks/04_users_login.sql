-- Login lookup by e-mail, case-insensitive (unique index users_email_key).
SELECT id, display_name
FROM users
WHERE lower(email) = lower('cook1@example.com')
