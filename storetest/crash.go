package storetest

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"buurtloket"
)

// Crash test: a child process submits from many goroutines and prints a
// line for every acknowledged submission; the parent kills it with SIGKILL
// in the middle, reopens the store, and checks that nothing acknowledged
// was lost and that no retry makes a duplicate.

const (
	crashWorkers = 16
	crashEnv     = "BUURTLOKET_CRASH_CHILD"
	crashKeyEnv  = "BUURTLOKET_CRASH_KEY"
)

// CrashChildTarget returns the store address the parent passed, when this
// process is a crash-test child, and the sealing key.
func CrashChildTarget() (target string, key []byte, ok bool) {
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
				key := fmt.Sprintf("crash-%d-%d", g, n)
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
	type ack struct{ ticket, pin string }
	acked := map[string]ack{}
	sc := bufio.NewScanner(stdout)
	deadline := time.Now().Add(20 * time.Second)
	for len(acked) < 400 && time.Now().Before(deadline) && sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 4 && f[0] == "ack" {
			acked[f[1]] = ack{f[2], f[3]}
		}
	}
	// Kill mid-flight: the other goroutines are submitting right now.
	cmd.Process.Signal(syscall.SIGKILL)
	for sc.Scan() { // acknowledgements printed before the kill count too
		if f := strings.Fields(sc.Text()); len(f) == 4 && f[0] == "ack" {
			acked[f[1]] = ack{f[2], f[3]}
		}
	}
	cmd.Wait()
	if len(acked) < 100 {
		t.Fatalf("the child acknowledged only %d submissions before the kill; stderr:\n%s", len(acked), stderr.String())
	}

	s := reopen()
	defer s.Close()
	ctx := context.Background()
	for k, a := range acked {
		r, err := s.RequestByTicket(ctx, a.ticket, a.pin)
		if err != nil {
			t.Fatalf("acknowledged %s (%s) is lost: %v", k, a.ticket, err)
		}
		if r.Ticket != a.ticket {
			t.Fatalf("acknowledged %s: ticket %s, stored %s", k, a.ticket, r.Ticket)
		}
	}
	// Retry every key each worker had sent or may have had in flight: an
	// acknowledged one gives its ticket again, and no key makes two requests.
	last := map[int]int{}
	for k := range acked {
		var g, n int
		fmt.Sscanf(k, "crash-%d-%d", &g, &n)
		last[g] = max(last[g], n)
	}
	keys := 0
	for g := 0; g < crashWorkers; g++ {
		for n := 0; n <= last[g]+2; n++ {
			key := fmt.Sprintf("crash-%d-%d", g, n)
			rec, err := s.Submit(ctx, NewRequest(key))
			if err != nil {
				t.Fatal(err)
			}
			if a, ok := acked[key]; ok && (!rec.Duplicate || rec.Ticket != a.ticket) {
				t.Fatalf("retry of acknowledged %s gave %+v, want ticket %s again", key, rec, a.ticket)
			}
			keys++
		}
	}
	total := 0
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
	t.Logf("killed after %d acknowledgements; all found; %d keys retried, %d requests", len(acked), keys, total)
}
