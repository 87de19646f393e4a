// Package pgtest gives tests a real PostgreSQL: the server named by
// BUURTLOKET_TEST_POSTGRES, or else a throwaway one it starts itself with
// initdb and pg_ctl on a temporary folder and a free port (as the postgres
// user when running as root, since PostgreSQL refuses root). Each test gets
// a database of its own. A test that kills its server gets a server of its
// own (Start).
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
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a running PostgreSQL for tests.
type Server struct {
	URL  string // postgres://… of the maintenance database
	stop func()
	c    *cluster // a throwaway server's files; nil for BUURTLOKET_TEST_POSTGRES
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
		unavailable(t, starErr, "set BUURTLOKET_TEST_POSTGRES=postgres://… or install PostgreSQL 15 (initdb, pg_ctl)")
	}
	return shared
}

// unavailable skips the test loudly, or fails it when CI=true: in CI the
// PostgreSQL tests must run.
func unavailable(t testing.TB, err error, hint string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("PostgreSQL is needed in CI: %v", err)
	}
	t.Skipf("\n\n*** SKIPPING PostgreSQL tests: %v\n*** %s\n", err, hint)
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
	return startCluster("-c max_connections=200 -c shared_buffers=256MB")
}

// cluster is a throwaway server's folder and how its programs are run.
type cluster struct {
	dir    string // the folder: data/, the log, the socket
	data   string
	opts   string // the server's options, kept for a restart
	pgctl  string
	asRoot bool
}

// startCluster creates a throwaway server with initdb in a temporary
// folder and starts it with pg_ctl on a free port, with settings on top of
// the durable ones every test server has.
func startCluster(settings string) (*Server, error) {
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
	c := &cluster{dir: dir, data: filepath.Join(dir, "data"), pgctl: pgctl, asRoot: os.Geteuid() == 0}
	if c.asRoot {
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
	if err := c.run(initdb, "-D", c.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.opts = fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on %s", port, dir, settings)
	if err := c.start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Server{URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), c: c}
	s.stop = func() {
		c.run(pgctl, "-D", c.data, "-m", "fast", "-w", "stop")
		os.RemoveAll(dir)
	}
	return s, nil
}

// run runs one of PostgreSQL's programs, as the postgres user when root.
func (c *cluster) run(args ...string) error {
	var cmd *exec.Cmd
	if c.asRoot {
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		cmd = exec.Command("su", "postgres", "-s", "/bin/sh", "-c", strings.Join(quoted, " "))
	} else {
		cmd = exec.Command(args[0], args[1:]...)
	}
	cmd.Dir = c.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", filepath.Base(args[0]), err, out)
	}
	return nil
}

func (c *cluster) start() error {
	return c.run(c.pgctl, "-D", c.data, "-o", c.opts, "-l", c.logFile(), "-w", "-t", "60", "start")
}

func (c *cluster) logFile() string { return filepath.Join(c.dir, "log") }

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

// Start starts a throwaway server for the calling test alone, for a test
// that does to its server what others must not see, such as killing it.
// It is removed when the test ends. It needs the PostgreSQL binaries, also
// when BUURTLOKET_TEST_POSTGRES names a server; without them it skips the
// test loudly, or fails it when CI=true.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		unavailable(t, err, "a server of its own is killed with the help of Linux's /proc")
	}
	s, err := startCluster("-c max_connections=50 -c shared_buffers=32MB")
	if err != nil {
		unavailable(t, err, "install PostgreSQL 15 (initdb, pg_ctl): this test starts a server of its own")
	}
	t.Cleanup(func() {
		// pg_ctl would wait in vain for a killed server to go.
		if pid, err := s.c.postmasterPID(); err == nil && alive(pid) {
			s.c.run(s.c.pgctl, "-D", s.c.data, "-m", "immediate", "-w", "stop")
		}
		os.RemoveAll(s.c.dir)
	})
	return s
}

