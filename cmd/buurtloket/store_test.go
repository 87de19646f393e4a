package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func TestRequestsPurge(t *testing.T) {
	dir := t.TempDir()
	db, key := filepath.Join(dir, "b.db"), filepath.Join(dir, "b.key")
	k, _, err := loadKey(key)
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := buurtloket.NewSealer(k)
	s, _, err := openStore(context.Background(), db, sealer)
	if err != nil {
		t.Fatal(err)
	}
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
