-- A link that adds its address to a person who has none (POST /api/me/email): opened, it sets
-- people.email for this person, then signs them in. NULL for an ordinary sign-in link. As SQLite's 031.
ALTER TABLE email_link_tokens ADD COLUMN person_id text;
