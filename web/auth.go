package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/batonhq/baton/kb"
)

const (
	sessionCookie = "baton_session"
	sessionTTL    = 12 * time.Hour
	csrfHeader    = "X-CSRF-Token"
	userKey       = "baton.user"
)

// MinPasswordLen is the shortest password accepted; bcrypt reads at most
// 72 bytes, so longer ones are refused rather than silently cut.
const (
	MinPasswordLen = 10
	maxPasswordLen = 72
)

// HashPassword checks a new password's length and hashes it with bcrypt.
func HashPassword(pw string) (string, error) {
	if len(pw) < MinPasswordLen || len(pw) > maxPasswordLen {
		return "", fmt.Errorf("password must be %d to %d bytes long: %w", MinPasswordLen, maxPasswordLen, kb.ErrInvalid)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// dummyHash is compared against when the user does not exist, so a
// login takes as long whether or not the name is known.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a real password"), bcrypt.DefaultCost)

// limiter keeps one token bucket per key (client address, login name).
type limiter struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	buckets map[string]*rate.Limiter
	now     func() time.Time
}

func newLimiter(every time.Duration, burst int, now func() time.Time) *limiter {
	return &limiter{every: every, burst: burst, buckets: map[string]*rate.Limiter{}, now: now}
}

// Limit is a rate: N requests per Per, all N at once if they come at once.
type Limit struct {
	N   int
	Per time.Duration
}

// ParseLimit reads "N/DURATION" (e.g. "30/1m"); "off" or "0" is no limit.
func ParseLimit(s string) (Limit, error) {
	if s == "off" || s == "0" {
		return Limit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	l := Limit{}
	var err error
	if ok {
		if l.N, err = strconv.Atoi(n); err == nil {
			l.Per, err = time.ParseDuration(per)
		}
	}
	if !ok || err != nil || l.N < 1 || l.Per <= 0 {
		return Limit{}, fmt.Errorf("rate %q: want N/DURATION such as 30/1m, or off", s)
	}
	return l, nil
}

// limiter returns l's token buckets, nil when l is no limit.
func (l Limit) limiter(now func() time.Time) *limiter {
	if l.N <= 0 {
		return nil
	}
	return newLimiter(l.Per/time.Duration(l.N), l.N, now)
}

// throttled answers 429 and reports true when key has spent l's bucket; a
// nil limiter never throttles.
func (l *limiter) throttled(c *gin.Context, key, what string) bool {
	if l == nil || l.allow(key) {
		return false
	}
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(l.every.Seconds()))))
	c.AbortWithStatusJSON(http.StatusTooManyRequests, errorBody(c, "rate_limited", what+"; wait a little and try again"))
	return true
}

// allow spends one token of key's bucket.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 10000 {
			// Forget full buckets: they would allow a burst anyway.
			for k, v := range l.buckets {
				if v.TokensAt(now) >= float64(l.burst) {
					delete(l.buckets, k)
				}
			}
		}
		b = rate.NewLimiter(rate.Every(l.every), l.burst)
		l.buckets[key] = b
	}
	return b.AllowN(now, 1)
}

type loginRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// login checks a name and password and starts a session: an HttpOnly,
// SameSite=Lax cookie, and a CSRF token the pages echo in a header.
// Attempts are rate limited per client address, per address and name,
// and (more loosely) per name; see Server.
func (s *Server) login(c *gin.Context) {
	if ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); ct != "application/json" {
		// A cross-site form cannot send JSON without a preflight, so this
		// also stops login CSRF.
		s.fail(c, fmt.Errorf("send the login as application/json: %w", kb.ErrInvalid))
		return
	}
	var req loginRequest
	if err := decodeJSON(c.Request.Body, &req, false); err != nil {
		s.fail(c, err)
		return
	}
	req.Name = strings.TrimSpace(req.Name)
	addr, name := c.ClientIP(), strings.ToLower(req.Name)
	if !s.loginByAddr.allow(addr) || !s.loginByPair.allow(addr+"\x00"+name) || !s.loginByName.allow(name) {
		c.Header("Retry-After", "30")
		c.JSON(http.StatusTooManyRequests, errorBody(c, "rate_limited", "too many login attempts; wait a little and try again"))
		return
	}
	ctx := c.Request.Context()
	u, err := s.store.UserByName(ctx, req.Name)
	if errors.Is(err, kb.ErrNotFound) {
		bcrypt.CompareHashAndPassword(dummyHash, []byte(req.Password))
	} else if err != nil {
		s.fail(c, err)
		return
	}
	// A disabled account is refused after the same comparison and with the
	// same answer as a wrong password, so neither says it exists.
	if u == nil || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(req.Password)) != nil || u.Disabled {
		c.JSON(http.StatusUnauthorized, errorBody(c, "unauthorized", "wrong name or password"))
		return
	}
	id, csrf := randomToken(), randomToken()
	sess := &kb.Session{IDHash: hashSecret(id), UserID: u.ID, CSRF: csrf, ExpiresAt: time.Now().Add(sessionTTL)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		s.fail(c, err)
		return
	}
	s.setSessionCookie(c, id, int(sessionTTL.Seconds()))
	c.JSON(http.StatusOK, gin.H{"user": u, "csrf": csrf})
}