// Kill kills the server with SIGKILL, as a crash would: the postmaster,
// whose PID is in postmaster.pid, and at once every process it started, so
// that no backend outlives it to finish what it had begun. It returns when
// they are all dead. The disk and the kernel's page cache survive: this is
// a crash of the server, not of the machine. Only for a server from Start.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	c := s.own(t)
	pid, err := c.postmasterPID()
	if err != nil {
		t.Fatalf("no running server to kill: %v", err)
	}
	if p, ok := readProc(pid); !ok || p.comm != "postgres" || p.state == 'Z' {
		t.Fatalf("PID %d of postmaster.pid is no running postgres: %+v", pid, p)
	}
	// Each backend leads a process group of its own, so that one signal to
	// the postmaster's group would miss them: they are found as its
	// children, while it is stopped and cannot start more.
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatalf("stopping the postmaster: %v", err)
	}
	children := childrenOf(pid)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("killing the postmaster: %v", err)
	}
	for _, child := range children {
		syscall.Kill(child, syscall.SIGKILL)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var left []int
		for _, p := range append(children, pid) {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes of the killed server still run: %v", left)
		}
	}
}

// Restart starts a killed server again on the same files and port with
// pg_ctl. It fails the test unless the server came back through crash
// recovery, replaying its write-ahead log.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	c := s.own(t)
	// The lock files of the dead postmaster (of the data folder and of the
	// socket) are left behind, as after any crash. Where orphans are not
	// reaped (a container's init that does not wait for them), the dead
	// postmaster is a zombie that still answers kill(pid, 0), and
	// PostgreSQL would take it for a running server. The lock files of a
	// dead postmaster are stale, so they go.
	if pid, err := c.postmasterPID(); err == nil {
		if alive(pid) {
			t.Fatalf("the server (PID %d) still runs: kill it first", pid)
		}
		locks, _ := filepath.Glob(filepath.Join(c.dir, ".s.PGSQL.*.lock"))
		for _, f := range append(locks, filepath.Join(c.data, "postmaster.pid")) {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := c.recoveries()
	if err := c.start(); err != nil {
		log, _ := os.ReadFile(c.logFile())
		t.Fatalf("restarting the server: %v; its log:\n%s", err, log)
	}
	if c.recoveries() <= before {
		log, _ := os.ReadFile(c.logFile())
		t.Fatalf("the server came back without crash recovery; its log:\n%s", log)
	}
}

func (s *Server) own(t testing.TB) *cluster {
	t.Helper()
	if s.c == nil || s == shared {
		t.Fatal("only a server from pgtest.Start can be killed and restarted")
	}
	return s.c
}

// recoveries counts the crash recoveries in the server's log.
func (c *cluster) recoveries() int {
	log, _ := os.ReadFile(c.logFile())
	return strings.Count(string(log), "database system was not properly shut down; automatic recovery in progress")
}

// postmasterPID reads the first line of postmaster.pid.
func (c *cluster) postmasterPID() (int, error) {
	data, err := os.ReadFile(filepath.Join(c.data, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return strconv.Atoi(strings.TrimSpace(line))
}

// proc is what /proc/PID/stat says of a process.
type proc struct {
	comm  string
	state byte
	ppid  int
}

func readProc(pid int) (proc, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return proc{}, false
	}
	// "PID (COMMAND) STATE PPID …"; the command may hold spaces and parentheses.
	stat := string(data)
	open, end := strings.IndexByte(stat, '('), strings.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return proc{}, false
	}
	f := strings.Fields(stat[end+1:])
	if len(f) < 2 || len(f[0]) != 1 {
		return proc{}, false
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return proc{}, false
	}
	return proc{comm: stat[open+1 : end], state: f[0][0], ppid: ppid}, true
}

// alive tells whether a process runs; a zombie is dead, it only waits for
// its parent to reap it.
func alive(pid int) bool {
	p, ok := readProc(pid)
	return ok && p.state != 'Z' && p.state != 'X'
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readProc(child); ok && p.ppid == pid {
			pids = append(pids, child)
		}
	}
	return pids
}
