package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

// The admin API for staff accounts (/api/v1/admin/users): what `baton
// users` does, for an admin in the browser or a script, each change
// audited under the admin's name. Routes take the account's id; the
// audit log names the account by its name.

// staffView is a staff account as the admin console lists it.
type staffView struct {
	*kb.User
	Password bool `json:"password"` // false: a key-only account
	Keys     int  `json:"keys"`     // live API keys
}

// accountState is what a user.update entry records before and after.
type accountState struct {
	Role     string `json:"role"`
	Disabled bool   `json:"disabled"`
}

// staffDetails is u as the list shows it, with its count of live keys.
func (s *Server) staffDetails(ctx context.Context, u *kb.User) (staffView, error) {
	ks, err := s.store.APIKeys(ctx, u.ID)
	if err != nil {
		return staffView{}, err
	}
	v := staffView{User: u, Password: u.PasswordHash != NoPassword}
	for _, k := range ks {
		if k.RevokedAt == nil {
			v.Keys++
		}
	}
	return v, nil
}

func (s *Server) listStaff(c *gin.Context) {
	ctx := c.Request.Context()
	us, err := s.store.Users(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]staffView, 0, len(us))
	for _, u := range us {
		v, err := s.staffDetails(ctx, u)
		if err != nil {
			s.fail(c, err)
			return
		}
		out = append(out, v)
	}
	c.JSON(http.StatusOK, gin.H{"users": out})
}

type newStaffRequest struct {
	Name     string `json:"name"`
	Role     string `json:"role"` // agent when empty, as with baton users add
	Password string `json:"password"`
	APIKey   bool   `json:"api_key"` // also make a key, returned once
}

// createStaff adds an account: with a password, or key-only with
// api_key and no password (as `baton users add --api-key`).
func (s *Server) createStaff(c *gin.Context) {
	var req newStaffRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	if req.Role == "" {
		req.Role = kb.UserAgent
	}
	// The name and role are checked before the slow hash.
	u, err := NewUser(req.Name, req.Role, NoPassword)
	if err != nil {
		s.fail(c, err)
		return
	}
	switch {
	case req.Password != "":
		if u.PasswordHash, err = HashPassword(req.Password); err != nil {
			s.fail(c, err)
			return
		}
	case !req.APIKey:
		s.fail(c, fmt.Errorf("give a password, or api_key true for an account that signs in only with its key: %w", kb.ErrInvalid))
		return
	}
	ctx := c.Request.Context()
	if err := s.store.CreateUser(ctx, u); err != nil {
		s.fail(c, err)
		return
	}
	out := gin.H{}
	detail := gin.H{"role": u.Role, "password": req.Password != ""}
	if req.APIKey {
		key, k, err := IssueAPIKey(context.WithoutCancel(ctx), s.store, u)
		if err != nil {
			s.fail(c, err)
			return
		}
		out["key"], out["api_key"] = key, k
		detail["key_id"] = k.ID
	}
	if err := s.auditStaff(c, "user.add", u, detail); err != nil {
		s.fail(c, err)
		return
	}
	s.log.Info("staff account added", "name", u.Name, "role", u.Role, "by", auditActor(c))
	if out["user"], err = s.staffDetails(ctx, u); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, out)
}

type staffPatch struct {
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
}

