package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"

	"buurtloket/postgres/pgtest"
)

// TestMain lets the test binary act as the real program, so that tests can
// start it as a process and send it signals.
func TestMain(m *testing.M) {
	if os.Getenv("BUURTLOKET_TEST_AS_MAIN") == "1" {
		main()
		return
	}
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// copyContent copies the repository's flows and texts into a temp dir laid
// out like the repository: DIR/dialogs/flows and DIR/locales.
func copyContent(t *testing.T) (flowsDir, localesDir string) {
	t.Helper()
	dir := t.TempDir()
	flowsDir, localesDir = filepath.Join(dir, "dialogs", "flows"), filepath.Join(dir, "locales")
	// As an editor would: the whole folders, the replies beside the flows too.
	for from, to := range map[string]string{"../../dialogs/flows": flowsDir, "../../locales": localesDir} {
		if err := os.CopyFS(to, os.DirFS(from)); err != nil {
			t.Fatal(err)
		}
	}
	return flowsDir, localesDir
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"nonsense"}, {"flows"}, {"flows", "draw"}, {"flows", "play"}, {"serve", "extra"}} {
		if code, _, stderr := runCmd(t, "", args...); code != 2 || !strings.Contains(stderr, "Usage") {
			t.Errorf("%v: exit %d, stderr %q; want 2 with usage", args, code, stderr)
		}
	}
	if code, out, _ := runCmd(t, "", "help"); code != 0 || !strings.Contains(out, "flows check") {
		t.Errorf("help: exit %d, %q", code, out)
	}
}

func TestFlowsCheck(t *testing.T) {
	code, out, _ := runCmd(t, "", "flows", "check")
	if code != 0 || !strings.Contains(out, "ok: 8 flows, 6 languages") || !strings.Contains(out, "warning: العربية (ar) has not been reviewed") {
		t.Fatalf("shipped content: exit %d\n%s", code, out)
	}

	flowsDir, _ := copyContent(t)
	code, out, _ = runCmd(t, "", "flows", "check", flowsDir)
	if code != 0 || !strings.Contains(out, "texts in "+filepath.ToSlash(filepath.Join(filepath.Dir(filepath.Dir(flowsDir)), "locales"))) {
		t.Fatalf("a copy laid out like the repository must find its locales: exit %d\n%s", code, out)
	}

	money := filepath.Join(flowsDir, "money.yaml")
	data, _ := os.ReadFile(money)
	broken := strings.Replace(string(data), "next: how_long", "next: how_lnog", 1)
	if err := os.WriteFile(money, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "", "flows", "check", flowsDir)
	want := filepath.ToSlash(flowsDir) + `/money.yaml:30: step "how_lnog" does not exist (did you mean "how_long"?)`
	if code != 1 || !strings.Contains(out, want) || !regexp.MustCompile(`\n1 error, \d+ warnings in `).MatchString(out) {
		t.Fatalf("broken flow: exit %d, want 1 and %q in\n%s", code, want, out)
	}

	// Another facts file: checked, and named in problems by its own path.
	factsFile := filepath.Join(t.TempDir(), "facts.yaml")
	shippedFacts, err := os.ReadFile("../../facts/schiedam.yaml")
	if err != nil {
		t.Fatal(err)
	}
	badFacts := strings.Replace(string(shippedFacts), `value: "0900-8844"`, `value: "politie"`, 1)
	if err := os.WriteFile(factsFile, []byte(badFacts), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "", "flows", "check", "--facts", factsFile)
	want = filepath.ToSlash(factsFile) + `:19: fact "PolicePhone": a phone number has digits, spaces and dashes`
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "\n1 error, ") {
		t.Fatalf("bad facts file: exit %d, want 1 and %q in\n%s", code, want, out)
	}

	// From the repository root, the texts beside the flows are used, not the shipped ones.
	t.Run("from the repository root", func(t *testing.T) {
		t.Chdir("../..")
		code, out, _ := runCmd(t, "", "flows", "check", "dialogs/flows")
		if code != 0 || !strings.Contains(out, "in flows in dialogs/flows with texts in locales") {
			t.Fatalf("exit %d\n%s", code, out)
		}
	})

	if code, _, stderr := runCmd(t, "", "flows", "check", filepath.Join(flowsDir, "nowhere")); code != 1 || !strings.Contains(stderr, "cannot open") {
		t.Fatalf("missing folder: exit %d %q", code, stderr)
	}
}

