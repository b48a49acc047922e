package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/web"
)

// access says who may use a route.
type access struct {
	public   bool     // anyone, signed in or not
	customer bool     // the conversation's own customer token only
	page     bool     // a staff page: signed-in staff (a session cookie); others are sent to /login
	signIn   bool     // signing in and asking who is: anyone, answered 401 until signed in
	roles    []string // staff roles, by session or bk_ key
}

// authzMatrix is every route's access. A route added without an entry
// fails TestAuthorizationMatrix.
var authzMatrix = map[string]access{
	"GET /healthz":           {public: true},
	"GET /readyz":            {public: true},
	"GET /metrics":           {public: true},
	"GET /":                  {public: true},
	"GET /chat":              {public: true},
	"GET /widget.js":         {public: true},
	"GET /articles/*id":      {public: true},
	"GET /login":             {public: true},
	"GET /static/*filepath":  {public: true},
	"HEAD /static/*filepath": {public: true},
	"GET /console":           {page: true},
	"GET /editor":            {page: true},
	"GET /insights":          {page: true},
	"GET /admin":             {page: true},

	"POST /api/v1/conversations":                            {public: true},
	"GET /api/v1/collections/:c/welcome":                    {public: true},
	"POST /api/v1/conversations/:id/messages":               {customer: true},
	"GET /api/v1/conversations/:id/messages":                {customer: true},
	"POST /api/v1/conversations/:id/handoff":                {customer: true},
	"GET /api/v1/conversations/:id/handoff":                 {customer: true},
	"POST /api/v1/conversations/:id/contact":                {customer: true},
	"POST /api/v1/conversations/:id/reopen":                 {customer: true},
	"POST /api/v1/conversations/:id/messages/:mid/feedback": {customer: true},
	"POST /api/v1/conversations/:id/rating":                 {customer: true},
	"POST /api/v1/conversations/:id/end":                    {customer: true},
	"GET /api/v1/conversations/:id/events":                  {customer: true},

	"POST /api/v1/session":   {signIn: true},
	"GET /api/v1/session":    {signIn: true},
	"DELETE /api/v1/session": {roles: []string{"admin", "editor", "agent"}},

	"GET /api/v1/handoffs":               {roles: []string{"agent", "admin"}},
	"GET /api/v1/handoffs/:id":           {roles: []string{"agent", "admin"}},
	"POST /api/v1/handoffs/:id/claim":    {roles: []string{"agent", "admin"}},
	"POST /api/v1/handoffs/:id/release":  {roles: []string{"agent", "admin"}},
	"POST /api/v1/handoffs/:id/transfer": {roles: []string{"agent", "admin"}},
	"POST /api/v1/handoffs/:id/handback": {roles: []string{"agent", "admin"}},
	"POST /api/v1/handoffs/:id/resolve":  {roles: []string{"agent", "admin"}},
	"POST /api/v1/handoffs/:id/messages": {roles: []string{"agent", "admin"}},
	"GET /api/v1/presence":               {roles: []string{"agent", "admin"}},
	"PUT /api/v1/presence":               {roles: []string{"agent", "admin"}},
	"GET /api/v1/teams":                  {roles: []string{"agent", "admin"}},
	"GET /api/v1/events":                 {roles: []string{"agent", "admin", "editor"}},
	"GET /api/v1/misses":                 {roles: []string{"editor", "admin", "agent"}},
	"GET /api/v1/analytics":              {roles: []string{"editor", "admin", "agent"}},

	"POST /api/v1/collections/:c/documents":       {roles: []string{"editor", "admin"}},
	"GET /api/v1/jobs":                            {roles: []string{"editor", "admin"}},
	"GET /api/v1/jobs/:id":                        {roles: []string{"editor", "admin"}},
	"GET /api/v1/articles":                        {roles: []string{"editor", "admin"}},
	"POST /api/v1/articles":                       {roles: []string{"editor", "admin"}},
	"GET /api/v1/articles/:id":                    {roles: []string{"editor", "admin"}},
	"PUT /api/v1/articles/:id":                    {roles: []string{"editor", "admin"}},
	"DELETE /api/v1/articles/:id":                 {roles: []string{"editor", "admin"}},
	"PUT /api/v1/articles/:id/draft":              {roles: []string{"editor", "admin"}},
	"DELETE /api/v1/articles/:id/draft":           {roles: []string{"editor", "admin"}},
	"POST /api/v1/articles/:id/publish":           {roles: []string{"editor", "admin"}},
	"POST /api/v1/articles/:id/restore":           {roles: []string{"editor", "admin"}},
	"GET /api/v1/articles/:id/diff":               {roles: []string{"editor", "admin"}},
	"POST /api/v1/articles/:id/merge":             {roles: []string{"editor", "admin"}},
	"GET /api/v1/duplicates":                      {roles: []string{"editor", "admin"}},
	"GET /api/v1/collections/:c/welcome/settings": {roles: []string{"editor", "admin"}},
	"PUT /api/v1/collections/:c/welcome/settings": {roles: []string{"editor", "admin"}},
	"POST /api/v1/search":                         {roles: []string{"editor", "admin"}},
	"POST /api/v1/preview":                        {roles: []string{"editor", "admin"}},
	"GET /api/v1/audit":                           {roles: []string{"editor", "admin"}},
	"POST /api/v1/misses/fix":                     {roles: []string{"editor", "admin"}},

	"GET /api/v1/admin/policies":                      {roles: []string{"admin"}},
	"PUT /api/v1/admin/policies":                      {roles: []string{"admin"}},
	"POST /api/v1/admin/policies/preview":             {roles: []string{"admin"}},
	"GET /api/v1/admin/recalibration":                 {roles: []string{"admin"}},
	"GET /api/v1/admin/users":                         {roles: []string{"admin"}},
	"POST /api/v1/admin/users":                        {roles: []string{"admin"}},
	"PATCH /api/v1/admin/users/:id":                   {roles: []string{"admin"}},
	"POST /api/v1/admin/users/:id/password":           {roles: []string{"admin"}},
	"GET /api/v1/admin/users/:id/keys":                {roles: []string{"admin"}},
	"POST /api/v1/admin/users/:id/keys":               {roles: []string{"admin"}},
	"DELETE /api/v1/admin/users/:id/keys/:key":        {roles: []string{"admin"}},
	"GET /api/v1/admin/conversations/:id/export":      {roles: []string{"admin"}},
	"DELETE /api/v1/admin/conversations/:id":          {roles: []string{"admin"}},
	"GET /api/v1/admin/integrations":                  {roles: []string{"admin"}},
	"PUT /api/v1/admin/integrations/webhook":          {roles: []string{"admin"}},
	"POST /api/v1/admin/integrations/webhook/test":    {roles: []string{"admin"}},
	"GET /api/v1/admin/customers/:customer_id/export": {roles: []string{"admin"}},
	"DELETE /api/v1/admin/customers/:customer_id":     {roles: []string{"admin"}},
	"GET /api/v1/admin/teams":                         {roles: []string{"admin"}},
	"POST /api/v1/admin/teams":                        {roles: []string{"admin"}},
	"PATCH /api/v1/admin/teams/:id":                   {roles: []string{"admin"}},
	"DELETE /api/v1/admin/teams/:id":                  {roles: []string{"admin"}},
	"PUT /api/v1/admin/teams/:id/members":             {roles: []string{"admin"}},
	"PUT /api/v1/admin/teams/:id/collections":         {roles: []string{"admin"}},
}

