package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

// CreateUser stores a new staff account; a taken name is kb.ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u *kb.User) error {
	err := s.pool.QueryRow(ctx, `INSERT INTO users (id, name, role, disabled, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING created_at`,
		u.ID, u.Name, u.Role, u.Disabled, u.PasswordHash).Scan(&u.CreatedAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("user %q already exists: %w", u.Name, kb.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Name, err)
	}
	return nil
}

// User loads a user by id.
func (s *Store) User(ctx context.Context, id string) (*kb.User, error) {
	return s.user(ctx, `id = $1`, id)
}

// UserByName loads a user by login name.
func (s *Store) UserByName(ctx context.Context, name string) (*kb.User, error) {
	return s.user(ctx, `name = $1`, name)
}

func (s *Store) user(ctx context.Context, where, arg string) (*kb.User, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg)
	u, err := pgx.CollectExactlyOneRow(rows, scanUser)
	if err != nil {
		return nil, notFound(err, "user "+arg)
	}
	return u, nil
}

// Users lists all staff accounts by name.
func (s *Store) Users(ctx context.Context) ([]*kb.User, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	us, err := pgx.CollectRows(rows, scanUser)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// userColumns are what scanUser reads, in its order.
const userColumns = `id, name, role, disabled, password_hash, created_at`

func scanUser(row pgx.CollectableRow) (*kb.User, error) {
	var u kb.User
	err := row.Scan(&u.ID, &u.Name, &u.Role, &u.Disabled, &u.PasswordHash, &u.CreatedAt)
	return &u, err
}

// UpdateUser writes u's role and disabled flag, refusing to leave no
// enabled admin. The enabled admins' rows are locked first, always in
// the same order, so two admins demoting each other at once queue: the
// second sees the first's change and is refused.
func (s *Store) UpdateUser(ctx context.Context, u *kb.User) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT id FROM users WHERE role = $1 AND NOT disabled ORDER BY id FOR UPDATE`, kb.UserAdmin)
		admins, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("lock admins: %w", err)
		}
		var name, role string
		var disabled bool
		err = tx.QueryRow(ctx, `SELECT name, role, disabled FROM users WHERE id = $1 FOR UPDATE`, u.ID).Scan(&name, &role, &disabled)
		if err != nil {
			return notFound(err, "user "+u.ID)
		}
		if role == kb.UserAdmin && !disabled && (u.Role != kb.UserAdmin || u.Disabled) && len(admins) <= 1 {
			return fmt.Errorf("%s is the last enabled admin; make another admin first: %w", name, kb.ErrConflict)
		}
		if _, err := tx.Exec(ctx, `UPDATE users SET role = $1, disabled = $2 WHERE id = $3`, u.Role, u.Disabled, u.ID); err != nil {
			return fmt.Errorf("update user %s: %w", u.ID, err)
		}
		if u.Disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return fmt.Errorf("sign out %s: %w", u.ID, err)
			}
		}
		return nil
	})
}

// SetPassword replaces a user's password hash and signs them out everywhere.
func (s *Store) SetPassword(ctx context.Context, userID, hash string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
		if err != nil {
			return fmt.Errorf("set password of %s: %w", userID, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("user %s: %w", userID, kb.ErrNotFound)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("sign out %s: %w", userID, err)
		}
		return nil
	})
}

// CreateSession stores a signed-in session, dropping expired ones.
func (s *Store) CreateSession(ctx context.Context, sess *kb.Session) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at < now()`); err != nil {
		return fmt.Errorf("purge sessions: %w", err)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)`,
		sess.IDHash, sess.UserID, sess.CSRF, sess.ExpiresAt)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session returns an unexpired session or kb.ErrNotFound.
func (s *Store) Session(ctx context.Context, idHash string) (*kb.Session, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id_hash, user_id, csrf, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > now()`, idHash)
	sess, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByPos[kb.Session])
	if err != nil {
		return nil, notFound(err, "session")
	}
	return sess, nil
}

// DeleteSession signs a session out.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// SetPresence records an agent's availability and last sign of life.
func (s *Store) SetPresence(ctx context.Context, p *kb.Presence) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO presence (user_id, status, seen_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, seen_at = excluded.seen_at`,
		p.UserID, p.Status, p.SeenAt)
	if err != nil {
		return fmt.Errorf("set presence of %s: %w", p.UserID, err)
	}
	return nil
}

// Presences lists every agent's recorded presence with their names.
func (s *Store) Presences(ctx context.Context) ([]*kb.Presence, error) {
	rows, _ := s.pool.Query(ctx, `SELECT p.user_id, u.name, p.status, p.seen_at FROM presence p JOIN users u ON u.id = p.user_id ORDER BY u.name`)
	ps, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByPos[kb.Presence])
	if err != nil {
		return nil, fmt.Errorf("list presence: %w", err)
	}
	return ps, nil
}

// CreateAPIKey stores a new key's hash.
func (s *Store) CreateAPIKey(ctx context.Context, k *kb.APIKey) error {
	err := s.pool.QueryRow(ctx, `INSERT INTO api_keys (id, user_id, key_hash) VALUES ($1, $2, $3) RETURNING created_at`,
		k.ID, k.UserID, k.KeyHash).Scan(&k.CreatedAt)
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return nil
}

// APIKeyByHash returns an unrevoked key or kb.ErrNotFound.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*kb.APIKey, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, user_id, key_hash, created_at, revoked_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, hash)
	k, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByPos[kb.APIKey])
	if err != nil {
		return nil, notFound(err, "api key")
	}
	return k, nil
}

// APIKeys lists a user's keys, revoked ones too, the newest first.
func (s *Store) APIKeys(ctx context.Context, userID string) ([]*kb.APIKey, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, user_id, '', created_at, revoked_at FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, id`, userID)
	ks, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByPos[kb.APIKey])
	if err != nil {
		return nil, fmt.Errorf("list api keys of %s: %w", userID, err)
	}
	return ks, nil
}

// RevokeAPIKey revokes one live key of a user.
func (s *Store) RevokeAPIKey(ctx context.Context, userID, keyID string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = clock_timestamp() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`, keyID, userID)
	if err != nil {
		return fmt.Errorf("revoke api key %s: %w", keyID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("live api key %s of user %s: %w", keyID, userID, kb.ErrNotFound)
	}
	return nil
}

// RevokeAPIKeys revokes every live key of a user.
func (s *Store) RevokeAPIKeys(ctx context.Context, userID string) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = clock_timestamp() WHERE user_id = $1 AND revoked_at IS NULL`, userID)
	if err != nil {
		return 0, fmt.Errorf("revoke api keys of %s: %w", userID, err)
	}
	return int(tag.RowsAffected()), nil
}
