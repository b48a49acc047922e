package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/batonhq/baton/kb"
)

// CreateUser stores a new staff account; a taken name is kb.ErrConflict.
func (d *DB) CreateUser(ctx context.Context, u *kb.User) error {
	ts := now()
	_, err := d.db.ExecContext(ctx, `INSERT INTO users (id, name, role, disabled, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.Name, u.Role, u.Disabled, u.PasswordHash, ts)
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("user %q already exists: %w", u.Name, kb.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Name, err)
	}
	u.CreatedAt = parseTime(ts)
	return nil
}

// User loads a user by id.
func (d *DB) User(ctx context.Context, id string) (*kb.User, error) {
	return d.user(ctx, `id = ?`, id)
}

// UserByName loads a user by login name.
func (d *DB) UserByName(ctx context.Context, name string) (*kb.User, error) {
	return d.user(ctx, `name = ?`, name)
}

// userColumns are what scanUser reads, in its order.
const userColumns = `id, name, role, disabled, password_hash, created_at`

func (d *DB) user(ctx context.Context, where, arg string) (*kb.User, error) {
	u, err := scanUser(d.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if err != nil {
		return nil, notFound(err, "user "+arg)
	}
	return u, nil
}

func scanUser(row interface{ Scan(...any) error }) (*kb.User, error) {
	var u kb.User
	var created string
	if err := row.Scan(&u.ID, &u.Name, &u.Role, &u.Disabled, &u.PasswordHash, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = parseTime(created)
	return &u, nil
}

// Users lists all staff accounts by name.
func (d *DB) Users(ctx context.Context) ([]*kb.User, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*kb.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser writes u's role and disabled flag, refusing to leave no
// enabled admin. The one connection serialises transactions, so the
// check and the change cannot interleave with another admin's.
func (d *DB) UpdateUser(ctx context.Context, u *kb.User) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var name, role string
	var disabled bool
	err = tx.QueryRowContext(ctx, `SELECT name, role, disabled FROM users WHERE id = ?`, u.ID).Scan(&name, &role, &disabled)
	if err != nil {
		return notFound(err, "user "+u.ID)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ?, disabled = ? WHERE id = ?`, u.Role, u.Disabled, u.ID); err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	if role == kb.UserAdmin && !disabled && (u.Role != kb.UserAdmin || u.Disabled) {
		var admins int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = ? AND NOT disabled`, kb.UserAdmin).Scan(&admins); err != nil {
			return fmt.Errorf("count admins: %w", err)
		}
		if admins == 0 {
			return fmt.Errorf("%s is the last enabled admin; make another admin first: %w", name, kb.ErrConflict)
		}
	}
	if u.Disabled {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return fmt.Errorf("sign out %s: %w", u.ID, err)
		}
	}
	return tx.Commit()
}

// SetPassword replaces a user's password hash and signs them out everywhere.
func (d *DB) SetPassword(ctx context.Context, userID, hash string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", userID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %s: %w", userID, kb.ErrNotFound)
	}
	_, err = d.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

// CreateSession stores a signed-in session, dropping expired ones.
func (d *DB) CreateSession(ctx context.Context, s *kb.Session) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, now()); err != nil {
		return fmt.Errorf("purge sessions: %w", err)
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, csrf, expires_at) VALUES (?, ?, ?, ?)`,
		s.IDHash, s.UserID, s.CSRF, s.ExpiresAt.UTC().Format(timeFormat))
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session returns an unexpired session or kb.ErrNotFound.
func (d *DB) Session(ctx context.Context, idHash string) (*kb.Session, error) {
	var s kb.Session
	var exp string
	err := d.db.QueryRowContext(ctx, `SELECT id_hash, user_id, csrf, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?`, idHash, now()).
		Scan(&s.IDHash, &s.UserID, &s.CSRF, &exp)
	if err != nil {
		return nil, notFound(err, "session")
	}
	s.ExpiresAt = parseTime(exp)
	return &s, nil
}

// DeleteSession signs a session out.
func (d *DB) DeleteSession(ctx context.Context, idHash string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return err
}

// SetPresence records an agent's availability and last sign of life.
func (d *DB) SetPresence(ctx context.Context, p *kb.Presence) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO presence (user_id, status, seen_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, seen_at = excluded.seen_at`,
		p.UserID, p.Status, p.SeenAt.UTC().Format(timeFormat))
	if err != nil {
		return fmt.Errorf("set presence of %s: %w", p.UserID, err)
	}
	return nil
}

// Presences lists every agent's recorded presence with their names.
func (d *DB) Presences(ctx context.Context) ([]*kb.Presence, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT p.user_id, u.name, p.status, p.seen_at FROM presence p JOIN users u ON u.id = p.user_id ORDER BY u.name`)
	if err != nil {
		return nil, fmt.Errorf("list presence: %w", err)
	}
	defer rows.Close()
	var out []*kb.Presence
	for rows.Next() {
		var p kb.Presence
		var seen string
		if err := rows.Scan(&p.UserID, &p.Name, &p.Status, &seen); err != nil {
			return nil, err
		}
		p.SeenAt = parseTime(seen)
		out = append(out, &p)
	}
	return out, rows.Err()
}

// CreateAPIKey stores a new key's hash.
func (d *DB) CreateAPIKey(ctx context.Context, k *kb.APIKey) error {
	ts := now()
	if _, err := d.db.ExecContext(ctx, `INSERT INTO api_keys (id, user_id, key_hash, created_at) VALUES (?, ?, ?, ?)`, k.ID, k.UserID, k.KeyHash, ts); err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	k.CreatedAt = parseTime(ts)
	return nil
}

// APIKeyByHash returns an unrevoked key or kb.ErrNotFound.
func (d *DB) APIKeyByHash(ctx context.Context, hash string) (*kb.APIKey, error) {
	var k kb.APIKey
	var created string
	err := d.db.QueryRowContext(ctx, `SELECT id, user_id, key_hash, created_at FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL`, hash).
		Scan(&k.ID, &k.UserID, &k.KeyHash, &created)
	if err != nil {
		return nil, notFound(err, "api key")
	}
	k.CreatedAt = parseTime(created)
	return &k, nil
}

// APIKeys lists a user's keys, revoked ones too, the newest first.
func (d *DB) APIKeys(ctx context.Context, userID string) ([]*kb.APIKey, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, user_id, created_at, revoked_at FROM api_keys WHERE user_id = ? ORDER BY rowid DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list api keys of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []*kb.APIKey
	for rows.Next() {
		var k kb.APIKey
		var created string
		var revoked sql.NullString
		if err := rows.Scan(&k.ID, &k.UserID, &created, &revoked); err != nil {
			return nil, err
		}
		k.CreatedAt = parseTime(created)
		if revoked.Valid {
			at := parseTime(revoked.String)
			k.RevokedAt = &at
		}
		out = append(out, &k)
	}
	return out, rows.Err()
}

// RevokeAPIKey revokes one live key of a user.
func (d *DB) RevokeAPIKey(ctx context.Context, userID, keyID string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`, now(), keyID, userID)
	if err != nil {
		return fmt.Errorf("revoke api key %s: %w", keyID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("live api key %s of user %s: %w", keyID, userID, kb.ErrNotFound)
	}
	return nil
}

// RevokeAPIKeys revokes every live key of a user.
func (d *DB) RevokeAPIKeys(ctx context.Context, userID string) (int, error) {
	res, err := d.db.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, now(), userID)
	if err != nil {
		return 0, fmt.Errorf("revoke api keys of %s: %w", userID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
