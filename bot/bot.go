// Package bot is the Telegram channel: the guided flows in a chat, with
// inline keyboards, on top of the dialog engine and the request store;
// after a request, staff replies reach the chat through the outbox and the
// resident's later messages join the request's thread.
//
// Updates come by webhook (several instances behind one address) or by
// long polling (one instance). Either way an update is kept in the store
// before Telegram hears that it arrived, handled once, and a chat's
// updates are handled in order by one instance at a time (intake.go). The
// chat's conversation lives in the store, sealed (chat.go). Nothing of a
// resident (chat id, name, text) goes to the log.
package bot

import (
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"buurtloket"
	"buurtloket/dialogs"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"
)

// Config is what the bot needs.
type Config struct {
	Token string
	// APIURL is the Bot API server; empty: Telegram's.
	APIURL string
	// WebhookURL, when set, is where Telegram sends updates (the bot
	// registers it with WebhookSecret); empty: long polling.
	WebhookURL    string
	WebhookSecret string

	Engine func() *dialogs.Engine
	Store  buurtloket.RequestStore
	// Sealer names chats by a keyed hash of their ID; every instance on
	// one store needs the same key.
	Sealer *buurtloket.Sealer
	Wijken interface{ Lookup(postcode string) string }
	// Speech reads a question aloud as a voice message (nil: no button
	// for it).
	Speech Speaker
	Logger *slog.Logger

	Workers    int           // chats handled at once; default 16 (they mostly wait for the Bot API)
	Lease      time.Duration // how long a chat is this instance's; default 30 s
	PollWait   time.Duration // a long poll's wait; default 50 s
	Sweep      time.Duration // how often chats left waiting are looked for; default 2 s
	HTTPClient *http.Client  // for the Bot API; default one with a timeout
}

// Speaker makes the audio of a text (package speech): an MP3 file.
type Speaker interface {
	Speaks(lang string) bool
	Audio(ctx context.Context, lang, text string) (string, error)
}

// Bot is the Telegram channel.
type Bot struct {
	cfg      Config
	api      *tgbot.Bot
	username atomic.Value // string: the bot's username, for deep links

	mu     sync.Mutex
	active map[string]bool // chats a worker handles now
	again  map[string]bool // chats kicked while handled
	tries  map[string]int  // failed tries per chat:update, this instance's
	work   chan job
	stop   chan struct{}

	apiDown  atomic.Int64 // when the Bot API last failed (Unix ms); 0: it answers
	metrics  *metrics
	stopOnce sync.Once
}

