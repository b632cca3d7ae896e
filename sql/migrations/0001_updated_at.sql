-- 0001 updated_at: the trigger function every table with an updated_at column uses.
-- Recipe-book example schema (seeds 000/001). It sets updated_at only when the row
-- really changed, so a no-op UPDATE does not look like an edit.
CREATE FUNCTION app_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW IS DISTINCT FROM OLD THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;

COMMENT ON FUNCTION app_set_updated_at() IS 'BEFORE UPDATE trigger: keeps updated_at current';
