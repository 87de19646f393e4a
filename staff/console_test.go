package staff

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/dialogs"
	"buurtloket/internal/origin"
	"buurtloket/internal/shipped"
	stafftexts "buurtloket/locales/staff"
	"buurtloket/requests"
	"buurtloket/sqlite"
	"buurtloket/storetest"

	"github.com/pquerna/otp/totp"
)

// cheap keeps the tests fast; the cost of real hashes is DefaultArgon2's.
var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1}

// console is the console over a real SQLite store, on a test server.
type console struct {
	t     *testing.T
	s     *Server
	store *requests.Store
	clock *storetest.Clock
	srv   *httptest.Server
}

func newConsole(t *testing.T) *console {
	t.Helper()
	return newConsoleOver(t, nil)
}

// newConsoleOver is newConsole with the console's store wrapped by wrap
// (nil: none), for a store that fails on purpose.
func newConsoleOver(t *testing.T, wrap func(*requests.Store) buurtloket.RequestStore) *console {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "c.db"), storetest.NewSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := storetest.NewClock()
	store.SetClock(clock.Now)
	texts, probs := dialogs.LoadCatalog(stafftexts.FS, "locales/staff")
	if texts == nil {
		t.Fatalf("the console's texts: %v", probs)
	}
	var over buurtloket.RequestStore = store
	if wrap != nil {
		over = wrap(store)
	}
	s, err := New(Config{Store: over, Texts: texts, Content: shippedContent(t), Argon2: cheap, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &console{t: t, s: s, store: store, clock: clock, srv: srv}
}

// account adds an account whose password is set already (no one-time
// password), with two-factor login when secret is not "".
func (c *console) account(email string, role buurtloket.Role, password, secret string) *buurtloket.Account {
	c.t.Helper()
	a, err := AddAccount(context.Background(), c.store, buurtloket.ActorCommandLine, email, "Anna", role, password, cheap)
	if err != nil {
		c.t.Fatal(err)
	}
	a, err = c.store.UpdateAccount(context.Background(), a.ID, func(a *buurtloket.Account) error {
		a.MustChangePassword, a.TOTPSecret = false, secret
		return nil
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return a
}

// browser is one browser: its cookies, and the CSRF token of the last
// page it read. It does not follow redirects, so that tests see them.
type browser struct {
	c      *console
	client *http.Client
	csrf   string
	origin string // the Origin header of its posts ("" for none)
}

func (c *console) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{c: c, origin: c.srv.URL, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.c.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.c.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.c.t.Helper()
	req, _ := http.NewRequest("GET", b.c.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form with the browser's CSRF token, unless form has one.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.c.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	return b.do(req)
}

// login posts the login form and returns where it leads.
func (b *browser) login(email, password string) (*http.Response, string) {
	b.c.t.Helper()
	b.get("/staff/login")
	return b.post("/staff/login", url.Values{"email": {email}, "password": {password}})
}

func (b *browser) cookie() string {
	u, _ := url.Parse(b.c.srv.URL + "/staff/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

func wantRedirect(t *testing.T, resp *http.Response, to string) {
	t.Helper()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != to {
		t.Fatalf("%s %s: %d to %q, want 303 to %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, resp.Header.Get("Location"), to)
	}
}

// code is the authenticator app's code for secret now.
func (c *console) code(secret string) string {
	c.t.Helper()
	code, err := totp.GenerateCode(secret, c.clock.Now())
	if err != nil {
		c.t.Fatal(err)
	}
	return code
}

// loggedIn returns a browser with every login step done.
func (c *console) loggedIn(email, password, secret string) *browser {
	c.t.Helper()
	b := c.browser()
	resp, _ := b.login(email, password)
	if secret != "" {
		wantRedirect(c.t, resp, "/staff/code")
		b.get("/staff/code")
		resp, _ = b.post("/staff/code", url.Values{"code": {c.code(secret)}})
	}
	wantRedirect(c.t, resp, "/staff/")
	if resp, _ := b.get("/staff/"); resp.StatusCode != http.StatusOK {
		c.t.Fatalf("the inbox after login: %d", resp.StatusCode)
	}
	return b
}

const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// TestFirstLoginOfAnAdmin: a one-time password must be replaced, and an
// admin sets up two-factor login, before anything else opens; the session
// gets a new ID at each step, and the recovery codes work once.
func TestFirstLoginOfAnAdmin(t *testing.T) {
	c := newConsole(t)
	ctx := context.Background()
	once := OneTimePassword()
	if _, err := AddAccount(ctx, c.store, buurtloket.ActorCommandLine, "beheer@woonplus.nl", "Beheer", buurtloket.RoleAdmin, once, cheap); err != nil {
		t.Fatal(err)
	}
	b := c.browser()
	resp, _ := b.login("Beheer@Woonplus.nl", once)
	wantRedirect(t, resp, "/staff/password")
	first := b.cookie()
	for _, path := range []string{"/staff/", "/staff/accounts", "/staff/code"} {
		resp, _ := b.get(path)
		if resp.StatusCode == http.StatusOK && path != "/staff/code" {
			t.Fatalf("%s opens before the one-time password is replaced", path)
		}
	}
	b.get("/staff/password")
	if resp, body := b.post("/staff/password", url.Values{"new": {"kort"}, "again": {"kort"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.s.cfg.Texts.Text("nl", "staff.password.too_short")) {
		t.Fatalf("a short password: %d", resp.StatusCode)
	}
	if resp, _ := b.post("/staff/password", url.Values{"new": {once}, "again": {once}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("the one-time password as the new one: %d", resp.StatusCode)
	}
	resp, _ = b.post("/staff/password", url.Values{"new": {"drie lange woorden hier"}, "again": {"drie lange woorden hier"}})
	wantRedirect(t, resp, "/staff/two-factor")
	if b.cookie() == first {
		t.Fatal("the session kept its ID after the new password")
	}
	// Without two-factor, an admin gets nowhere.
	for _, path := range []string{"/staff/", "/staff/accounts"} {
		resp, _ := b.get(path)
		wantRedirect(t, resp, "/staff/two-factor")
	}
	resp, body := b.get("/staff/two-factor")
	m := regexp.MustCompile(`name="secret" value="([A-Z2-7]{32})"`).FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("the set-up page: %d", resp.StatusCode)
	}
	if resp, _ := b.post("/staff/two-factor", url.Values{"secret": {m[1]}, "code": {"000000"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong code at set-up: %d", resp.StatusCode)
	}
	second := b.cookie()
	resp, body = b.post("/staff/two-factor", url.Values{"secret": {m[1]}, "code": {c.code(m[1])}})
	codes := regexp.MustCompile(`<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code></li>`).FindAllStringSubmatch(body, -1)
	if resp.StatusCode != http.StatusOK || len(codes) != 10 {
		t.Fatalf("the recovery codes: %d, %d codes", resp.StatusCode, len(codes))
	}
	if b.cookie() == second {
		t.Fatal("the session kept its ID when the login was done")
	}
	if resp, _ := b.get("/staff/accounts"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the accounts page after set-up: %d", resp.StatusCode)
	}

	// The next login asks for a code; the one used at set-up does not
	// work again, a recovery code works once.
	b2 := c.browser()
	resp, _ = b2.login("beheer@woonplus.nl", "drie lange woorden hier")
	wantRedirect(t, resp, "/staff/code")
	b2.get("/staff/code")
	if resp, _ := b2.post("/staff/code", url.Values{"code": {c.code(m[1])}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a code used before: %d", resp.StatusCode)
	}
	resp, _ = b2.post("/staff/code", url.Values{"code": {strings.ToUpper(codes[0][1])}})
	wantRedirect(t, resp, "/staff/")
	b3 := c.browser()
	b3.login("beheer@woonplus.nl", "drie lange woorden hier")
	b3.get("/staff/code")
	if resp, _ := b3.post("/staff/code", url.Values{"code": {codes[0][1]}}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a recovery code used twice: %d", resp.StatusCode)
	}
	c.clock.Add(30 * time.Second)
	resp, _ = b3.post("/staff/code", url.Values{"code": {c.code(m[1])}})
	wantRedirect(t, resp, "/staff/")
}

// TestEveryRouteNeedsALogin walks the console's own route table: without a
// session, every route but the login page sends to the login page (GET) or
// is refused (POST), and shows nothing.
func TestEveryRouteNeedsALogin(t *testing.T) {
	c := newConsole(t)
	b := c.browser()
	if len(c.s.routes) < 10 {
		t.Fatalf("only %d routes", len(c.s.routes))
	}
	for _, rt := range c.s.routes {
		method, path := routePath(rt.pattern)
		if rt.access == public {
			if !strings.HasPrefix(path, "/staff/login") {
				t.Errorf("%s is open without a login", rt.pattern)
			}
			continue
		}
		var resp *http.Response
		var body string
		if method == "GET" {
			resp, body = b.get(path)
			wantRedirect(t, resp, "/staff/login")
		} else {
			resp, body = b.post(path, url.Values{"csrf": {"x"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s without a session: %d, want 403", rt.pattern, resp.StatusCode)
			}
		}
		if strings.Contains(body, "<table") {
			t.Errorf("%s shows a table without a session", rt.pattern)
		}
	}
	if resp, _ := b.get("/staff/static/console.css"); resp.StatusCode != http.StatusOK {
		t.Errorf("the style sheet: %d", resp.StatusCode)
	}
}

// routePath makes a request path of a route pattern, with 1 for each
// wildcard.
func routePath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	return method, regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllString(path, "1")
}

// TestEveryFormChecksCSRF: with a full admin session, every POST route
// refuses a form without the session's token, with another token, and
// with the right token from another site; the login form wants the
// token of its own cookie.
func TestEveryFormChecksCSRF(t *testing.T) {
	c := newConsole(t)
	c.account("beheer@woonplus.nl", buurtloket.RoleAdmin, "een goed wachtwoord", secret)
	b := c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
	posts := 0
	for _, rt := range c.s.routes {
		method, path := routePath(rt.pattern)
		if method != "POST" {
			continue
		}
		posts++
		for name, form := range map[string]url.Values{"no token": {"email": {"x@y.nl"}, "csrf": {""}}, "another token": {"csrf": {"abc"}}} {
			if resp, _ := b.post(path, form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s with %s: %d, want 403", rt.pattern, name, resp.StatusCode)
			}
		}
		b.get("/staff/")
		evil := *b
		evil.origin = "https://evil.example"
		if resp, _ := evil.post(path, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s from another site: %d, want 403", rt.pattern, resp.StatusCode)
		}
	}
	if posts < 8 {
		t.Fatalf("only %d POST routes", posts)
	}
	if n, _ := c.store.CountAccounts(context.Background()); n != 1 {
		t.Fatalf("a refused form added an account: %d", n)
	}
	if _, err := c.store.StaffSession(context.Background(), hashToken(b.cookie()), true); err != nil {
		t.Fatalf("a refused logout ended the session: %v", err)
	}
}

// TestStaffCannotReachAdminPages: a staff member's session opens no admin
// route, with a valid form or without.
func TestStaffCannotReachAdminPages(t *testing.T) {
	c := newConsole(t)
	c.account("anna@woonplus.nl", buurtloket.RoleStaff, "een goed wachtwoord", "")
	other := c.account("bram@woonplus.nl", buurtloket.RoleStaff, "nog een wachtwoord", "")
	b := c.loggedIn("anna@woonplus.nl", "een goed wachtwoord", "")
	admins := 0
	for _, rt := range c.s.routes {
		if rt.access != admin {
			continue
		}
		admins++
		method, path := routePath(rt.pattern)
		path = strings.Replace(path, "/1/", "/"+itoa(other.ID)+"/", 1)
		var resp *http.Response
		if method == "GET" {
			resp, _ = b.get(path)
		} else {
			b.get("/staff/")
			resp, _ = b.post(path, url.Values{"email": {"x@woonplus.nl"}, "name": {"X"}, "role": {"admin"}})
		}
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("staff at %s: %d, want 403", rt.pattern, resp.StatusCode)
		}
	}
	if admins < 3 {
		t.Fatalf("only %d admin routes", admins)
	}
	if a, _ := c.store.Account(context.Background(), other.ID); a.Disabled || a.MustChangePassword {
		t.Fatalf("a staff member changed an account: %+v", a)
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// TestWrongPasswordsLockOut: five wrong passwords lock the account for a
// quarter of an hour, the right one too; twenty from one address lock
// that address for every account.
func TestWrongPasswordsLockOut(t *testing.T) {
	c := newConsole(t)
	c.account("anna@woonplus.nl", buurtloket.RoleStaff, "een goed wachtwoord", "")
	b := c.browser()
	for i := 0; i < buurtloket.LoginFailuresPerKey; i++ {
		if resp, _ := b.login("anna@woonplus.nl", "fout"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp, body := b.login("anna@woonplus.nl", "een goed wachtwoord"); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, c.s.cfg.Texts.Text("nl", "staff.login.locked")) {
		t.Fatalf("the right password on a locked account: %d", resp.StatusCode)
	}
	c.clock.Add(buurtloket.LoginLockout)
	resp, _ := b.login("anna@woonplus.nl", "een goed wachtwoord")
	wantRedirect(t, resp, "/staff/")

	c.account("bram@woonplus.nl", buurtloket.RoleStaff, "nog een wachtwoord", "")
	guesser := c.browser()
	for i := 0; i < buurtloket.LoginFailuresPerIP; i++ {
		guesser.login("user"+itoa(int64(i))+"@woonplus.nl", "fout")
	}
	if resp, _ := guesser.login("bram@woonplus.nl", "nog een wachtwoord"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after 20 wrong logins from one address: %d, want 429", resp.StatusCode)
	}
}

// TestLockingTellsNoAccounts: wrong passwords for an address without an
// account lock it as they lock an account, with the same answer: a
// guesser cannot tell which addresses have accounts.
func TestLockingTellsNoAccounts(t *testing.T) {
	c := newConsole(t)
	c.account("anna@woonplus.nl", buurtloket.RoleStaff, "een goed wachtwoord", "")
	answers := map[string][]string{}
	for _, email := range []string{"anna@woonplus.nl", "niemand@woonplus.nl"} {
		b := c.browser()
		for i := 0; i <= buurtloket.LoginFailuresPerKey; i++ {
			resp, body := b.login(email, "fout")
			answers[email] = append(answers[email], strconv.Itoa(resp.StatusCode)+" "+problem(body))
		}
	}
	known, unknown := answers["anna@woonplus.nl"], answers["niemand@woonplus.nl"]
	if strings.Join(known, ", ") != strings.Join(unknown, ", ") {
		t.Fatalf("an account answers\n  %v\nwhere no account answers\n  %v", known, unknown)
	}
	if last := known[len(known)-1]; !strings.HasPrefix(last, "429 ") {
		t.Fatalf("after %d wrong passwords: %s", buurtloket.LoginFailuresPerKey, last)
	}
}

// TestOneTimePasswordsExpire: a one-time password works for
// OneTimePasswordLife, then is refused, also when right; a reset gives
// one that works again.
func TestOneTimePasswordsExpire(t *testing.T) {
	c := newConsole(t)
	once := OneTimePassword()
	a, err := AddAccount(context.Background(), c.store, buurtloket.ActorCommandLine, "anna@woonplus.nl", "Anna", buurtloket.RoleStaff, once, cheap)
	if err != nil {
		t.Fatal(err)
	}
	c.clock.Add(buurtloket.OneTimePasswordLife - time.Minute)
	if resp, _ := c.browser().login("anna@woonplus.nl", once); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a one-time password just in time: %d", resp.StatusCode)
	}
	c.clock.Add(time.Minute)
	resp, body := c.browser().login("anna@woonplus.nl", once)
	if resp.StatusCode != http.StatusUnauthorized || problem(body) != c.s.cfg.Texts.Text("nl", "staff.login.expired") {
		t.Fatalf("an expired one-time password: %d %q", resp.StatusCode, problem(body))
	}
	again := OneTimePassword()
	if _, err := ResetAccount(context.Background(), c.store, buurtloket.ActorCommandLine, a.ID, again, cheap); err != nil {
		t.Fatal(err)
	}
	resp, _ = c.browser().login("anna@woonplus.nl", again)
	wantRedirect(t, resp, "/staff/password")
}

// problem is the problem a page reports, if any.
func problem(body string) string {
	m := regexp.MustCompile(`class="problem"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestSessionsEnd: a session ends when idle, at its absolute age, at
// logout, and everywhere when asked.
func TestSessionsEnd(t *testing.T) {
	c := newConsole(t)
	c.account("anna@woonplus.nl", buurtloket.RoleStaff, "een goed wachtwoord", "")
	b := c.loggedIn("anna@woonplus.nl", "een goed wachtwoord", "")
	c.clock.Add(buurtloket.StaffIdleTimeout)
	resp, _ := b.get("/staff/")
	wantRedirect(t, resp, "/staff/login")

	b = c.loggedIn("anna@woonplus.nl", "een goed wachtwoord", "")
	other := c.loggedIn("anna@woonplus.nl", "een goed wachtwoord", "")
	resp, _ = b.post("/staff/logout-everywhere", nil)
	wantRedirect(t, resp, "/staff/login")
	resp, _ = other.get("/staff/")
	wantRedirect(t, resp, "/staff/login")

	b = c.loggedIn("anna@woonplus.nl", "een goed wachtwoord", "")
	resp, _ = b.post("/staff/logout", nil)
	wantRedirect(t, resp, "/staff/login")
	resp, _ = b.get("/staff/")
	wantRedirect(t, resp, "/staff/login")

	// A disabled account's open session ends at its next page.
	b = c.loggedIn("anna@woonplus.nl", "een goed wachtwoord", "")
	a, _ := c.store.AccountByEmail(context.Background(), "anna@woonplus.nl")
	if _, err := c.store.UpdateAccount(context.Background(), a.ID, func(a *buurtloket.Account) error { a.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	resp, _ = b.get("/staff/")
	wantRedirect(t, resp, "/staff/login")
	if resp, _ := c.browser().login("anna@woonplus.nl", "een goed wachtwoord"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a disabled account logs in: %d", resp.StatusCode)
	}
}

// TestCookiesAndHeaders: the session cookie is HttpOnly and SameSite, and
// Secure behind TLS; pages are not cached, framed or sniffed.
func TestCookiesAndHeaders(t *testing.T) {
	c := newConsole(t)
	c.account("anna@woonplus.nl", buurtloket.RoleStaff, "een goed wachtwoord", "")
	c.s.public = origin.Parse("https://buurtloket.example.nl")
	b := c.browser()
	b.get("/staff/login")
	form := url.Values{"email": {"anna@woonplus.nl"}, "password": {"een goed wachtwoord"}, "csrf": {b.csrf}}
	req, _ := http.NewRequest("POST", c.srv.URL+"/staff/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", loginCookie+"="+b.csrf)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteStrictMode || session.Path != "/staff/" {
		t.Fatalf("session cookie %+v", session)
	}
	for h, want := range map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
}

// shippedContent is the shipped flows and texts, with their canned replies.
func shippedContent(t testing.TB) func() *dialogs.Content {
	t.Helper()
	c, probs := dialogs.Load(shipped.Source())
	if c == nil {
		t.Fatalf("the shipped content: %v", probs)
	}
	return func() *dialogs.Content { return c }
}

// TestOneTimePasswordComesFirst: with a one-time password, the two-factor
// steps do not open until it is replaced (else a one-time password could
// be kept for good, with a second factor of one's own).
func TestOneTimePasswordComesFirst(t *testing.T) {
	c := newConsole(t)
	once := OneTimePassword()
	if _, err := AddAccount(context.Background(), c.store, buurtloket.ActorCommandLine, "beheer@woonplus.nl", "Beheer", buurtloket.RoleAdmin, once, cheap); err != nil {
		t.Fatal(err)
	}
	b := c.browser()
	b.login("beheer@woonplus.nl", once)
	for _, path := range []string{"/staff/two-factor", "/staff/code"} {
		resp, _ := b.get(path)
		wantRedirect(t, resp, "/staff/password")
	}
	b.get("/staff/password")
	resp, _ := b.post("/staff/two-factor", url.Values{"secret": {secret}, "code": {c.code(secret)}})
	wantRedirect(t, resp, "/staff/password")
	resp, _ = b.post("/staff/code", url.Values{"code": {"123456"}})
	wantRedirect(t, resp, "/staff/password")
	if a, _ := c.store.AccountByEmail(context.Background(), "beheer@woonplus.nl"); a.TwoFactor() {
		t.Fatal("a second factor was set up before the one-time password was replaced")
	}
}

// TestWrongCodesLockOut: wrong two-factor codes lock the account, and a
// right password in between does not start the count again.
func TestWrongCodesLockOut(t *testing.T) {
	c := newConsole(t)
	c.account("beheer@woonplus.nl", buurtloket.RoleAdmin, "een goed wachtwoord", secret)
	for i := 0; i < buurtloket.LoginFailuresPerKey; i++ {
		b := c.browser() // a new login for every guess
		resp, _ := b.login("beheer@woonplus.nl", "een goed wachtwoord")
		wantRedirect(t, resp, "/staff/code")
		b.get("/staff/code")
		if resp, _ := b.post("/staff/code", url.Values{"code": {"000000"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %d", i+1, resp.StatusCode)
		}
	}
	b := c.browser()
	b.login("beheer@woonplus.nl", "een goed wachtwoord")
	b.get("/staff/code")
	if resp, _ := b.post("/staff/code", url.Values{"code": {c.code(secret)}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right code after %d wrong ones: %d, want 429", buurtloket.LoginFailuresPerKey, resp.StatusCode)
	}
	c.clock.Add(buurtloket.LoginLockout + 30*time.Second)
	b = c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
	// Logging in again while a login step waits works (the login form has
	// its own token).
	b2 := c.browser()
	b2.login("beheer@woonplus.nl", "een goed wachtwoord")
	if resp, _ := b2.login("beheer@woonplus.nl", "een goed wachtwoord"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a second login during a login step: %d", resp.StatusCode)
	}
}

// TestReplacingTwoFactorAsksThePassword: a full session replaces its
// second factor only with the password, and every other session ends.
func TestReplacingTwoFactorAsksThePassword(t *testing.T) {
	c := newConsole(t)
	c.account("beheer@woonplus.nl", buurtloket.RoleAdmin, "een goed wachtwoord", secret)
	b := c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
	c.clock.Add(time.Minute)
	other := c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
	const next = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	b.get("/staff/two-factor")
	if resp, _ := b.post("/staff/two-factor", url.Values{"secret": {next}, "code": {c.code(next)}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("replacing without the password: %d", resp.StatusCode)
	}
	if a, _ := c.store.AccountByEmail(context.Background(), "beheer@woonplus.nl"); a.TOTPSecret != secret {
		t.Fatal("the second factor was replaced without the password")
	}
	b.get("/staff/two-factor")
	if resp, _ := b.post("/staff/two-factor", url.Values{"secret": {next}, "code": {c.code(next)}, "password": {"een goed wachtwoord"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("replacing with the password: %d", resp.StatusCode)
	}
	if resp, _ := other.get("/staff/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("another session after the second factor was replaced: %d, want the login page", resp.StatusCode)
	}
	if resp, _ := b.get("/staff/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the session that replaced it: %d", resp.StatusCode)
	}
}

// TestOpenConsoleIsNoWayToGuessThePassword: wrong current passwords, to
// change the password or to replace the second factor, lock the account
// as wrong logins do; locked, not even the right one is taken.
func TestOpenConsoleIsNoWayToGuessThePassword(t *testing.T) {
	c := newConsole(t)
	c.account("beheer@woonplus.nl", buurtloket.RoleAdmin, "een goed wachtwoord", secret)
	b := c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
	const next = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	for i := 0; i < buurtloket.LoginFailuresPerKey; i++ {
		b.get("/staff/password")
		form := url.Values{"current": {"fout"}, "new": {"vier lange woorden nu"}, "again": {"vier lange woorden nu"}}
		path := "/staff/password"
		if i%2 == 1 {
			b.get("/staff/two-factor")
			form, path = url.Values{"secret": {next}, "code": {c.code(next)}, "password": {"fout"}}, "/staff/two-factor"
		}
		if resp, _ := b.post(path, form); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong current password %d at %s: %d", i+1, path, resp.StatusCode)
		}
	}
	b.get("/staff/password")
	resp, body := b.post("/staff/password", url.Values{"current": {"een goed wachtwoord"}, "new": {"vier lange woorden nu"}, "again": {"vier lange woorden nu"}})
	if resp.StatusCode != http.StatusTooManyRequests || problem(body) != c.s.cfg.Texts.Text("nl", "staff.login.locked") {
		t.Fatalf("the right password on a locked account: %d %q", resp.StatusCode, problem(body))
	}
	b.get("/staff/two-factor")
	if resp, _ := b.post("/staff/two-factor", url.Values{"secret": {next}, "code": {c.code(next)}, "password": {"een goed wachtwoord"}}); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("replacing the second factor on a locked account: %d", resp.StatusCode)
	}
	a, _ := c.store.AccountByEmail(context.Background(), "beheer@woonplus.nl")
	if ok, _ := PasswordMatches(a.PasswordHash, "een goed wachtwoord", cheap); !ok || a.TOTPSecret != secret {
		t.Fatal("a locked account was changed")
	}
	if resp, _ := c.browser().login("beheer@woonplus.nl", "een goed wachtwoord"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("logging in on the locked account: %d", resp.StatusCode)
	}
}

// TestAccountChangesAreRecorded: what admins, the command line and the
// staff members themselves do to accounts is in the audit trail, shown by
// name on the Accounts page, newest first.
func TestAccountChangesAreRecorded(t *testing.T) {
	c := newConsole(t)
	admin := c.account("beheer@woonplus.nl", buurtloket.RoleAdmin, "een goed wachtwoord", secret)
	c.clock.Add(time.Minute) // the trail is in time order
	b := c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
	b.get("/staff/accounts")
	if resp, _ := b.post("/staff/accounts", url.Values{"name": {"Bram Jansen"}, "email": {"bram@woonplus.nl"}, "role": {"staff"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("adding: %d", resp.StatusCode)
	}
	bram, err := c.store.AccountByEmail(context.Background(), "bram@woonplus.nl")
	if err != nil {
		t.Fatal(err)
	}
	c.clock.Add(time.Minute)
	b.get("/staff/accounts")
	if resp, _ := b.post("/staff/accounts/"+itoa(bram.ID)+"/reset", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("resetting: %d", resp.StatusCode)
	}
	c.clock.Add(time.Minute)
	b.get("/staff/accounts")
	resp, _ := b.post("/staff/accounts/"+itoa(bram.ID)+"/disable", nil)
	wantRedirect(t, resp, "/staff/accounts")
	got, err := c.store.AccountChanges(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	var trail []string
	for _, e := range got {
		trail = append(trail, e.Actor+" "+e.Action+" "+e.Detail)
	}
	// newest first; the first, by account(), came from the command line
	want := []string{admin.Actor() + " disabled " + bram.Actor(), admin.Actor() + " reset " + bram.Actor(), admin.Actor() + " added " + bram.Actor(),
		buurtloket.ActorCommandLine + " added " + admin.Actor()}
	if strings.Join(trail, "; ") != strings.Join(want, "; ") {
		t.Fatalf("the trail:\n  %v\nwant\n  %v", trail, want)
	}
	_, page := b.get("/staff/accounts")
	for _, says := range []string{"<td><bdi>Anna</bdi></td><td>" + c.s.cfg.Texts.Text("nl", "staff.accounts.change.disabled") + "</td><td><bdi>Bram Jansen</bdi></td>",
		"<td><bdi>" + c.s.cfg.Texts.Text("nl", "staff.accounts.by_cli") + "</bdi></td>"} {
		if !strings.Contains(page, says) {
			t.Errorf("the Accounts page does not show %q", says)
		}
	}
	// Staff members' own changes: a password of their own.
	once := OneTimePassword()
	cara, err := AddAccount(context.Background(), c.store, buurtloket.ActorCommandLine, "cara@woonplus.nl", "Cara", buurtloket.RoleStaff, once, cheap)
	if err != nil {
		t.Fatal(err)
	}
	c.clock.Add(time.Minute)
	cb := c.browser()
	cb.login("cara@woonplus.nl", once)
	cb.get("/staff/password")
	resp, _ = cb.post("/staff/password", url.Values{"new": {"vier lange woorden nu"}, "again": {"vier lange woorden nu"}})
	wantRedirect(t, resp, "/staff/")
	if got, _ := c.store.AccountChanges(context.Background(), 1); len(got) != 1 || got[0].Actor != cara.Actor() || got[0].Action != string(buurtloket.AccountPassword) {
		t.Fatalf("a new password of one's own: %+v", got[0])
	}
}

// TestEveryLogoutButtonWorks: every page with a logout button logs out
// with it, during a login step too; the login page has none; the
// password page logs out everywhere.
func TestEveryLogoutButtonWorks(t *testing.T) {
	c := newConsole(t)
	c.account("beheer@woonplus.nl", buurtloket.RoleAdmin, "een goed wachtwoord", secret)
	for _, path := range []string{"/staff/code", "/staff/login", "/staff/"} {
		b := c.browser()
		if path == "/staff/" {
			b = c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
		} else {
			b.login("beheer@woonplus.nl", "een goed wachtwoord") // a login step waits
		}
		_, body := b.get(path)
		has := strings.Contains(body, `action="/staff/logout"`)
		if path == "/staff/login" {
			if has {
				t.Errorf("the login page has a logout button")
			}
			continue
		}
		if !has {
			t.Fatalf("%s has no logout button", path)
		}
		resp, _ := b.post("/staff/logout", nil)
		wantRedirect(t, resp, "/staff/login")
	}
	// "Log out everywhere" is a button on the password page, and ends the
	// sessions on other computers too.
	c.clock.Add(30 * time.Second) // a code works once: the next one
	here := c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
	c.clock.Add(30 * time.Second)
	there := c.loggedIn("beheer@woonplus.nl", "een goed wachtwoord", secret)
	if _, body := here.get("/staff/password"); !strings.Contains(body, `action="/staff/logout-everywhere"`) {
		t.Fatal("no page has a button to log out everywhere")
	}
	resp, _ := here.post("/staff/logout-everywhere", nil)
	wantRedirect(t, resp, "/staff/login")
	for name, b := range map[string]*browser{"here": here, "there": there} {
		if resp, _ := b.get("/staff/"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("after logging out everywhere, the session %s: %d", name, resp.StatusCode)
		}
	}
}
