-- What the hand-off triggers measured on each customer turn, so later
-- turns (trend, consecutive rephrases) and agents can read them.
ALTER TABLE messages ADD COLUMN negative REAL NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN rephrase INTEGER NOT NULL DEFAULT 0;