// TestAuthorizationMatrix calls every route as every kind of caller:
// nobody, the conversation's customer, another conversation's customer,
// a customer whose token expired, and staff of each role by API key.
// Whoever the matrix does not admit must get 401 or 403 (a staff page:
// sent to /login); whoever it admits must not.
func TestAuthorizationMatrix(t *testing.T) {
	data := t.TempDir()
	keys := map[string]string{}
	for _, role := range []string{"admin", "editor", "agent"} {
		keys[role] = addKey(t, data, role, "matrix-"+role)
	}
	srv := launch(t, data, func(c *Config) { c.TokenIdle = time.Hour })
	c := client{t, "http://" + srv.Addr()}
	own, ownToken := c.start()
	_, otherToken := c.start()
	expired, expiredToken := c.start()
	backdate(t, data, expired, 2*time.Hour)

	routes := srv.http.Handler.(*web.Server).Routes()
	for _, r := range routes {
		if _, ok := authzMatrix[r]; !ok {
			t.Errorf("route %s has no entry in authzMatrix: say who may use it", r)
		}
	}
	for r := range authzMatrix {
		if !slices.Contains(routes, r) {
			t.Errorf("authzMatrix names %s, which the server does not have", r)
		}
	}

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	call := func(method, path, token string) int {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		body := ""
		if method != "GET" && method != "HEAD" {
			body = "{}"
		}
		req, _ := http.NewRequestWithContext(ctx, method, c.base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return 0
		}
		res.Body.Close() // a live stream ends here, once its status is known
		return res.StatusCode
	}
	type caller struct{ name, token, role string }
	callers := []caller{{"nobody", "", ""}, {"its customer", ownToken, ""}, {"another customer", otherToken, ""}, {"an expired customer", expiredToken, ""}}
	for _, role := range []string{"admin", "editor", "agent"} {
		callers = append(callers, caller{role, keys[role], role})
	}
	sorted := slices.Sorted(func(yield func(string) bool) {
		for r := range authzMatrix {
			if !yield(r) {
				return
			}
		}
	})
	for _, r := range sorted {
		a := authzMatrix[r]
		method, pattern, _ := strings.Cut(r, " ")
		path := strings.NewReplacer(":customer_id", "nobody-at-all", ":key", "no-such-key", ":mid", "no-such-message", ":c", "default", "*id", "default/returns", "*filepath", "chat.js").Replace(pattern)
		if a.customer {
			path = strings.Replace(path, ":id", own, 1)
		}
		path = strings.Replace(path, ":id", "no-such-id", 1)
		for _, who := range callers {
			if a.customer && who.name == "an expired customer" {
				// The expired customer's own conversation, so that expiry
				// (401), not the wrong conversation (403), is what is tested.
				path := strings.Replace(pattern, ":id", expired, 1)
				path = strings.Replace(path, ":mid", "no-such-message", 1)
				if code := call(method, path, who.token); code != http.StatusUnauthorized {
					t.Errorf("%s by %s on its own conversation = %d, want 401", r, who.name, code)
				}
				continue
			}
			code := call(method, path, who.token)
			allowed := a.public || (a.customer && who.token == ownToken) || slices.Contains(a.roles, who.role)
			switch {
			case a.signIn:
				if code == http.StatusForbidden {
					t.Errorf("%s by %s = 403, want it open to anyone", r, who.name)
				}
			case a.page:
				if code != http.StatusSeeOther {
					t.Errorf("%s by %s (no session) = %d, want 303 to /login", r, who.name, code)
				}
			case allowed && (code == http.StatusUnauthorized || code == http.StatusForbidden):
				t.Errorf("%s by %s = %d, want it admitted", r, who.name, code)
			case !allowed && code != http.StatusUnauthorized && code != http.StatusForbidden:
				t.Errorf("%s by %s = %d, want 401 or 403", r, who.name, code)
			}
		}
	}
}
