DROP FUNCTION app_set_updated_at();
