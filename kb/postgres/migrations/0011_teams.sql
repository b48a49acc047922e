-- Teams of agents, each serving some collections. While no team exists
-- every agent sees every collection. A hand-off transferred to a team
-- names it in team_id ('' for none); deleting the team clears it.
CREATE TABLE teams (
	id         text PRIMARY KEY,
	name       text NOT NULL UNIQUE,
	created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team_members (
	team_id text NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE team_collections (
	team_id    text NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	collection text NOT NULL,
	PRIMARY KEY (team_id, collection)
);

ALTER TABLE handoffs ADD COLUMN team_id text NOT NULL DEFAULT '';
