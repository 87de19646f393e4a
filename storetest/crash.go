package storetest

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/requests"
)

// Crash tests. Submitters acknowledge submissions (the store returned a
// receipt); then something is killed with SIGKILL in the middle of it, the
// store is opened again, and every acknowledged submission must be there
// with its PIN, and a retry of any key that was sent, or may have been in
// flight, must give the first receipt again rather than a second request.
//
// What a SIGKILL can and cannot prove: it kills processes, not the machine.
// The kernel's page cache survives it, so whatever a process had written
// with write(2) reaches the disk later, fsync or no fsync. A store that
// acknowledges before it commits is caught; a store that commits without
// syncing (SQLite's synchronous=OFF or NORMAL, PostgreSQL's fsync=off) is
// not, and neither is a disk that lies about its flushes. The stores'
// tests therefore also check their durability settings directly
// (sqlite/crash_test.go, postgres/crash_test.go). A killed PostgreSQL
// server does lose what it held only in its own memory: its WAL buffers,
// which synchronous_commit=off leaves unflushed at the acknowledgement.

const (
	crashWorkers = 16
	crashEnv     = "BUURTLOKET_CRASH_CHILD"
	crashKeyEnv  = "BUURTLOKET_CRASH_KEY"
)

// crashChildTarget returns the store address the parent passed, when this
// process is a crash-test child, and the sealing key.
func crashChildTarget() (target string, key []byte, ok bool) {
	target = os.Getenv(crashEnv)
	if target == "" {
		return "", nil, false
	}
	key, err := hex.DecodeString(os.Getenv(crashKeyEnv))
	if err != nil {
		panic(err)
	}
	return target, key, true
}

// Main is a store package's TestMain. As a crash-test child it opens the
// store over the database at the target the parent passed (a path or a
// URL) and submits until it is killed (CrashChild); otherwise it runs the
// tests, then after.
func Main[D requests.DB](m *testing.M, open func(target string) (D, error), after func()) {
	if target, key, ok := crashChildTarget(); ok {
		sealer, err := buurtloket.NewSealer(key)
		if err != nil {
			panic(err)
		}
		db, err := open(target)
		if err != nil {
			panic(err)
		}
		CrashChild(requests.New(db, sealer), os.Stdout)
		return
	}
	code := m.Run()
	after()
	os.Exit(code)
}

// CrashChild submits until it is killed, printing "ack KEY TICKET PIN" to
// out after each acknowledged submission.
func CrashChild(s buurtloket.RequestStore, out io.Writer) {
	var mu sync.Mutex
	w := bufio.NewWriter(out)
	var wg sync.WaitGroup
	for g := 0; g < crashWorkers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				key := crashKey(childWorker(g), n)
				rec, err := s.Submit(context.Background(), NewRequest(key))
				if err != nil {
					fmt.Fprintln(os.Stderr, "submit:", err)
					os.Exit(3)
				}
				mu.Lock()
				fmt.Fprintf(w, "ack %s %s %s\n", key, rec.Ticket, rec.PIN)
				w.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// CrashTest starts the test binary as a child that runs CrashChild against
// target, kills it after some acknowledgements, and checks the store that
// reopen returns.
func CrashTest(t *testing.T, target string, key []byte, reopen func() buurtloket.RequestStore) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+target, crashKeyEnv+"="+hex.EncodeToString(key))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := crashAcks{}
	sc := bufio.NewScanner(stdout)
	deadline := time.Now().Add(20 * time.Second)
	for len(acked) < 400 && time.Now().Before(deadline) && sc.Scan() {
		acked.parse(sc.Text())
	}
	// Kill mid-flight: the other goroutines are submitting right now.
	cmd.Process.Signal(syscall.SIGKILL)
	for sc.Scan() { // acknowledgements printed before the kill count too
		acked.parse(sc.Text())
	}
	cmd.Wait()
	if len(acked) < 100 {
		t.Fatalf("the child acknowledged only %d submissions before the kill; stderr:\n%s", len(acked), stderr.String())
	}
	workers := make([]string, crashWorkers)
	for g := range workers {
		workers[g] = childWorker(g)
	}
	s := reopen()
	defer s.Close()
	keys, total := checkAfterCrash(t, s, acked, workers)
	t.Logf("killed after %d acknowledgements; all found; %d keys retried, %d requests", len(acked), keys, total)
}