func (s *Server) setSessionCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.opts.SecureCookies || c.Request.TLS != nil,
	})
}

// logout ends the session.
func (s *Server) logout(c *gin.Context) {
	if cookie, err := c.Cookie(sessionCookie); err == nil {
		if err := s.store.DeleteSession(c.Request.Context(), hashSecret(cookie)); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.setSessionCookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

// whoami returns the signed-in user and the session's CSRF token.
func (s *Server) whoami(c *gin.Context) {
	u, sess, err := s.staffFromCookie(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": u, "csrf": sess.CSRF})
}

var errSignIn = errors.New("sign in first")

// staffFromCookie loads the session and user of the request's cookie.
func (s *Server) staffFromCookie(c *gin.Context) (*kb.User, *kb.Session, error) {
	cookie, err := c.Cookie(sessionCookie)
	if err != nil || cookie == "" {
		return nil, nil, errSignIn
	}
	ctx := c.Request.Context()
	sess, err := s.store.Session(ctx, hashSecret(cookie))
	if errors.Is(err, kb.ErrNotFound) {
		return nil, nil, errSignIn
	}
	if err != nil {
		return nil, nil, err
	}
	u, err := s.store.User(ctx, sess.UserID)
	if errors.Is(err, kb.ErrNotFound) {
		return nil, nil, errSignIn
	}
	if err == nil && u.Disabled {
		return nil, nil, errSignIn
	}
	return u, sess, err
}

// apiKeyPrefix marks staff API keys, telling them apart from customer
// conversation tokens at a glance (and to secret scanners).
const apiKeyPrefix = "bk_"

// NewAPIKey returns a new staff API key and the hash to store.
func NewAPIKey() (key, hash string) {
	key = apiKeyPrefix + randomToken()
	return key, hashSecret(key)
}

// staffFromKey loads the user of a bearer API key; ok is false when the
// request carries no API key.
func (s *Server) staffFromKey(c *gin.Context) (u *kb.User, ok bool, err error) {
	key, found := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if key = strings.TrimSpace(key); !found || !strings.HasPrefix(key, apiKeyPrefix) {
		return nil, false, nil
	}
	ctx := c.Request.Context()
	k, err := s.store.APIKeyByHash(ctx, hashSecret(key))
	if errors.Is(err, kb.ErrNotFound) {
		return nil, true, fmt.Errorf("unknown or revoked API key: %w", errSignIn)
	}
	if err != nil {
		return nil, true, err
	}
	u, err = s.store.User(ctx, k.UserID)
	if errors.Is(err, kb.ErrNotFound) {
		return nil, true, errSignIn
	}
	if err == nil && u.Disabled {
		// The key is kept: enabling the account again brings it back.
		return nil, true, fmt.Errorf("the API key's account is disabled: %w", errSignIn)
	}
	return u, true, err
}

// requireStaff admits staff with one of the roles: by API key, or by a
// signed-in session whose state-changing requests carry its CSRF token
// (a key cannot be sent by a cross-site page, so it needs none).
func (s *Server) requireStaff(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, byKey, err := s.staffFromKey(c)
		if err != nil {
			s.fail(c, err)
			c.Abort()
			return
		}
		var sess *kb.Session
		if !byKey {
			if u, sess, err = s.staffFromCookie(c); err != nil {
				s.fail(c, err)
				c.Abort()
				return
			}
		}
		if !byKey && c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead &&
			subtle.ConstantTimeCompare([]byte(c.GetHeader(csrfHeader)), []byte(sess.CSRF)) != 1 {
			c.AbortWithStatusJSON(http.StatusForbidden, errorBody(c, "csrf", "missing or wrong "+csrfHeader+" header"))
			return
		}
		if !slices.Contains(roles, u.Role) {
			c.AbortWithStatusJSON(http.StatusForbidden, errorBody(c, "forbidden", fmt.Sprintf("%s is %s; this needs %s", u.Name, u.Role, strings.Join(roles, " or "))))
			return
		}
		c.Set(userKey, u)
		c.Next()
	}
}

// staffPage is requireStaff for pages: strangers are sent to the login page.
func (s *Server) staffPage(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		u, sess, err := s.staffFromCookie(c)
		if errors.Is(err, errSignIn) {
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			c.Abort()
			return
		}
		if err != nil {
			s.fail(c, err)
			c.Abort()
			return
		}
		if !slices.Contains(roles, u.Role) {
			c.String(http.StatusForbidden, "%s is %s; this page needs %s", u.Name, u.Role, strings.Join(roles, " or "))
			c.Abort()
			return
		}
		c.Set(userKey, u)
		c.Set("baton.csrf", sess.CSRF)
		c.Next()
	}
}

func currentUser(c *gin.Context) *kb.User {
	u, _ := c.Get(userKey)
	return u.(*kb.User)
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
