package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/postgres/pgtest"
	"buurtloket/storetest"
)

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "buurtloket.key")
	key, created, err := loadKey(path)
	if err != nil || !created || len(key) != buurtloket.KeySize {
		t.Fatalf("first run: %v created %v len %d", err, created, len(key))
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", info.Mode().Perm())
	}
	again, created, err := loadKey(path)
	if err != nil || created || string(again) != string(key) {
		t.Fatal("the second run must read the same key")
	}
	os.Chmod(path, 0o644)
	if _, _, err := loadKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a readable key file must be refused: %v", err)
	}
	os.WriteFile(path, []byte("not hex"), 0o600)
	if _, _, err := loadKey(path); err == nil {
		t.Fatal("a broken key file must be refused")
	}
}

func TestOpenStore(t *testing.T) {
	sealer, _ := buurtloket.NewSealer(buurtloket.NewKey())
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x", "b.db")
	s, what, err := openStore(ctx, path, sealer)
	if err != nil || what != "SQLite at "+path {
		t.Fatalf("sqlite: %v %q", err, what)
	}
	if _, err := s.Submit(ctx, storetest.NewRequest("k")); err != nil {
		t.Fatal(err)
	}
	s.Close()

	url := pgtest.Shared(t).NewDatabase(t)
	s, what, err = openStore(ctx, strings.Replace(url, "postgres@", "postgres:secret@", 1), sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(what, "PostgreSQL at postgres://…@127.0.0.1") || strings.Contains(what, "secret") {
		t.Fatalf("description %q must name PostgreSQL without the password", what)
	}
	if _, err := s.Submit(ctx, storetest.NewRequest("k")); err != nil {
		t.Fatal(err)
	}
}

// cliStore opens a fresh SQLite store with a key file, as the commands
// find them (--db, --key-file); the caller closes it before a command runs.
func cliStore(t *testing.T) (s buurtloket.RequestStore, db, key string) {
	t.Helper()
	dir := t.TempDir()
	db, key = filepath.Join(dir, "b.db"), filepath.Join(dir, "b.key")
	k, _, err := loadKey(key)
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := buurtloket.NewSealer(k)
	s, _, err = openStore(context.Background(), db, sealer)
	if err != nil {
		t.Fatal(err)
	}
	return s, db, key
}

func TestRequestsPurge(t *testing.T) {
	s, db, key := cliStore(t)
	clock := storetest.NewClock()
	s.(storetest.Store).SetClock(clock.Now)
	rec, _ := s.Submit(context.Background(), storetest.NewRequest("old"))
	s.SetStatus(context.Background(), rec.ID, "staff:anna", buurtloket.StatusClosed)
	s.Close()

	code, out, stderr := runCmd(t, "", "requests", "purge", "--dry-run", "--db", db, "--key-file", key, "--retention", "1")
	if code != 0 || !strings.Contains(out, "would purge 1 requests, money 1") {
		t.Fatalf("dry run: exit %d %q %q", code, out, stderr)
	}
	code, out, _ = runCmd(t, "", "requests", "purge", "--db", db, "--key-file", key, "--retention", "1")
	if code != 0 || !strings.Contains(out, "purged 1 requests") {
		t.Fatalf("purge: exit %d %q", code, out)
	}
	code, out, _ = runCmd(t, "", "requests", "purge", "--db", db, "--key-file", key, "--retention", "1")
	if code != 0 || !strings.Contains(out, "purged 0 requests") {
		t.Fatalf("second purge: exit %d %q", code, out)
	}
	if code, _, stderr := runCmd(t, "", "requests", "purge", "--retention", "worry=x"); code != 1 || !strings.Contains(stderr, "whole days") {
		t.Fatalf("bad retention: exit %d %q", code, stderr)
	}
}

func TestServeSettingsAreChecked(t *testing.T) {
	dir := t.TempDir()
	badWijken := filepath.Join(dir, "wijken.csv")
	os.WriteFile(badWijken, []byte("3111,Centrum\n31x1,Oost\n"), 0o644)
	base := []string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "b.db"), "--key-file", filepath.Join(dir, "b.key")}
	for _, c := range []struct {
		args []string
		want string
	}{
		{append(base, "--wijken", badWijken), "wijken.csv: line 2: want four digits"},
		{append(base, "--key", "abc"), "BUURTLOKET_KEY must be 64 hex digits"},
		{append(base, "--retention", "90,worry=zero"), "whole days"},
		{append(base, "--max-pages", "many"), "not a number of pages"},
		{append(base, "--max-pages", "-1"), "not a number of pages"},
		{append(base, "--shared-networks", "192.0.2.0/24,buurthuis"), `"buurthuis" is not a network`},
	} {
		var stderr strings.Builder
		if code := run(context.Background(), c.args, nil, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args[len(c.args)-2:], code, stderr.String(), c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b.db")); err == nil {
		t.Error("a refused start must not have opened the database")
	}
	// A key given directly is used, and no key file is written.
	s := &Server{Addr: "127.0.0.1:0", DB: filepath.Join(dir, "k.db"), KeyFile: filepath.Join(dir, "unused.key"),
		Key: strings.Repeat("ab", 32), Logger: slog.New(slog.DiscardHandler), Stdout: io.Discard}
	stop := startServer(t, s)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.KeyFile); err == nil {
		t.Error("a key file was written although the key was given")
	}
}

