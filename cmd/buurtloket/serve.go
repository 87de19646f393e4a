package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"buurtloket"
	"buurtloket/bot"
	"buurtloket/delivery"
	"buurtloket/dialogs"
	"buurtloket/kiosk"
	"buurtloket/speech"
	"buurtloket/staff"
	"buurtloket/wijken"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is the running service: one HTTP server for every channel, the
// dialog engine, and the metrics. Open it, Run it, and it closes itself when
// the context ends.
type Server struct {
	Addr       string
	FlowsDir   string // empty: the shipped flows
	LocalesDir string // empty: found beside FlowsDir, else the shipped texts
	DB         string // an SQLite path or a postgres:// URL
	KeyFile    string // the master key for sealing contact details
	Key        string // the same key given directly (hex); wins over KeyFile
	WijkenFile string // postcode-to-neighbourhood table; empty: the shipped one
	FactsFile  string // the organisations' names, phone numbers and hours; empty: the shipped ones; reloaded on SIGHUP
	DebugAddr  string // where to serve Go's profiler (pprof); empty: nowhere
	PublicURL  string // the address residents reach the phone page at
	MaxPages   int    // phone pages connected at once at most; 0: no cap
	TrustProxy bool   // take the client's address from X-Real-IP, set by a reverse proxy in front
	// SharedNetworks are where many residents share one address (the
	// buurthuis Wi-Fi): the limits per client count each as a whole.
	SharedNetworks []netip.Prefix
	Retention      buurtloket.Retention
	Telegram       Telegram
	Recordings     string // the operator's recorded messages, <lang>/<message-id>.mp3; empty: none
	SpeechCache    string // where synthesized speech is kept; empty: beside the database
	Logger         *slog.Logger
	Stdout         io.Writer // where the start-up message goes

	engine     atomic.Pointer[dialogs.Engine]
	console    *staff.Server
	web        *kiosk.Server
	bot        *bot.Bot        // nil without a Telegram token
	speech     *speech.Speaker // nil when read-aloud is off
	speechOff  string          // why it is off
	firstLogin string          // the one-time admin login to print at start, on a first start
	store      buurtloket.RequestStore
	sealer     *buurtloket.Sealer
	phonePages int // the cap on phone pages in force: MaxPages, or fewer when open files are short
	wijken     *wijken.Table
	listener   net.Listener
	http       *http.Server
	registry   *prometheus.Registry
	reloads    *prometheus.CounterVec

	onShutdown []func()
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	s := &Server{Stdout: stdout, Logger: slog.New(slog.NewJSONHandler(stderr, nil))}
	stringFlag(fs, &s.Addr, "addr", ":8080", "address to listen on")
	stringFlag(fs, &s.FlowsDir, "flows", "", "folder of flow files to load instead of the shipped ones; reloaded on SIGHUP")
	stringFlag(fs, &s.LocalesDir, "locales", "", "folder of message files (default: found beside the flows, else the shipped texts)")
	stringFlag(fs, &s.DB, "db", "data/buurtloket.db", "the database: an SQLite file, or a postgres:// URL")
	stringFlag(fs, &s.KeyFile, "key-file", "data/buurtloket.key", "the key that seals contact details; created (mode 0600) when missing")
	stringFlag(fs, &s.Key, "key", "", "the sealing key as 64 hex digits, instead of the key file (use a secret store)")
	stringFlag(fs, &s.PublicURL, "public-url", "", "the address residents reach buurtloket at, for QR codes (default: the listening address)")
	stringFlag(fs, &s.DebugAddr, "debug-addr", "", "serve Go's profiler (net/http/pprof) here, such as 127.0.0.1:6060; never on a public address")
	factsFlag(fs, &s.FactsFile)
	stringFlag(fs, &s.WijkenFile, "wijken", "", "postcode-to-neighbourhood table (pc4,wijk per line); default: the shipped Schiedam table")
	var retention, maxPages, shared string
	stringFlag(fs, &shared, "shared-networks", "", "networks where many residents share one address, such as the buurthuis Wi-Fi (192.0.2.0/24,2001:db8::/48): limits per client count each as a whole, with a kiosk's numbers")
	if err := boolFlag(fs, &s.TrustProxy, "trust-proxy", false, "take the client's address from the X-Real-IP header of a reverse proxy in front (docs/deploy.md); only behind one"); err != nil {
		return err
	}
	stringFlag(fs, &retention, "retention", "90", "days a closed request is kept: a default and exceptions per topic, such as 90,worry=30")
	stringFlag(fs, &maxPages, "max-pages", "20000", "phone pages connected at once at most (0: no cap); more retry later, kiosks are never refused")
	stringFlag(fs, &s.Recordings, "recordings", "", "folder of recorded messages read aloud instead of the synthesized voice: <lang>/<message-id>.mp3 (docs/read-aloud.md)")
	stringFlag(fs, &s.SpeechCache, "speech-cache", "", "folder where synthesized speech is kept (default: speech-cache beside the SQLite file)")
	stringFlag(fs, &s.Telegram.Token, "telegram-token", "", "the Telegram bot's token (from @BotFather); without it the bot is off. Prefer the environment to the command line")
	stringFlag(fs, &s.Telegram.APIURL, "telegram-api-url", "", "another Bot API server, such as a local one (default: Telegram's)")
	stringFlag(fs, &s.Telegram.WebhookURL, "telegram-webhook-url", "", "the https:// address Telegram sends updates to (several instances); default: long polling (one instance)")
	stringFlag(fs, &s.Telegram.WebhookSecret, "telegram-webhook-secret", "", "the secret Telegram sends with every webhook call (16 to 256 of A-Z a-z 0-9 _ -)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if s.Retention, err = buurtloket.ParseRetention(retention); err != nil {
		return err
	}
	if s.MaxPages, err = strconv.Atoi(maxPages); err != nil || s.MaxPages < 0 {
		return fmt.Errorf("--max-pages %q is not a number of pages (0 for no cap)", maxPages)
	}
	if s.SharedNetworks, err = parseNetworks(shared); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage
	}
	tuneCollector()
	if err := s.Open(); err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			s.Reload()
		}
	}()
	return s.Run(ctx)
}

