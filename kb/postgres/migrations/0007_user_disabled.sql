-- As SQLite's 0011: a disabled staff account cannot sign in, and its
-- sessions and API keys are refused; it is kept for the record.
ALTER TABLE users ADD COLUMN disabled boolean NOT NULL DEFAULT false;
