package main

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"

	"buurtloket/bot"
)

// Telegram is the bot's configuration (BUURTLOKET_TELEGRAM_*): off
// without a token.
type Telegram struct {
	Token         string // from @BotFather
	APIURL        string // another Bot API server (a local one, a test); empty: Telegram's
	WebhookURL    string // empty: long polling (one instance)
	WebhookSecret string // required with a webhook
}

var webhookSecret = regexp.MustCompile(`^[A-Za-z0-9_-]{16,256}$`)

// check refuses a configuration that would not work, or not safely.
func (t Telegram) check() error {
	if t.Token == "" {
		if t.WebhookURL != "" || t.APIURL != "" {
			return errors.New("a Telegram webhook or API address needs BUURTLOKET_TELEGRAM_TOKEN")
		}
		return nil
	}
	if t.WebhookURL != "" {
		u, err := url.Parse(t.WebhookURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("BUURTLOKET_TELEGRAM_WEBHOOK_URL %q must be an https:// address (Telegram sends updates only there)", t.WebhookURL)
		}
		if !webhookSecret.MatchString(t.WebhookSecret) {
			return errors.New("a Telegram webhook needs BUURTLOKET_TELEGRAM_WEBHOOK_SECRET: 16 to 256 of A-Z, a-z, 0-9, _ and -")
		}
	}
	if t.APIURL != "" {
		if u, err := url.Parse(t.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("BUURTLOKET_TELEGRAM_API_URL %q is not an http(s) address", t.APIURL)
		}
	}
	return nil
}

// webhookPath is where serve takes the webhook: the path of its URL.
func (t Telegram) webhookPath() string {
	u, err := url.Parse(t.WebhookURL)
	if err != nil || u.Path == "" || u.Path == "/" {
		return "/telegram/webhook"
	}
	return u.Path
}

// openBot makes the bot when a token is configured.
func (s *Server) openBot() error {
	if err := s.Telegram.check(); err != nil {
		return err
	}
	if s.Telegram.Token == "" {
		return nil
	}
	cfg := bot.Config{Token: s.Telegram.Token, APIURL: s.Telegram.APIURL, WebhookURL: s.Telegram.WebhookURL,
		WebhookSecret: s.Telegram.WebhookSecret, Engine: s.engine.Load, Store: s.store, Sealer: s.sealer, Wijken: s.wijken, Logger: s.Logger}
	if s.speech != nil {
		cfg.Speech = s.speech // never a nil *Speaker in the interface
	}
	b, err := bot.New(cfg)
	if err != nil {
		return err
	}
	s.bot = b
	mode := "long polling (one instance only)"
	if s.Telegram.WebhookURL != "" {
		mode = "webhook at " + s.Telegram.webhookPath()
	}
	s.Logger.Info("telegram bot on", "mode", mode)
	return nil
}