// Open loads the content and starts listening. Content with errors stops
// the start: a service with broken flows must not come up.
func (s *Server) Open() error {
	content, err := s.loadContent()
	if err != nil {
		return err
	}
	s.engine.Store(dialogs.NewEngine(content))

	if s.wijken, err = loadWijken(s.WijkenFile); err != nil {
		return err
	}
	sealer, created, err := sealerFrom(s.Key, s.KeyFile)
	if err != nil {
		return err
	}
	if created {
		s.Logger.Warn("created a new key file: back it up, without it contact details cannot be read", "path", s.KeyFile)
	}
	store, what, err := openStore(context.Background(), s.DB, sealer)
	if err != nil {
		return err
	}
	s.store, s.sealer = store, sealer
	s.Logger.Info("database open", "store", what)
	if err := s.openConsole(); err != nil {
		store.Close()
		return err
	}
	s.openSpeech()
	if err := s.openBot(); err != nil {
		store.Close()
		return err
	}
	s.phonePages = s.MaxPages
	if files, err := fileLimit(); err != nil {
		s.Logger.Warn("the limit on open files is unknown", "error", err)
	} else {
		var why string
		if s.phonePages, why = phonePageCap(s.MaxPages, files); why != "" {
			s.Logger.Warn("phone pages capped by open files: " + why)
		}
	}

	s.registry = prometheus.NewRegistry()
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "buurtloket_flow_reloads_total",
		Help: "Reloads of the flow files, by result (loaded or rejected).",
	}, []string{"result"})
	s.registry.MustRegister(s.reloads, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "buurtloket_flows",
		Help: "Flows being served.",
	}, func() float64 { return float64(len(s.engine.Load().Content().Flows())) }))

	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		s.store.Close()
		return err
	}
	s.listener = ln
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          log.New(redactAddresses{s.Logger}, "", 0),
	}
	for _, f := range s.onShutdown {
		s.http.RegisterOnShutdown(f)
	}
	return nil
}

// URL returns the base address the server is reachable at.
func (s *Server) URL() string {
	addr := s.listener.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "localhost"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(addr.Port)))
}

