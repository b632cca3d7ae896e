-- A small sample of the recipe-book application (seed 000/001), for `npm run demo`.
-- The schema comes from the migrations (`dbops migrate up`, sql/migrations); this file
-- only adds rows, and adds nothing when run again.
BEGIN;
INSERT INTO users (email, display_name)
SELECT format('cook%s@example.com', g), format('Cook %s', g) FROM generate_series(1, 200) AS g
ON CONFLICT ((lower(email))) DO NOTHING;
INSERT INTO recipes (author_id, title, cuisine, prep_minutes, cook_minutes, servings, dietary_tags)
SELECT u.id, format('Recipe %s', g), (ARRAY['italian', 'thai', 'mexican', 'french', 'indian'])[1 + g % 5],
       5 + g % 25, 10 + (g * 7) % 120, 1 + g % 6, CASE WHEN g % 3 = 0 THEN ARRAY['vegetarian'] ELSE '{}' END
FROM generate_series(1, 2000) AS g JOIN users u ON u.email = format('cook%s@example.com', 1 + g % 200)
WHERE NOT EXISTS (SELECT 1 FROM recipes);
INSERT INTO taste_profiles (user_id, preferred_cuisines, spice_tolerance)
SELECT id, ARRAY[(ARRAY['italian', 'thai', 'mexican', 'french', 'indian'])[1 + id % 5]], id % 6 FROM users
ON CONFLICT (user_id) DO NOTHING;
-- Consent rows are audited by a trigger (audit_logs, append-only).
INSERT INTO consent_records (user_id, purpose, policy_version)
SELECT u.id, 'personalization', '2025-01' FROM users u
WHERE NOT EXISTS (SELECT 1 FROM consent_records c WHERE c.user_id = u.id AND c.purpose = 'personalization' AND c.withdrawn_at IS NULL);
COMMIT;
SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM recipes) AS recipes,
       (SELECT count(*) FROM consent_records) AS consents, (SELECT count(*) FROM audit_logs) AS audit_entries;