// TestFlowsCheckReadAloud: flows check counts, per language, the messages
// recorded and synthesized, and fails for a language whose voice
// espeak-ng lacks unless every message is recorded.
func TestFlowsCheckReadAloud(t *testing.T) {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("espeak-ng is needed in CI (make deps)")
		}
		t.Skip("\n\n*** SKIPPING read-aloud tests: espeak-ng is not installed (make deps)\n")
	}
	recordings := t.TempDir()
	os.MkdirAll(filepath.Join(recordings, "tr"), 0o755)
	os.WriteFile(filepath.Join(recordings, "tr", "start.menu.prompt.mp3"), []byte{0xFF, 0xFB, 0x90, 0x64}, 0o644)
	code, out, _ := runCmd(t, "", "flows", "check", "--recordings", recordings)
	if code != 0 || !regexp.MustCompile(`read-aloud tr: 1 recorded, \d+ synthesized \(voice tr\)`).MatchString(out) ||
		!regexp.MustCompile(`read-aloud en: 0 recorded, \d+ synthesized \(voice en-gb\)`).MatchString(out) {
		t.Fatalf("exit %d\n%s", code, out)
	}
	flowsDir, localesDir := copyContent(t)
	langs := filepath.Join(localesDir, "languages.yaml")
	data, _ := os.ReadFile(langs)
	if err := os.WriteFile(langs, []byte(strings.Replace(string(data), "voice: en-gb", "voice: xx-nowhere", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd(t, "", "flows", "check", flowsDir)
	if code != 1 || !strings.Contains(out, `error: en has no voice: espeak-ng has no voice "xx-nowhere"`) {
		t.Fatalf("a language without a voice: exit %d\n%s", code, out)
	}
}

func TestFlowsPlay(t *testing.T) {
	code, out, stderr := runCmd(t, "1\n:lang ar\n:quit\n", "flows", "play", "money", "--lang", "nl")
	if code != 0 || !strings.Contains(out, "Welke rekening kunt u moeilijk betalen?") || !strings.Contains(out, "منذ متى لا تدفع؟") {
		t.Fatalf("exit %d stderr %q\n%s", code, stderr, out)
	}
	if code, _, stderr := runCmd(t, "", "flows", "play", "nowhere"); code != 1 || !strings.Contains(stderr, `there is no flow "nowhere"`) {
		t.Fatalf("unknown flow: exit %d %q", code, stderr)
	}
	if code, _, _ := runCmd(t, "", "flows", "play", "money", "--lang", "xx"); code != 1 {
		t.Fatalf("unknown language: exit %d", code)
	}
}

func TestFlowsGraph(t *testing.T) {
	code, out, _ := runCmd(t, "", "flows", "graph", "money")
	if code != 0 || !strings.HasPrefix(out, "flowchart TD\n") || !strings.Contains(out, `letters -->|"letters = court or bailiff"| urgent`) {
		t.Fatalf("mermaid: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, "", "flows", "graph", "worry", "--format", "dot", "--lang", "en")
	if code != 0 || !strings.HasPrefix(out, `digraph "worry" {`) || !strings.Contains(out, `"danger" -> "call_now" [label="Yes"]`) {
		t.Fatalf("dot: exit %d\n%s", code, out)
	}
	if code, _, _ := runCmd(t, "", "flows", "graph", "money", "--format", "svg"); code != 1 {
		t.Fatalf("unknown format: exit %d", code)
	}
}

func startServer(t *testing.T, s *Server) (cancel func() error) {
	t.Helper()
	if s.Logger == nil {
		s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.Stdout == nil {
		s.Stdout = io.Discard
	}
	if s.DB == "" {
		dir := t.TempDir()
		s.DB, s.KeyFile = filepath.Join(dir, "b.db"), filepath.Join(dir, "b.key")
	}
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() error {
		stop()
		select {
		case err := <-done:
			return err
		case <-time.After(time.Minute):
			// A server that does not stop would hang the package until go
			// test's timeout, which names no cause: say where it waits.
			var stacks strings.Builder
			pprof.Lookup("goroutine").WriteTo(&stacks, 1)
			t.Fatalf("serve did not stop within a minute; its goroutines:\n%s", stacks.String())
			return nil
		}
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestServeHealthAndMetrics(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:0"}
	stop := startServer(t, s)
	code, body := get(t, s.URL()+"/healthz")
	if code != 200 || !strings.Contains(body, `"status":"ok"`) || !strings.Contains(body, `"database":"ok"`) || !strings.Contains(body, `"flows":8`) {
		t.Fatalf("healthz %d %s", code, body)
	}
	code, body = get(t, s.URL()+"/metrics")
	if code != 200 || !strings.Contains(body, "buurtloket_flows 8") || !strings.Contains(body, "go_goroutines") || !strings.Contains(body, "buurtloket_emergency_shown_total 0") {
		t.Fatalf("metrics %d\n%.500s", code, body)
	}
	if code, _ := get(t, s.URL()+"/nowhere"); code != 404 {
		t.Fatalf("unknown path: %d", code)
	}
	// A database that stops answering makes the service unhealthy.
	s.store.Close()
	if code, body := get(t, s.URL()+"/healthz"); code != 503 || !strings.Contains(body, `"database":"unreachable"`) {
		t.Fatalf("healthz without a database: %d %s", code, body)
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := http.Get(s.URL() + "/healthz"); err == nil {
		t.Fatal("the server still answers after shutdown")
	}
}

func TestReloadRefusesBrokenFlows(t *testing.T) {
	flowsDir, _ := copyContent(t)
	s := &Server{Addr: "127.0.0.1:0", FlowsDir: flowsDir}
	stop := startServer(t, s)
	defer stop()
	before := s.engine.Load()

	talk := filepath.Join(flowsDir, "talk.yaml")
	good, _ := os.ReadFile(talk)
	if err := os.WriteFile(talk, []byte("id: talk\nsteps: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s.Reload() || s.engine.Load() != before {
		t.Fatal("broken flows must not be loaded")
	}
	if err := os.WriteFile(talk, append(good, []byte("# edited\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if !s.Reload() || s.engine.Load() == before {
		t.Fatal("good flows must be loaded")
	}
	_, body := get(t, s.URL()+"/metrics")
	for _, want := range []string{`buurtloket_flow_reloads_total{result="loaded"} 1`, `buurtloket_flow_reloads_total{result="rejected"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestServeRefusesBrokenContent(t *testing.T) {
	flowsDir, _ := copyContent(t)
	if err := os.Remove(filepath.Join(flowsDir, "emergency.yaml")); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--flows", flowsDir}, nil, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "there is no emergency flow") || !strings.Contains(stderr.String(), "flows check") {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
}

// TestSignals runs the program as a process: SIGHUP reloads the flows,
// SIGTERM shuts it down gracefully with exit code 0.
func TestSignals(t *testing.T) {
	flowsDir, _ := copyContent(t)
	cmd := exec.Command(os.Args[0], "serve")
	dataDir := t.TempDir()
	cmd.Env = append(os.Environ(), "BUURTLOKET_TEST_AS_MAIN=1", "BUURTLOKET_ADDR=127.0.0.1:0", "BUURTLOKET_FLOWS="+flowsDir,
		"BUURTLOKET_DB="+filepath.Join(dataDir, "b.db"), "BUURTLOKET_KEY_FILE="+filepath.Join(dataDir, "b.key"))
	stdout, _ := cmd.StdoutPipe()
	var logs syncBuffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// A serve that hangs would hang the test until go test's timeout:
	// after a minute it is made to print its goroutines (SIGQUIT) and end.
	hung := time.AfterFunc(time.Minute, func() { cmd.Process.Signal(syscall.SIGQUIT) })
	defer hung.Stop()
	var base string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if m := regexp.MustCompile(`health:\s+(http://\S+)/healthz`).FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	if base == "" {
		t.Fatalf("no address printed; logs:\n%s", logs.String())
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Count(logs.String(), "content loaded") == 2 }, "a reload after SIGHUP", &logs)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Fatalf("no graceful stop in the logs:\n%s", logs.String())
	}
}

func waitFor(t *testing.T, cond func() bool, what string, logs *syncBuffer) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s; logs:\n%s", what, logs.String())
}

// TestServeSaysHowToOpenItToTheNetwork: on a loopback address (make run),
// serve says that only this computer reaches it, and how to change that;
// on every address it does not.
func TestServeSaysHowToOpenItToTheNetwork(t *testing.T) {
	for _, tt := range []struct {
		addr string
		hint bool
	}{{"127.0.0.1:0", true}, {":0", false}} {
		var out bytes.Buffer
		stop := startServer(t, &Server{Addr: tt.addr, Stdout: &out})
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(out.String(), "Only this computer can open it") && strings.Contains(out.String(), "--addr :"); got != tt.hint {
			t.Errorf("--addr %s: hint %v, want %v:\n%s", tt.addr, got, tt.hint, out.String())
		}
	}
}

// TestServeWarnsOfCookiesWithoutTLS: open to the network, serve says
// loudly that cookies are not Secure unless the public address is https.
func TestServeWarnsOfCookiesWithoutTLS(t *testing.T) {
	for _, tt := range []struct {
		addr, public string
		warn         bool
	}{{"127.0.0.1:0", "", false}, {":0", "", true}, {":0", "http://buurtloket.example.nl", true}, {":0", "https://buurtloket.example.nl", false}} {
		var logs syncBuffer
		stop := startServer(t, &Server{Addr: tt.addr, PublicURL: tt.public, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logs.String(), "not marked Secure"); got != tt.warn {
			t.Errorf("--addr %s --public-url %q: warning %v, want %v:\n%s", tt.addr, tt.public, got, tt.warn, logs.String())
		}
	}
}
