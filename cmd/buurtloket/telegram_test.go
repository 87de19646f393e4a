package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"buurtloket/bot/bottest"
)

// TestTelegramSettingsAreChecked: a webhook needs https and a secret; an
// API address or webhook needs a token.
func TestTelegramSettingsAreChecked(t *testing.T) {
	for _, tt := range []struct {
		t    Telegram
		fail string
	}{
		{Telegram{}, ""},
		{Telegram{Token: "1:x"}, ""},
		{Telegram{Token: "1:x", WebhookURL: "https://b.example.nl/tg", WebhookSecret: "0123456789abcdef"}, ""},
		{Telegram{WebhookURL: "https://b.example.nl/tg"}, "needs BUURTLOKET_TELEGRAM_TOKEN"},
		{Telegram{Token: "1:x", WebhookURL: "http://b.example.nl/tg", WebhookSecret: "0123456789abcdef"}, "must be an https://"},
		{Telegram{Token: "1:x", WebhookURL: "https://b.example.nl/tg"}, "needs BUURTLOKET_TELEGRAM_WEBHOOK_SECRET"},
		{Telegram{Token: "1:x", WebhookURL: "https://b.example.nl/tg", WebhookSecret: "short"}, "needs BUURTLOKET_TELEGRAM_WEBHOOK_SECRET"},
		{Telegram{Token: "1:x", WebhookURL: "https://b.example.nl/tg", WebhookSecret: "0123456789abcdef!"}, "needs BUURTLOKET_TELEGRAM_WEBHOOK_SECRET"},
		{Telegram{Token: "1:x", APIURL: "ftp://x"}, "not an http(s) address"},
	} {
		err := tt.t.check()
		if (tt.fail == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.fail)) {
			t.Errorf("%+v: %v, want %q", tt.t, err, tt.fail)
		}
	}
	if p := (Telegram{WebhookURL: "https://b.example.nl/hooks/tg"}).webhookPath(); p != "/hooks/tg" {
		t.Errorf("webhook path %q", p)
	}
}

// TestServeRunsTheBot: with a token, serve runs the bot (long polling
// here) against the Bot API server it is given, answers a resident, and
// tells the bot's health apart from its own: an outage of the Bot API
// leaves /healthz at 200.
func TestServeRunsTheBot(t *testing.T) {
	fake := bottest.New(t)
	s := &Server{Addr: "127.0.0.1:0", Telegram: Telegram{Token: bottest.Token, APIURL: fake.URL}}
	stop := startServer(t, s)
	defer stop()
	fake.Queue(bottest.TextUpdate(1, bottest.User{ID: 99, Lang: "nl"}, "/start"))
	if !fake.WaitFor(15*time.Second, func() bool { return len(fake.Messages(99)) > 0 }) {
		t.Fatal("serve's bot did not answer")
	}
	health := func() map[string]any {
		code, body := get(t, s.URL()+"/healthz")
		var h map[string]any
		json.Unmarshal([]byte(body), &h)
		h["code"] = code
		return h
	}
	if h := health(); h["telegram"] != "ok" || h["code"] != 200 {
		t.Fatalf("health: %v", h)
	}
	fake.Fail("getUpdates", 0, 502, "Bad Gateway", 0, -1)
	if !fake.WaitFor(10*time.Second, func() bool { return health()["telegram"] == "unreachable" }) {
		t.Fatalf("the outage does not show: %v", health())
	}
	if h := health(); h["code"] != 200 || h["status"] != "ok" {
		t.Fatalf("the bot's outage took serve down: %v", h)
	}
	if _, body := get(t, s.URL()+"/metrics"); !strings.Contains(body, `buurtloket_bot_api_calls_total{method="getUpdates",result="retry"}`) {
		t.Fatal("the outage is not in the metrics")
	}
}