// ServerCrashTest kills the database server under the store rather than
// the process that uses it. In each of rounds rounds, submitters in this
// process use the store that open returns until kill is called in the
// middle of their work; their submissions then fail. After restart, open
// must give a store in which everything acknowledged in any round so far
// is found, and in which retries make no duplicates.
func ServerCrashTest(t *testing.T, open func() buurtloket.RequestStore, kill, restart func(), rounds int) {
	acked := crashAcks{}
	var workers []string
	for round := 0; round < rounds; round++ {
		s := open()
		var (
			mu      sync.Mutex
			n       int
			killed  atomic.Bool
			early   = make(chan error, crashWorkers)
			enough  = make(chan struct{})
			started = time.Now()
			wg      sync.WaitGroup
		)
		for g := 0; g < crashWorkers; g++ {
			worker := fmt.Sprintf("server-%d-%d", round, g)
			workers = append(workers, worker)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					key := crashKey(worker, i)
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					rec, err := s.Submit(ctx, NewRequest(key))
					cancel()
					if err != nil {
						// The server is gone (or going): what was in flight
						// is retried after the restart.
						if !killed.Load() {
							early <- fmt.Errorf("%s before the kill: %w", key, err)
						}
						return
					}
					mu.Lock()
					acked[key] = crashAck{rec.Ticket, rec.PIN}
					if n++; n == 300 {
						close(enough)
					}
					mu.Unlock()
				}
			}()
		}
		select {
		case <-enough:
		case err := <-early:
			t.Fatal(err)
		case <-time.After(20 * time.Second):
		}
		killed.Store(true) // from here on, failures are expected
		kill()             // the other submissions are in flight right now
		wg.Wait()
		s.Close()
		select {
		case err := <-early:
			t.Fatal(err)
		default:
		}
		if n < 100 {
			t.Fatalf("round %d: only %d submissions acknowledged in %v before the kill", round, n, time.Since(started).Round(time.Millisecond))
		}
		restart()
		s = open()
		keys, total := checkAfterCrash(t, s, acked, workers)
		s.Close()
		t.Logf("round %d: the server killed after %d acknowledgements (%d in all); all found; %d keys retried, %d requests", round, n, len(acked), keys, total)
	}
}

// crashAck is the receipt of an acknowledged submission.
type crashAck struct{ ticket, pin string }

// crashAcks are the acknowledged submissions by key.
type crashAcks map[string]crashAck

// parse takes in one "ack KEY TICKET PIN" line of a crash child.
func (a crashAcks) parse(line string) {
	if f := strings.Fields(line); len(f) == 4 && f[0] == "ack" {
		a[f[1]] = crashAck{f[2], f[3]}
	}
}

func childWorker(g int) string { return fmt.Sprintf("crash-%d", g) }

// crashKey is the submission key of a worker's n-th submission.
func crashKey(worker string, n int) string { return fmt.Sprintf("%s-%d", worker, n) }

// checkAfterCrash checks that every acknowledged submission is in s with
// its ticket and PIN. Then it retries, for each worker, every key up to two
// past its last acknowledged one (the keys it had sent or may have had in
// flight): an acknowledged key gives its first receipt again, and s must
// then hold exactly one request per key retried, neither more (a
// duplicate) nor fewer (a loss). s must hold nothing else.
func checkAfterCrash(t *testing.T, s buurtloket.RequestStore, acked crashAcks, workers []string) (keys, total int) {
	t.Helper()
	ctx := context.Background()
	last := map[string]int{}
	for k, a := range acked {
		r, err := s.RequestByTicket(ctx, a.ticket, a.pin)
		if err != nil {
			t.Fatalf("acknowledged %s (%s) is lost: %v", k, a.ticket, err)
		}
		if r.Ticket != a.ticket {
			t.Fatalf("acknowledged %s: ticket %s, stored %s", k, a.ticket, r.Ticket)
		}
		i := strings.LastIndexByte(k, '-')
		n, err := strconv.Atoi(k[i+1:])
		if err != nil {
			t.Fatalf("acknowledged key %q is not a crash test's", k)
		}
		if l, ok := last[k[:i]]; !ok || n > l {
			last[k[:i]] = n
		}
	}
	for _, w := range workers {
		l, ok := last[w]
		if !ok {
			l = -1 // nothing acknowledged: its first key may have been in flight
		}
		for n := 0; n <= l+2; n++ {
			key := crashKey(w, n)
			rec, err := s.Submit(ctx, NewRequest(key))
			if err != nil {
				t.Fatal(err)
			}
			if a, ok := acked[key]; ok && (!rec.Duplicate || rec.Ticket != a.ticket || rec.PIN != a.pin) {
				t.Fatalf("retry of acknowledged %s gave %+v, want ticket %s and PIN %s again", key, rec, a.ticket, a.pin)
			}
			keys++
		}
	}
	q := buurtloket.InboxQuery{Limit: 200}
	for {
		page, err := s.Inbox(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		total += len(page.Requests)
		if page.Next == nil {
			break
		}
		q.After = page.Next
	}
	if total != keys {
		t.Fatalf("%d requests for %d distinct keys: duplicates or losses", total, keys)
	}
	return keys, total
}
