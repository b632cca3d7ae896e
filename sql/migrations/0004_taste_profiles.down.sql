DROP TABLE taste_profiles;
