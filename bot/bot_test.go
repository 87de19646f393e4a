package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"buurtloket"
	"buurtloket/bot/bottest"
	"buurtloket/dialogs"
	"buurtloket/internal/shipped"
	"buurtloket/requests"
	"buurtloket/sqlite"
	"buurtloket/wijken"
)

// The tests run the real library against the fake Bot API server
// (bottest) over HTTP, and send updates to the bot's own webhook handler
// over HTTP, as Telegram does.

const secret = "webhook-secret-123"

func shippedEngine(t testing.TB) *dialogs.Engine {
	t.Helper()
	c, probs := dialogs.Load(shipped.Source())
	if c == nil {
		t.Fatalf("the shipped content: %v", probs)
	}
	return dialogs.NewEngine(c)
}

// instance is one buurtloket instance's bot, with its webhook.
type instance struct {
	bot     *Bot
	webhook *httptest.Server
	store   *requests.Store
}

type env struct {
	t      testing.TB
	fake   *bottest.Server
	engine *dialogs.Engine
	sealer *buurtloket.Sealer
	log    *slog.Logger
	a      *instance
	nextID atomic.Int64

	mu   sync.Mutex
	done map[int64]bool // the updates an instance has finished with
}

// watched is an instance's store that tells the env which updates were
// finished with (handled, or given up), so that a test waits for the
// whole answer to one update and not a moment it guesses.
type watched struct {
	*requests.Store
	e *env
}

func (w watched) BotUpdateHandled(ctx context.Context, chat, token string, updateID int64, state []byte, lease time.Duration) error {
	err := w.Store.BotUpdateHandled(ctx, chat, token, updateID, state, lease)
	if err == nil {
		w.e.finished(updateID)
	}
	return err
}

func (w watched) BotUpdateDone(ctx context.Context, chat, token string, updateID int64, state []byte, lease time.Duration) (buurtloket.BotClaim, error) {
	next, err := w.Store.BotUpdateDone(ctx, chat, token, updateID, state, lease)
	if err == nil {
		w.e.finished(updateID)
	}
	return next, err
}

func (e *env) finished(id int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done == nil {
		e.done = map[int64]bool{}
	}
	e.done[id] = true
}

// waitDone waits until an instance has finished with update id.
func (e *env) waitDone(id int64) bool {
	return e.fake.WaitFor(10*time.Second, func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.done[id]
	})
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvLogged(t, io.Discard)
}

// syncBuffer is a log that many goroutines write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newEnvLogged is newEnv with the bot's log (at debug level) going to w.
func newEnvLogged(t testing.TB, w io.Writer) *env {
	t.Helper()
	sealer, _ := buurtloket.NewSealer(buurtloket.NewKey())
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "b.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := &env{t: t, fake: bottest.New(t), engine: shippedEngine(t), sealer: sealer, log: slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	e.nextID.Store(1000)
	e.a = e.start(store, true)
	return e
}

// start runs a bot on store, in webhook mode or polling.
func (e *env) start(store *requests.Store, webhook bool) *instance {
	e.t.Helper()
	cfg := Config{Token: bottest.Token, APIURL: e.fake.URL, WebhookSecret: secret,
		Engine: func() *dialogs.Engine { return e.engine }, Store: watched{store, e}, Sealer: e.sealer, Wijken: wijken.Schiedam(), Logger: e.log,
		Sweep: 100 * time.Millisecond, PollWait: time.Second, Lease: 5 * time.Second}
	if webhook {
		cfg.WebhookURL = "https://buurtloket.example.nl/telegram"
	}
	b := run(e.t, cfg)
	in := &instance{bot: b, store: store, webhook: httptest.NewServer(b.WebhookHandler())}
	e.t.Cleanup(in.webhook.Close) // before the bot stops: cleanups run last first
	return in
}

// run starts a bot with cfg until the test's end.
func run(t testing.TB, cfg Config) *Bot {
	t.Helper()
	b, stop := start(t, cfg)
	t.Cleanup(stop)
	return b
}

// start starts a bot with cfg; stop stops it and waits until it has (it
// may be called more than once).
func start(t testing.TB, cfg Config) (b *Bot, stop func()) {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx); close(done) }()
	return b, func() { cancel(); <-done }
}