// updateStaff changes an account's role or disables or enables it; the
// store refuses (409) to leave no enabled admin.
func (s *Server) updateStaff(c *gin.Context) {
	u, ok := s.staffParam(c)
	if !ok {
		return
	}
	var req staffPatch
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	if req.Role == nil && req.Disabled == nil {
		s.fail(c, fmt.Errorf("give role or disabled to change: %w", kb.ErrInvalid))
		return
	}
	before := accountState{u.Role, u.Disabled}
	if req.Role != nil {
		if !kb.ValidRole(*req.Role) {
			s.fail(c, fmt.Errorf("role %q: want agent, editor or admin: %w", *req.Role, kb.ErrInvalid))
			return
		}
		u.Role = *req.Role
	}
	if req.Disabled != nil {
		u.Disabled = *req.Disabled
	}
	ctx := c.Request.Context()
	if after := (accountState{u.Role, u.Disabled}); after != before {
		if err := s.store.UpdateUser(ctx, u); err != nil {
			s.fail(c, err)
			return
		}
		s.accountChanged(u)
		if err := s.auditStaff(c, "user.update", u, gin.H{"before": before, "after": after}); err != nil {
			s.fail(c, err)
			return
		}
		s.log.Info("staff account changed", "name", u.Name, "role", u.Role, "disabled", u.Disabled, "by", auditActor(c))
	}
	v, err := s.staffDetails(ctx, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": v})
}

// resetPassword sets a new password and signs the account out everywhere.
func (s *Server) resetPassword(c *gin.Context) {
	u, ok := s.staffParam(c)
	if !ok {
		return
	}
	var req struct {
		Password string `json:"password"`
	}
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	hash, err := HashPassword(req.Password)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.store.SetPassword(c.Request.Context(), u.ID, hash); err != nil {
		s.fail(c, err)
		return
	}
	s.accountChanged(u)
	if err := s.auditStaff(c, "user.passwd", u, gin.H{"sessions": "signed out"}); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// createKey makes an API key for the account and returns it, the only
// time it is shown.
func (s *Server) createKey(c *gin.Context) {
	u, ok := s.staffParam(c)
	if !ok {
		return
	}
	key, k, err := IssueAPIKey(c.Request.Context(), s.store, u)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.auditStaff(c, "user.key", u, gin.H{"key_id": k.ID}); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"key": key, "api_key": k})
}

func (s *Server) listKeys(c *gin.Context) {
	u, ok := s.staffParam(c)
	if !ok {
		return
	}
	ks, err := s.store.APIKeys(c.Request.Context(), u.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if ks == nil {
		ks = []*kb.APIKey{}
	}
	c.JSON(http.StatusOK, gin.H{"keys": ks})
}

// revokeKey revokes one key; 404 when the account has no live key by
// that id (an unknown one, or one already revoked).
func (s *Server) revokeKey(c *gin.Context) {
	u, ok := s.staffParam(c)
	if !ok {
		return
	}
	if err := s.store.RevokeAPIKey(c.Request.Context(), u.ID, c.Param("key")); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.auditStaff(c, "user.revoke", u, gin.H{"key_id": c.Param("key")}); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// accountChanged ends the account's live streams on every node: a
// disabled member of staff stops seeing the queue at once, and one with a
// new role or password signs in again.
func (s *Server) accountChanged(u *kb.User) {
	if s.desk.Events != nil {
		s.desk.Events.Publish(escalate.Event{Type: escalate.EventAccount, Data: u.ID, StaffOnly: true})
	}
}

// staffParam loads the account the path's :id names, answering 404 when
// there is none.
func (s *Server) staffParam(c *gin.Context) (*kb.User, bool) {
	u, err := s.store.User(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	return u, true
}

// auditStaff records a change to a staff account, even when the request
// ends just after the change. The detail never holds a password or a key.
func (s *Server) auditStaff(c *gin.Context, action string, u *kb.User, detail gin.H) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	e := &kb.AuditEntry{Actor: auditActor(c), Action: action, Target: u.Name, Detail: string(b)}
	if err := s.store.AddAudit(context.WithoutCancel(c.Request.Context()), e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// auditActor names who made a change: the signed-in admin, or the
// bootstrap token.
func auditActor(c *gin.Context) string {
	if u, ok := c.Get(userKey); ok {
		return u.(*kb.User).Name
	}
	return "admin token"
}

// adminOrBootstrap admits admin staff and, while no enabled admin
// account exists, the bootstrap admin token: a fresh install can create
// its first admin over HTTP, and from then on the token adds nobody, so
// every account change is made under an admin's name.
func (s *Server) adminOrBootstrap(c *gin.Context) {
	if !s.bearsAdminToken(c) {
		s.adminStaff(c)
		return
	}
	us, err := s.store.Users(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		c.Abort()
		return
	}
	for _, u := range us {
		if u.Role == kb.UserAdmin && !u.Disabled {
			c.AbortWithStatusJSON(http.StatusForbidden, errorBody(c, "forbidden", "an admin account exists: the admin token no longer adds staff; sign in as an admin or use an admin's bk_ key"))
			return
		}
	}
	c.Next()
}
