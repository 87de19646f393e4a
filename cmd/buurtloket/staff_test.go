package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var oneTime = regexp.MustCompile(`password: ([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})`)

// TestFirstStartPrintsAnAdminLoginOnce: serve on an empty database prints
// a one-time admin login, which opens the console at the step that sets a
// new password; a second start prints none.
func TestFirstStartPrintsAnAdminLoginOnce(t *testing.T) {
	dir := t.TempDir()
	var out syncBuffer
	s := &Server{Addr: "127.0.0.1:0", Stdout: &out, DB: filepath.Join(dir, "b.db"), KeyFile: filepath.Join(dir, "b.key")}
	stop := startServer(t, s)
	waitFor(t, func() bool { return strings.Contains(out.String(), "buurtloket is running") }, "the start-up message", &out)
	m := oneTime.FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), "e-mail:   "+firstAdmin) || !strings.Contains(out.String(), "/staff/") {
		t.Fatalf("no one-time admin login at the first start:\n%s", out.String())
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.URL() + "/staff/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if csrf == nil {
		t.Fatalf("the login page has no form:\n%s", page)
	}
	resp, err = client.PostForm(s.URL()+"/staff/login", url.Values{"email": {firstAdmin}, "password": {m[1]}, "csrf": {string(csrf[1])}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/staff/password" {
		t.Fatalf("the one-time login: %d to %q, want the new-password step", resp.StatusCode, resp.Header.Get("Location"))
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	stop = startServer(t, &Server{Addr: "127.0.0.1:0", Stdout: &again, DB: s.DB, KeyFile: s.KeyFile})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(again.String(), "buurtloket is running") || oneTime.MatchString(again.String()) {
		t.Fatalf("a second start printed a login again:\n%s", again.String())
	}
}

// TestStaffCommands: staff add, list, reset and disable.
func TestStaffCommands(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--db", filepath.Join(dir, "b.db"), "--key-file", filepath.Join(dir, "b.key")}
	staff := func(args ...string) (int, string, string) {
		t.Helper()
		return runCmd(t, "", append(append([]string{"staff"}, args...), db...)...)
	}
	code, out, _ := staff("add", "--email", "Anna@Woonplus.nl", "--name", "Anna de Vries", "--role", "staff")
	first := oneTime.FindStringSubmatch(out)
	if code != 0 || first == nil || !strings.Contains(out, "anna@woonplus.nl") {
		t.Fatalf("add: exit %d %q", code, out)
	}
	if code, _, stderr := staff("add", "--email", "anna@woonplus.nl", "--name", "Anna"); code != 1 || !strings.Contains(stderr, "already") {
		t.Fatalf("the same address again: exit %d %q", code, stderr)
	}
	if code, _, stderr := staff("add", "--email", "bram@woonplus.nl", "--name", "Bram", "--role", "boss"); code != 1 || !strings.Contains(stderr, "staff or admin") {
		t.Fatalf("an unknown role: exit %d %q", code, stderr)
	}
	if code, _, _ := staff("add", "--name", "Nobody"); code != 2 {
		t.Fatalf("add without an address: exit %d", code)
	}
	code, out, _ = staff("reset", "anna@woonplus.nl")
	second := oneTime.FindStringSubmatch(out)
	if code != 0 || second == nil || second[1] == first[1] {
		t.Fatalf("reset: exit %d %q", code, out)
	}
	if code, _, _ := staff("disable", "--email", "anna@woonplus.nl"); code != 0 {
		t.Fatalf("disable: exit %d", code)
	}
	code, out, _ = staff("list")
	if code != 0 || !regexp.MustCompile(`anna@woonplus.nl\s+Anna de Vries\s+staff\s+no\s+disabled`).MatchString(out) {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	if code, _, stderr := staff("disable", "nobody@woonplus.nl"); code != 1 || !strings.Contains(stderr, "no such account") {
		t.Fatalf("disable an unknown address: exit %d %q", code, stderr)
	}
}