// post sends an update to an instance's webhook as Telegram does.
func (in *instance) post(t testing.TB, update []byte) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", in.webhook.URL, bytes.NewReader(update))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the webhook answered %s", resp.Status)
	}
	return resp
}

// resident is one Telegram user in a private chat with the bot.
type resident struct {
	e    *env
	user bottest.User
	to   *instance // where updates go (another instance for some)
	seen int       // messages of the bot seen so far
}

func (e *env) resident(id int64, lang string) *resident {
	return &resident{e: e, user: bottest.User{ID: id, Lang: lang}, to: e.a}
}

func (r *resident) id() int64 { return r.e.nextID.Add(1) }

// waitNew waits until an instance has finished with the resident's
// update id, so that the whole answer is in (a question may come in two
// messages, the second a moment later on a busy machine), and returns
// the chat's messages; the answer must have a new message.
func (r *resident) waitNew(id int64) []bottest.Message {
	r.e.t.Helper()
	if !r.e.waitDone(id) {
		r.e.t.Fatalf("update %d was not handled; the chat so far:\n%s", id, transcript(r.e.fake.Messages(r.user.ID)))
	}
	msgs := r.e.fake.Messages(r.user.ID)
	if len(msgs) <= r.seen {
		r.e.t.Fatalf("no answer from the bot; the chat so far:\n%s", transcript(msgs))
	}
	r.seen = len(msgs)
	return msgs
}

func transcript(msgs []bottest.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&b, "[%d] %s\n", m.ID, m.Text)
		for _, row := range m.Keyboard {
			for _, k := range row {
				fmt.Fprintf(&b, "    [%s]", k.Text)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func (r *resident) say(text string) []bottest.Message {
	r.e.t.Helper()
	return r.send(bottest.TextUpdate(r.id(), r.user, text))
}

// send posts an update of the resident's and waits for the answer.
func (r *resident) send(update []byte) []bottest.Message {
	r.e.t.Helper()
	var u struct {
		ID int64 `json:"update_id"`
	}
	if err := json.Unmarshal(update, &u); err != nil {
		r.e.t.Fatal(err)
	}
	r.to.post(r.e.t, update)
	return r.waitNew(u.ID)
}

// question is the bot's last message with buttons.
func (r *resident) question() bottest.Message {
	r.e.t.Helper()
	msgs := r.e.fake.Messages(r.user.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if len(msgs[i].Keyboard) > 0 {
			return msgs[i]
		}
	}
	r.e.t.Fatalf("no question with buttons:\n%s", transcript(msgs))
	return bottest.Message{}
}

// button finds the button labelled label (ticked or not) on the question
// on screen.
func (r *resident) button(label string) (bottest.Message, bottest.Button) {
	r.e.t.Helper()
	q := r.question()
	for _, row := range q.Keyboard {
		for _, b := range row {
			if b.Text == label || b.Text == "✓ "+label {
				return q, b
			}
		}
	}
	r.e.t.Fatalf("no button %q on the question:\n%s", label, transcript([]bottest.Message{q}))
	return q, bottest.Button{}
}

// press presses the button labelled label on the question on screen, and
// waits for the answer.
func (r *resident) press(label string) []bottest.Message {
	r.e.t.Helper()
	q, b := r.button(label)
	return r.send(bottest.PressUpdate(r.id(), r.user, q.ID, b.CallbackData))
}

// tick presses a button of a multi step, which edits the question.
func (r *resident) tick(label string) {
	r.e.t.Helper()
	q, b := r.button(label)
	id := r.id()
	r.to.post(r.e.t, bottest.PressUpdate(id, r.user, q.ID, b.CallbackData))
	if !r.e.waitDone(id) {
		r.e.t.Fatalf("ticking %q was not handled", label)
	}
	for _, m := range r.e.fake.Messages(r.user.ID) {
		if m.ID == q.ID && m.Edits > q.Edits {
			return
		}
	}
	r.e.t.Fatalf("ticking %q changed nothing", label)
}

// walk makes the moves of a path in the chat: buttons pressed, texts and
// contact details typed.
func (r *resident) walk(moves []bottest.Move) {
	r.e.t.Helper()
	for _, m := range moves {
		switch m.Kind {
		case "choose":
			r.press(m.Label)
		case "text", "contact":
			r.say(m.Text)
		}
	}
}

func last(msgs []bottest.Message) bottest.Message { return msgs[len(msgs)-1] }