// New returns the bot; Run starts it.
func New(cfg Config) (*Bot, error) {
	if cfg.Token == "" || cfg.Engine == nil || cfg.Store == nil || cfg.Sealer == nil {
		return nil, errors.New("the bot needs a token, the engine, the store and the sealer")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.PollWait <= 0 {
		cfg.PollWait = 50 * time.Second
	}
	if cfg.Sweep <= 0 {
		cfg.Sweep = 2 * time.Second
	}
	if cfg.HTTPClient == nil {
		// Every worker and the poll keep a connection: the default of two
		// idle connections per host would make the others dial (and shake
		// hands with TLS) for each call.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = cfg.Workers + 2
		cfg.HTTPClient = &http.Client{Timeout: cfg.PollWait + 15*time.Second, Transport: t}
	}
	opts := []tgbot.Option{
		tgbot.WithSkipGetMe(), // Run asks, and retries: an outage at start is not fatal
		tgbot.WithHTTPClient(cfg.PollWait, cfg.HTTPClient),
		// The library's own errors name methods and codes; updates never
		// reach it (intake.go), so no resident's text does.
		tgbot.WithErrorsHandler(func(err error) { cfg.Logger.Warn("telegram library", "error", err.Error()) }),
		tgbot.WithDefaultHandler(func(context.Context, *tgbot.Bot, *models.Update) {}),
	}
	if cfg.APIURL != "" {
		opts = append(opts, tgbot.WithServerURL(cfg.APIURL))
	}
	api, err := tgbot.New(cfg.Token, opts...)
	if err != nil {
		return nil, err
	}
	b := &Bot{cfg: cfg, api: api, active: map[string]bool{}, again: map[string]bool{}, tries: map[string]int{},
		work: make(chan job, 4096), stop: make(chan struct{}), metrics: newMetrics()}
	b.username.Store("")
	return b, nil
}

// chatKey names a chat in the store: a keyed hash of its ID, the same on
// every instance with the same key.
func (b *Bot) chatKey(chatID int64) string {
	mac := b.cfg.Sealer.Sign("telegram-chat", []byte(strconv.FormatInt(chatID, 10)))
	return base64.RawURLEncoding.EncodeToString(mac[:18])
}

// FollowLink is the deep link that opens the bot on a ticket (the kiosk's
// QR code), or "" until the bot knows its username.
func (b *Bot) FollowLink(ticket string) string {
	name, _ := b.username.Load().(string)
	if name == "" {
		return ""
	}
	t, ok := buurtloket.NormalizeTicket(ticket)
	if !ok {
		return ""
	}
	// A payload may hold A–Z, a–z, 0–9, _ and -: the code goes as written.
	return "https://t.me/" + name + "?start=" + t
}

// Healthy reports whether the Bot API answered lately.
func (b *Bot) Healthy() (bool, string) {
	if at := b.apiDown.Load(); at != 0 {
		return false, "the Telegram Bot API does not answer since " + time.UnixMilli(at).UTC().Format(time.RFC3339)
	}
	return true, ""
}

// apiResult records whether a Bot API call worked, for health and metrics.
func (b *Bot) apiResult(method string, err error) {
	switch {
	case err == nil:
		b.apiDown.Store(0)
		b.metrics.calls.WithLabelValues(method, "ok").Inc()
	case transient(err):
		b.apiDown.CompareAndSwap(0, time.Now().UnixMilli())
		b.metrics.calls.WithLabelValues(method, "retry").Inc()
	default:
		b.metrics.calls.WithLabelValues(method, "refused").Inc()
	}
}

// Collectors returns the bot's metrics, for the registry of serve.
func (b *Bot) Collectors() []prometheus.Collector { return b.metrics.collectors() }

// Run starts the bot and handles updates until ctx ends: it learns its
// name, registers its commands and the webhook (or polls), and sweeps for
// chats whose updates wait.
func (b *Bot) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer b.stopOnce.Do(func() { close(b.stop) })
	var wg sync.WaitGroup
	for i := 0; i < b.cfg.Workers; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); b.worker(ctx) }()
	}
	wg.Add(2)
	go func() { defer wg.Done(); b.setUp(ctx) }()
	go func() { defer wg.Done(); b.sweep(ctx) }()
	if b.cfg.WebhookURL == "" {
		wg.Add(1)
		go func() { defer wg.Done(); b.poll(ctx) }()
	}
	<-ctx.Done()
	wg.Wait()
	// Chats taken and still queued are given back: another instance need
	// not wait for their leases to run out.
	for {
		select {
		case j := <-b.work:
			b.giveBack(j)
		default:
			return nil
		}
	}
}

// giveBack gives a queued chat's claim back, when it has one.
func (b *Bot) giveBack(j job) {
	if j.claim != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.cfg.Store.ReleaseBotChat(ctx, j.chat, j.claim.Token, time.Time{})
	}
}

// setUp learns the bot's name, registers the commands per language and
// the webhook, retrying with backoff while the Bot API does not answer.
// The commands are a nicety: a server that refuses them is not fatal.
func (b *Bot) setUp(ctx context.Context) {
	wait := time.Second
	for ctx.Err() == nil {
		me, err := b.api.GetMe(ctx)
		b.apiResult("getMe", err)
		if err == nil {
			b.username.Store(me.Username)
			break
		}
		b.cfg.Logger.Warn("the Telegram Bot API does not answer; trying again", "wait", wait.String(), "error", err.Error())
		if !sleep(ctx, wait) {
			return
		}
		wait = min(2*wait, time.Minute)
	}
	b.setCommands(ctx)
	for wait = time.Second; ctx.Err() == nil; wait = min(2*wait, time.Minute) {
		var err error
		if b.cfg.WebhookURL != "" {
			_, err = b.api.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: b.cfg.WebhookURL, SecretToken: b.cfg.WebhookSecret, AllowedUpdates: allowedUpdates})
			b.apiResult("setWebhook", err)
		} else {
			_, err = b.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{})
			b.apiResult("deleteWebhook", err)
		}
		if err == nil || !transient(err) {
			if err != nil {
				b.cfg.Logger.Error("the webhook was refused", "error", err.Error())
			}
			return
		}
		if !sleep(ctx, wait) {
			return
		}
	}
}

// allowedUpdates are the updates the bot takes.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