func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "just now", 5 * time.Minute: "5 min ago", 3 * time.Hour: "3 hours ago", 80 * time.Hour: "3 days ago",
	} {
		if got := ago(d); got != want {
			t.Errorf("ago(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestKioskCommands(t *testing.T) {
	dir := t.TempDir()
	db := []string{"--db", filepath.Join(dir, "b.db"), "--key-file", filepath.Join(dir, "b.key")}
	code, out, stderr := runCmd(t, "", append([]string{"kiosk", "add", "--name", "Buurthuis De Erker", "--wijk", "Oost", "--public-url", "https://buurtloket.example.nl"}, db...)...)
	if code != 0 || !strings.Contains(out, "Kiosk 1 added: Buurthuis De Erker (Oost)") || !strings.Contains(out, "https://buurtloket.example.nl/kiosk/pair?token=") {
		t.Fatalf("add: exit %d %q %q", code, out, stderr)
	}
	code, out, _ = runCmd(t, "", append([]string{"kiosk", "list"}, db...)...)
	if code != 0 || !strings.Contains(out, "Buurthuis De Erker") || !strings.Contains(out, "in use") || strings.Contains(out, "token") ||
		!strings.Contains(out, "LAST SEEN") || !strings.Contains(out, "never") {
		t.Fatalf("list: exit %d %q", code, out)
	}
	// Its page connects (the web channel records that).
	sealer, _, err := sealerFrom("", filepath.Join(dir, "b.key"))
	if err != nil {
		t.Fatal(err)
	}
	store, _, err := openStore(context.Background(), filepath.Join(dir, "b.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.KioskSeen(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	store.Close()
	if code, out, _ = runCmd(t, "", append([]string{"kiosk", "list"}, db...)...); code != 0 || !strings.Contains(out, "(just now)") || strings.Contains(out, "never") {
		t.Fatalf("list after the kiosk was seen: %q", out)
	}
	if code, out, _ = runCmd(t, "", append([]string{"kiosk", "revoke", "1"}, db...)...); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke: exit %d %q", code, out)
	}
	if code, out, _ = runCmd(t, "", append([]string{"kiosk", "list"}, db...)...); code != 0 || !strings.Contains(out, "revoked ") {
		t.Fatalf("list after revoke: %q", out)
	}
	if code, _, stderr := runCmd(t, "", append([]string{"kiosk", "revoke", "7"}, db...)...); code != 1 || !strings.Contains(stderr, "no kiosk 7") {
		t.Fatalf("revoke unknown: exit %d %q", code, stderr)
	}
	if code, _, _ := runCmd(t, "", append([]string{"kiosk", "add", "--wijk", "Oost"}, db...)...); code != 1 {
		t.Fatalf("add without a name: exit %d", code)
	}
	if code, _, _ := runCmd(t, "", "kiosk", "paint"); code != 2 {
		t.Fatalf("unknown subcommand: exit %d", code)
	}
}

func TestHTTPErrorLogHasNoAddresses(t *testing.T) {
	var buf strings.Builder
	r := redactAddresses{slog.New(slog.NewTextHandler(&buf, nil))}
	for _, line := range []string{
		"http: TLS handshake error from 84.241.17.203:51544: EOF",
		"http: superfluous response.WriteHeader call from [2001:db8::1]:443",
		"read tcp 127.0.0.1:8080->10.20.30.40:5678: i/o timeout",
	} {
		r.Write([]byte(line + "\n"))
	}
	for _, addr := range []string{"84.241.17.203", "51544", "2001:db8::1", "10.20.30.40", "127.0.0.1"} {
		if strings.Contains(buf.String(), addr) {
			t.Errorf("the log shows %s:\n%s", addr, buf.String())
		}
	}
	if !strings.Contains(buf.String(), "TLS handshake error from [address]") {
		t.Errorf("the message itself must stay:\n%s", buf.String())
	}
}
