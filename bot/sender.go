package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"buurtloket"
	"buurtloket/delivery"

	tgbot "github.com/go-telegram/bot"
)

// Sender brings staff replies to the chat a request came from, for the
// delivery worker: in the resident's language (a canned reply is in it
// already; free text is as staff wrote it), under a line that says which
// request it answers.
type Sender struct{ b *Bot }

// Sender returns the bot's delivery.Sender.
func (b *Bot) Sender() delivery.Sender { return Sender{b} }

// Send delivers one reply. A blocked bot or a chat that is gone is
// delivery.ErrUnreachable; 429 carries Telegram's retry_after; other
// failures are tried again with backoff.
func (s Sender) Send(ctx context.Context, d *buurtloket.Delivery) error {
	chat, ok := ChatOfRoute(d.Route)
	if !ok {
		return fmt.Errorf("not a Telegram route: %w", delivery.ErrUnreachable)
	}
	cat := s.b.cfg.Engine().Content().Catalog
	text := cat.Format(d.Lang, "ui.bot.staff_reply", map[string]any{"Ticket": d.Ticket}) + "\n\n" + d.Body
	// A reply may hold 4,000 characters; a message 4,096 UTF-16 units
	// (an emoji takes two): a long one goes in parts.
	var err error
	for _, part := range split(text, maxText) {
		if _, err = s.b.api.SendMessage(ctx, &tgbot.SendMessageParams{ChatID: chat, Text: part}); err != nil {
			break
		}
	}
	s.b.apiResult("sendMessage", err)
	var tooMany *tgbot.TooManyRequestsError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tgbot.ErrorForbidden):
		// Blocked by the resident, or the chat is gone: the reason says so
		// without the chat.
		return fmt.Errorf("telegram: 403 blocked: %w", delivery.ErrUnreachable)
	case errors.As(err, &tooMany):
		return delivery.RetryAfter(time.Duration(max(tooMany.RetryAfter, 1))*time.Second, errors.New("telegram: 429 too many requests"))
	case errors.Is(err, tgbot.ErrorBadRequest):
		return fmt.Errorf("telegram: 400 %w", delivery.ErrUnreachable)
	}
	return errors.New("telegram: the Bot API does not answer")
}

// transient tells a Bot API failure worth trying again (no answer, 429,
// 5xx) from a refusal for this chat or request (400, 403, 404).
func transient(err error) bool {
	if err == nil {
		return false
	}
	for _, refused := range []error{tgbot.ErrorForbidden, tgbot.ErrorBadRequest, tgbot.ErrorNotFound, tgbot.ErrorUnauthorized, tgbot.ErrorConflict} {
		if errors.Is(err, refused) {
			return false
		}
	}
	var m *tgbot.MigrateError
	return !errors.As(err, &m)
}

// split cuts text into parts of at most n characters, at a line break or
// a space where there is one near the end.
func split(text string, n int) []string {
	r := []rune(text)
	var parts []string
	for len(r) > n {
		cut := n
		for i := n - 1; i > n*3/4; i-- {
			if r[i] == '\n' || r[i] == ' ' {
				cut = i + 1
				break
			}
		}
		parts = append(parts, strings.TrimSpace(string(r[:cut])))
		r = r[cut:]
	}
	return append(parts, string(r))
}