// Run serves until ctx ends, then shuts down gracefully: it stops accepting
// connections and waits up to 10 seconds for requests in progress.
func (s *Server) Run(ctx context.Context) error {
	fmt.Fprintf(s.Stdout, "buurtloket is running.\n  phone page: %s/\n  kiosk:      %s/kiosk/\n  staff:      %s/staff/\n  health:     %s/healthz\n  metrics:    %s/metrics\n", s.URL(), s.URL(), s.URL(), s.URL(), s.URL())
	if s.firstLogin != "" {
		fmt.Fprint(s.Stdout, s.firstLogin)
	}
	if s.speechOff != "" {
		fmt.Fprintf(s.Stdout, "*** READ-ALOUD IS OFF: %s.\n    The pages show no read-aloud button. make deps installs espeak-ng and lame.\n", strings.TrimPrefix(s.speechOff, "read-aloud is off: "))
	}
	if addr, ok := s.listener.Addr().(*net.TCPAddr); ok && addr.IP.IsLoopback() {
		fmt.Fprintf(s.Stdout, "Only this computer can open it. For kiosks and phones on the network, listen on every address:\n  buurtloket serve --addr :%d   (a kiosk: docs/kiosk.md; on a server, behind nginx with TLS: docs/deploy.md)\n", addr.Port)
	}
	if addr, ok := s.listener.Addr().(*net.TCPAddr); ok && !addr.IP.IsLoopback() && !strings.HasPrefix(strings.ToLower(s.PublicURL), "https://") {
		// buurtloket itself speaks plain HTTP: TLS ends at a proxy in
		// front, which only the public address tells it of.
		s.Logger.Warn("open to the network without an https --public-url: the staff console's and the pages' cookies are not marked Secure; serve behind TLS and set --public-url https://… (docs/deploy.md)")
	}
	s.Logger.Info("serving", "addr", s.listener.Addr().String())
	defer s.store.Close()
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.listener) }()
	if s.DebugAddr != "" {
		debug := http.NewServeMux()
		debug.HandleFunc("/debug/pprof/", pprof.Index)
		debug.HandleFunc("/debug/pprof/profile", pprof.Profile)
		debug.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		debug.HandleFunc("/debug/pprof/trace", pprof.Trace)
		go func() {
			s.Logger.Info("profiler", "addr", s.DebugAddr)
			if err := http.ListenAndServe(s.DebugAddr, debug); err != nil {
				s.Logger.Error("profiler", "error", err)
			}
		}()
	}

	// Replies go out through the delivery worker, to the senders of the
	// channels that push (the bot). Without one a reply is held for the
	// resident to read with the code; an open follow-up page is sent it at
	// once (kiosk.Server.Listen below), which counts as delivered.
	workerCtx, stopWorker := context.WithCancel(context.Background())
	workerDone := make(chan struct{})
	go func() {
		defer close(workerDone)
		senders := map[buurtloket.Channel]delivery.Sender{}
		if s.bot != nil {
			senders[buurtloket.ChannelTelegram] = s.bot.Sender()
		}
		(&delivery.Worker{Store: s.store, Senders: senders, Logger: s.Logger}).Run(workerCtx)
	}()
	defer func() { stopWorker(); <-workerDone }()

	// The console hears new requests and messages from every instance, and
	// open follow-up pages hear staff replies and new statuses.
	listenCtx, stopListening := context.WithCancel(context.Background())
	defer stopListening()
	go func() {
		if err := s.console.Listen(listenCtx); err != nil {
			s.Logger.Error("the console hears no changes", "error", err)
		}
	}()
	go func() {
		if err := s.web.Listen(listenCtx); err != nil {
			s.Logger.Error("follow-up pages hear no staff replies", "error", err)
		}
	}()
	botDone := make(chan struct{})
	if s.bot != nil {
		// The bot stops with the listeners: after the server stopped taking
		// webhook calls, before the store closes.
		go func() { defer close(botDone); s.bot.Run(listenCtx) }()
	} else {
		close(botDone)
	}
	defer func() { stopListening(); <-botDone }()

	s.housekeeping(ctx)
	housekeeping := time.NewTicker(10 * time.Minute)
	defer housekeeping.Stop()
	for running := true; running; {
		select {
		case err := <-errc:
			return err
		case <-housekeeping.C:
			s.housekeeping(ctx)
		case <-ctx.Done():
			running = false
		}
	}
	s.Logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.http.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.Logger.Info("stopped")
	return nil
}

func (s *Server) loadContent() (*dialogs.Content, error) {
	src, what, err := contentSource(s.FlowsDir, s.LocalesDir, s.FactsFile)
	if err != nil {
		return nil, err
	}
	content, probs := dialogs.Load(src)
	for _, p := range probs {
		level := slog.LevelError
		if p.Warning {
			level = slog.LevelWarn
		}
		s.Logger.Log(context.Background(), level, "content problem", "file", p.File, "line", p.Line, "problem", p.Message)
	}
	if content == nil {
		return nil, fmt.Errorf("%d problems in %s; run buurtloket flows check to see them", probs.Errors(), what)
	}
	s.Logger.Info("content loaded", "source", what, "flows", len(content.Flows()), "languages", len(content.Catalog.Languages()))
	return content, nil
}

