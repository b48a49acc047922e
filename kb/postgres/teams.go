package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/batonhq/baton/kb"
)

// CreateTeam stores a new team; a taken name is kb.ErrConflict.
func (s *Store) CreateTeam(ctx context.Context, t *kb.Team) error {
	if err := kb.ValidateTeamName(t.Name); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO teams (id, name) VALUES ($1, $2)`, t.ID, t.Name)
	if isUniqueViolation(err) {
		return fmt.Errorf("team %q already exists: %w", t.Name, kb.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create team %s: %w", t.Name, err)
	}
	t.Members, t.Collections = []string{}, []string{}
	return nil
}

// Team loads a team with its members and collections.
func (s *Store) Team(ctx context.Context, id string) (*kb.Team, error) {
	ts, err := s.teams(ctx, `WHERE t.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("team %s: %w", id, kb.ErrNotFound)
	}
	return ts[0], nil
}

// Teams lists every team by name.
func (s *Store) Teams(ctx context.Context) ([]*kb.Team, error) {
	return s.teams(ctx, ``)
}

func (s *Store) teams(ctx context.Context, where string, args ...any) ([]*kb.Team, error) {
	rows, _ := s.pool.Query(ctx, `SELECT t.id, t.name,
		coalesce((SELECT array_agg(user_id ORDER BY user_id) FROM team_members m WHERE m.team_id = t.id), '{}'),
		coalesce((SELECT array_agg(collection ORDER BY collection) FROM team_collections c WHERE c.team_id = t.id), '{}')
		FROM teams t `+where+` ORDER BY t.name`, args...)
	ts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kb.Team, error) {
		var t kb.Team
		err := row.Scan(&t.ID, &t.Name, &t.Members, &t.Collections)
		return &t, err
	})
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	return ts, nil
}

// RenameTeam renames a team; a taken name is kb.ErrConflict.
func (s *Store) RenameTeam(ctx context.Context, id, name string) error {
	if err := kb.ValidateTeamName(name); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE teams SET name = $1 WHERE id = $2`, name, id)
	if isUniqueViolation(err) {
		return fmt.Errorf("team %q already exists: %w", name, kb.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("rename team %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("team %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// DeleteTeam removes a team; its hand-offs go back to their collection.
func (s *Store) DeleteTeam(ctx context.Context, id string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM teams WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete team %s: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("team %s: %w", id, kb.ErrNotFound)
		}
		if _, err := tx.Exec(ctx, `UPDATE handoffs SET team_id = '' WHERE team_id = $1`, id); err != nil {
			return fmt.Errorf("clear team %s from hand-offs: %w", id, err)
		}
		return nil
	})
}

// SetTeamMembers replaces a team's members; an unknown user is
// kb.ErrNotFound (the foreign key refuses it).
func (s *Store) SetTeamMembers(ctx context.Context, id string, userIDs []string) error {
	return s.replaceTeamSet(ctx, id, `team_members`, `user_id`, userIDs)
}

// SetTeamCollections replaces the collections a team serves.
func (s *Store) SetTeamCollections(ctx context.Context, id string, collections []string) error {
	return s.replaceTeamSet(ctx, id, `team_collections`, `collection`, collections)
}

func (s *Store) replaceTeamSet(ctx context.Context, id, table, column string, values []string) error {
	values = slices.Clone(values)
	slices.Sort(values)
	values = slices.Compact(values)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The row lock orders two admins setting one team at once.
		var found string
		if err := tx.QueryRow(ctx, `SELECT id FROM teams WHERE id = $1 FOR UPDATE`, id).Scan(&found); err != nil {
			return notFound(err, "team "+id)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE team_id = $1`, id); err != nil {
			return fmt.Errorf("clear %s of team %s: %w", table, id, err)
		}
		for _, v := range values {
			_, err := tx.Exec(ctx, `INSERT INTO `+table+` (team_id, `+column+`) VALUES ($1, $2)`, id, v)
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "23503" {
				return fmt.Errorf("user %s: %w", v, kb.ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("add %s to team %s: %w", v, id, err)
			}
		}
		return nil
	})
}
