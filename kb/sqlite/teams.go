package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/batonhq/baton/kb"
)

// CreateTeam stores a new team; a taken name is kb.ErrConflict.
func (d *DB) CreateTeam(ctx context.Context, t *kb.Team) error {
	if err := kb.ValidateTeamName(t.Name); err != nil {
		return err
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)`, t.ID, t.Name, now())
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("team %q already exists: %w", t.Name, kb.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create team %s: %w", t.Name, err)
	}
	t.Members, t.Collections = []string{}, []string{}
	return nil
}

// Team loads a team with its members and collections.
func (d *DB) Team(ctx context.Context, id string) (*kb.Team, error) {
	ts, err := d.teams(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("team %s: %w", id, kb.ErrNotFound)
	}
	return ts[0], nil
}

// Teams lists every team by name.
func (d *DB) Teams(ctx context.Context) ([]*kb.Team, error) {
	return d.teams(ctx, ``)
}

func (d *DB) teams(ctx context.Context, where string, args ...any) ([]*kb.Team, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, name FROM teams `+where+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	var out []*kb.Team
	byID := map[string]*kb.Team{}
	for rows.Next() {
		t := &kb.Team{Members: []string{}, Collections: []string{}}
		if err := rows.Scan(&t.ID, &t.Name); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, t)
		byID[t.ID] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// Teams are few: read every membership and collection, keep the wanted.
	for _, q := range []struct {
		sql string
		add func(t *kb.Team, v string)
	}{
		{`SELECT team_id, user_id FROM team_members ORDER BY user_id`, func(t *kb.Team, v string) { t.Members = append(t.Members, v) }},
		{`SELECT team_id, collection FROM team_collections ORDER BY collection`, func(t *kb.Team, v string) { t.Collections = append(t.Collections, v) }},
	} {
		rows, err := d.db.QueryContext(ctx, q.sql)
		if err != nil {
			return nil, fmt.Errorf("list team details: %w", err)
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, err
			}
			if t := byID[id]; t != nil {
				q.add(t, v)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RenameTeam renames a team; a taken name is kb.ErrConflict.
func (d *DB) RenameTeam(ctx context.Context, id, name string) error {
	if err := kb.ValidateTeamName(name); err != nil {
		return err
	}
	res, err := d.db.ExecContext(ctx, `UPDATE teams SET name = ? WHERE id = ?`, name, id)
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("team %q already exists: %w", name, kb.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("rename team %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("team %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// DeleteTeam removes a team; its hand-offs go back to their collection.
func (d *DB) DeleteTeam(ctx context.Context, id string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM teams WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete team %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("team %s: %w", id, kb.ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE handoffs SET team_id = '' WHERE team_id = ?`, id); err != nil {
		return fmt.Errorf("clear team %s from hand-offs: %w", id, err)
	}
	return tx.Commit()
}

// SetTeamMembers replaces a team's members.
func (d *DB) SetTeamMembers(ctx context.Context, id string, userIDs []string) error {
	return d.replaceTeamSet(ctx, id, `team_members`, `user_id`, userIDs, func(tx *sql.Tx, uid string) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = ?`, uid).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("user %s: %w", uid, kb.ErrNotFound)
		}
		return nil
	})
}

// SetTeamCollections replaces the collections a team serves.
func (d *DB) SetTeamCollections(ctx context.Context, id string, collections []string) error {
	return d.replaceTeamSet(ctx, id, `team_collections`, `collection`, collections, nil)
}

// replaceTeamSet replaces the rows of table (team_id, column) of a team
// with values, each checked first when check is set.
func (d *DB) replaceTeamSet(ctx context.Context, id, table, column string, values []string, check func(*sql.Tx, string) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM teams WHERE id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("load team %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("team %s: %w", id, kb.ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE team_id = ?`, id); err != nil {
		return fmt.Errorf("clear %s of team %s: %w", table, id, err)
	}
	values = slices.Clone(values)
	slices.Sort(values)
	for _, v := range slices.Compact(values) {
		if check != nil {
			if err := check(tx, v); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (team_id, `+column+`) VALUES (?, ?)`, id, v); err != nil {
			return fmt.Errorf("add %s to team %s: %w", v, id, err)
		}
	}
	return tx.Commit()
}