// Reload loads the flows and texts again. Content that does not pass the
// checks is not loaded: the service goes on with what it had. Conversations
// in progress finish on the flow version they started on.
func (s *Server) Reload() bool {
	content, err := s.loadContent()
	if err != nil {
		s.reloads.WithLabelValues("rejected").Inc()
		s.Logger.Error("flows not reloaded", "error", err)
		return false
	}
	s.engine.Store(s.engine.Load().Replace(content))
	if s.speech != nil {
		s.speech.SetCatalog(content.Catalog)
	}
	s.reloads.WithLabelValues("loaded").Inc()
	return true
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	public := s.PublicURL
	if public == "" {
		public = s.URL()
	}
	cfg := kiosk.Config{Engine: s.engine.Load, Store: s.store, Wijken: s.wijken, Logger: s.Logger, PublicURL: public,
		MaxPhonePages: s.phonePages, Sealer: s.sealer, TrustProxy: s.TrustProxy, SharedNetworks: s.SharedNetworks}
	if s.speech != nil {
		cfg.Speech = s.speech // the page's read-aloud, and its audio at /speech/; never a nil *Speaker in the interface
	}
	if s.bot != nil {
		// The kiosk's QR code opens the bot on the ticket.
		cfg.FollowLink = s.bot.FollowLink
		mux.Handle("POST "+s.Telegram.webhookPath(), s.bot.WebhookHandler())
		s.registry.MustRegister(s.bot.Collectors()...)
	}
	web := kiosk.New(cfg)
	s.web = web
	s.registry.MustRegister(web.Collectors()...)
	mux.Handle("/staff/", s.console.Handler())
	s.onShutdown = append(s.onShutdown, s.console.CloseStreams)
	mux.Handle("/", web.Handler())
	// Pages reconnect and resume when the server goes away.
	s.onShutdown = append(s.onShutdown, web.CloseConnections)
	return mux
}

// loadWijken reads the neighbourhood table, or returns the shipped one.
func loadWijken(path string) (*wijken.Table, error) {
	if path == "" {
		return wijken.Schiedam(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := wijken.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// housekeeping deletes expired dialog sessions, and closed requests past
// their retention.
func (s *Server) housekeeping(ctx context.Context) {
	if n, err := s.store.PurgeSessions(ctx); err != nil {
		s.Logger.Error("purging sessions", "error", err)
	} else if n > 0 {
		s.Logger.Info("purged expired sessions", "count", n)
	}
	if report, err := s.store.Purge(ctx, s.Retention, false); err != nil {
		s.Logger.Error("purging requests", "error", err)
	} else if report.Total() > 0 || report.PINs > 0 {
		s.Logger.Info("purged", "requests", report.Summary(), "pin_copies", report.PINs)
	}
	// Telegram updates are kept a day after they are handled (a repeat
	// comes within minutes); a chat untouched for 90 days is forgotten.
	now := time.Now()
	if updates, chats, err := s.store.PurgeBot(ctx, now.Add(-24*time.Hour), now.Add(-90*24*time.Hour)); err != nil {
		s.Logger.Error("purging telegram updates", "error", err)
	} else if updates+chats > 0 {
		s.Logger.Info("purged telegram updates and idle chats", "updates", updates, "chats", chats)
	}
}

// redactAddresses passes net/http's own error log (TLS handshake errors,
// broken connections) to the logger with IP addresses removed: they are
// personal data and stay out of the logs.
type redactAddresses struct{ logger *slog.Logger }

var addressPattern = regexp.MustCompile(`\[?[0-9a-fA-F:.]*[0-9a-fA-F][:.][0-9a-fA-F:.]+\]?(:\d+)?`)

func (r redactAddresses) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(addressPattern.ReplaceAllString(string(p), "[address]"))
	r.logger.Warn("http", "message", msg)
	return len(p), nil
}

// redactDSN hides a password in a database address before it is logged.
func redactDSN(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at > 0 {
		if scheme := strings.Index(dsn, "://"); scheme >= 0 && scheme < at {
			return dsn[:scheme+3] + "…" + dsn[at:]
		}
	}
	return dsn
}

// handleHealth answers load balancers and operators: 200 while the service
// has content to serve and its database answers, 503 otherwise.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	e := s.engine.Load()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	status, database, telegram := "ok", "ok", "off"
	if s.bot != nil {
		// The bot's trouble is told, but does not take the kiosks and
		// pages down with it: the answer stays 200.
		telegram = "ok"
		if ok, _ := s.bot.Healthy(); !ok {
			telegram = "unreachable" // the bot logs its outage itself
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		// The detail goes to the log; a load balancer only needs the answer.
		s.Logger.Error("health: the database does not answer", "error", err)
		status, database = "unavailable", "unreachable"
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(map[string]any{
		"status":    status,
		"database":  database,
		"telegram":  telegram,
		"flows":     len(e.Content().Flows()),
		"languages": len(e.Content().Catalog.Languages()),
	})
}

// tuneCollector makes the garbage collector keep memory closer to what is
// live, unless the operator chose with GOGC or GOMEMLIMIT. With thousands
// of open pages most of the heap is small and live, and Go's default
// (GOGC=100) lets it double, stacks counted, before collecting: 10,000
// pages took about 165 MB that way, and take about 135 MB at 50, for no
// measurable latency (docs/benchmarks.md).
func tuneCollector() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(50)
	}
}
