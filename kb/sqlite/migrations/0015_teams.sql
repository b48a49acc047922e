-- Teams of agents, each serving some collections. While no team exists
-- every agent sees every collection. A hand-off transferred to a team
-- names it in team_id ('' for none); deleting the team clears it.
CREATE TABLE teams (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL
);

CREATE TABLE team_members (
	team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE team_collections (
	team_id    TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	collection TEXT NOT NULL,
	PRIMARY KEY (team_id, collection)
);

ALTER TABLE handoffs ADD COLUMN team_id TEXT NOT NULL DEFAULT '';
