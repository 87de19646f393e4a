// Package pgtest gives tests a real PostgreSQL: the server named by
// BUURTLOKET_TEST_POSTGRES, or else a throwaway one it starts itself with
// initdb and pg_ctl on a temporary folder and a free port (as the postgres
// user when running as root, since PostgreSQL refuses root). Each test gets
// a database of its own.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a running PostgreSQL for tests.
type Server struct {
	URL  string // postgres://… of the maintenance database
	stop func()
}

var (
	once    sync.Once
	shared  *Server
	starErr error
	dbSeq   atomic.Int64
)

// Shared returns the package-wide server, starting it on first use. When
// PostgreSQL is not available it skips the test loudly, or fails it when
// CI=true: in CI these tests must run.
func Shared(t testing.TB) *Server {
	t.Helper()
	once.Do(func() { shared, starErr = start() })
	if starErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is needed in CI: %v", starErr)
		}
		t.Skipf("\n\n*** SKIPPING PostgreSQL tests: %v\n*** set BUURTLOKET_TEST_POSTGRES=postgres://… or install PostgreSQL 15 (initdb, pg_ctl)\n", starErr)
	}
	return shared
}

// Stop stops a server this package started; call it from TestMain.
func Stop() {
	if shared != nil && shared.stop != nil {
		shared.stop()
	}
}

// NewDatabase creates an empty database for one test and returns its URL.
// It is dropped when the test ends.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, s.URL); err == nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			conn.Close(ctx)
		}
	})
	return replaceDatabase(s.URL, name)
}

func replaceDatabase(url, name string) string {
	base, query, _ := strings.Cut(url, "?")
	i := strings.LastIndex(base, "/")
	u := base[:i+1] + name
	if query != "" {
		u += "?" + query
	}
	return u
}

func start() (*Server, error) {
	if url := os.Getenv("BUURTLOKET_TEST_POSTGRES"); url != "" {
		return &Server{URL: url}, nil
	}
	initdb, err := findBinary("initdb")
	if err != nil {
		return nil, err
	}
	pgctl, err := findBinary("pg_ctl")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "buurtloket-pg-")
	if err != nil {
		return nil, err
	}
	asRoot := os.Geteuid() == 0
	if asRoot {
		// PostgreSQL will not run as root: hand the folder to postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and there is no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	run := func(args ...string) error {
		var cmd *exec.Cmd
		if asRoot {
			quoted := make([]string, len(args))
			for i, a := range args {
				quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
			}
			cmd = exec.Command("su", "postgres", "-s", "/bin/sh", "-c", strings.Join(quoted, " "))
		} else {
			cmd = exec.Command(args[0], args[1:]...)
		}
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", filepath.Base(args[0]), err, out)
		}
		return nil
	}
	if err := run(initdb, "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on -c synchronous_commit=on -c shared_buffers=256MB", port, dir)
	if err := run(pgctl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Server{URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
	s.stop = func() {
		run(pgctl, "-D", data, "-m", "fast", "-w", "stop")
		os.RemoveAll(dir)
	}
	return s, nil
}

func findBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1], nil
	}
	return "", fmt.Errorf("%s not found", name)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
