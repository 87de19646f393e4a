package bot

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"buurtloket"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// How updates come in and are handled. The library's own intake is not
// used: its webhook handler answers 200 to a wrong secret and before the
// update is safe, and its long poll confirms updates (the next offset)
// before they are handled. Here an update is kept in the store first
// (BotStore.AddBotUpdate: a repeated one is kept once), and only then
// does Telegram hear that it arrived: the webhook's 200, or the next
// poll's offset. Handling comes after, chat by chat: an instance takes a
// chat's lease, handles its waiting updates in order, and gives the chat
// back; a sweep picks up chats whose updates wait with no lease (another
// instance died, or a handler gave up for now).

// WebhookHandler takes Telegram's webhook calls: a wrong or missing
// secret gets 401, an oversized body 413, a body that is not an update
// 400; an update that cannot be kept gets 503, and Telegram sends it
// again.
func (b *Bot) WebhookHandler() http.Handler {
	secret := []byte(b.cfg.WebhookSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		got := []byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		if len(secret) == 0 || subtle.ConstantTimeCompare(got, secret) != 1 {
			b.metrics.updates.WithLabelValues("refused").Inc()
			http.Error(w, "wrong secret", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, buurtloket.MaxBotUpdate))
		if err != nil {
			b.metrics.updates.WithLabelValues("refused").Inc()
			http.Error(w, "an update is at most 64 KB", http.StatusRequestEntityTooLarge)
			return
		}
		switch _, err := b.take(r.Context(), body); {
		case err == nil:
			w.WriteHeader(http.StatusOK)
		case buurtloket.ErrorCode(err) == buurtloket.EINVALID:
			http.Error(w, buurtloket.ErrorMessage(err), http.StatusBadRequest)
		default:
			b.cfg.Logger.Error("an update could not be kept; Telegram sends it again", "error", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
		}
	})
}

// head is what intake reads of an update: its ID and its chat.
type head struct {
	ID       int64                              `json:"update_id"`
	Message  *struct{ Chat struct{ ID int64 } } `json:"message"`
	Edited   *struct{ Chat struct{ ID int64 } } `json:"edited_message"`
	Callback *struct {
		From    struct{ ID int64 }
		Message *struct{ Chat struct{ ID int64 } }
	} `json:"callback_query"`
	Member *struct{ Chat struct{ ID int64 } } `json:"my_chat_member"`
}

// chatOf returns the chat an update belongs to; 0 for updates the bot
// does not take (inline queries, polls …).
func (h head) chatOf() int64 {
	switch {
	case h.Message != nil:
		return h.Message.Chat.ID
	case h.Edited != nil:
		return h.Edited.Chat.ID
	case h.Callback != nil && h.Callback.Message != nil:
		return h.Callback.Message.Chat.ID
	case h.Callback != nil:
		return h.Callback.From.ID // an old message: the private chat is the user's
	case h.Member != nil:
		return h.Member.Chat.ID
	}
	return 0
}

// take keeps one update and starts its chat's handling; it returns the
// update's ID.
func (b *Bot) take(ctx context.Context, body []byte) (int64, error) {
	var h head
	if err := json.Unmarshal(body, &h); err != nil || h.ID <= 0 {
		b.metrics.updates.WithLabelValues("refused").Inc()
		// Its ID, if it has one, still confirms it in long polling:
		// otherwise a malformed update would come back for ever.
		var id struct {
			ID int64 `json:"update_id"`
		}
		json.Unmarshal(body, &id)
		return max(id.ID, 0), buurtloket.Errorf(buurtloket.EINVALID, "not an update")
	}
	chat := h.chatOf()
	if chat == 0 {
		b.metrics.updates.WithLabelValues("ignored").Inc()
		return h.ID, nil
	}
	key := b.chatKey(chat)
	// Kept, and the chat taken when it is free, in one write: a worker
	// then starts on the claim.
	lease := b.cfg.Lease
	if b.busy(key) {
		lease = 0 // a worker here has it: it looks again before it lets go
	}
	added, claim, err := b.cfg.Store.AddBotUpdate(ctx, h.ID, key, bytes.TrimSpace(body), lease)
	if err != nil {
		return h.ID, err
	}
	if !added {
		b.metrics.updates.WithLabelValues("repeated").Inc()
		return h.ID, nil
	}
	b.metrics.updates.WithLabelValues("kept").Inc()
	if claim.Token != "" {
		b.start(key, &claim)
		return h.ID, nil
	}
	b.kick(key)
	return h.ID, nil
}

// busy tells whether a worker of this instance handles the chat now.
func (b *Bot) busy(chat string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.active[chat]
}

// poll takes updates by long polling (no webhook): the next offset goes
// out only after the updates before it are kept.
func (b *Bot) poll(ctx context.Context) {
	var offset int64
	wait := time.Second
	for ctx.Err() == nil {
		updates, err := b.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, errConflict) {
				b.cfg.Logger.Error(err.Error())
				if !sleep(ctx, 30*time.Second) {
					return
				}
				continue
			}
			b.cfg.Logger.Warn("no updates from the Telegram Bot API; trying again", "wait", wait.String(), "error", err.Error())
			if !sleep(ctx, wait) {
				return
			}
			wait = min(2*wait, time.Minute)
			continue
		}
		wait = time.Second
		for _, raw := range updates {
			id, err := b.take(ctx, raw)
			if err != nil && buurtloket.ErrorCode(err) != buurtloket.EINVALID {
				// Not kept: not confirmed either; it comes again.
				b.cfg.Logger.Error("an update could not be kept; it is asked for again", "error", err)
				sleep(ctx, time.Second)
				break
			}
			offset = max(offset, id+1)
		}
	}
}

// getUpdates asks the Bot API for updates from offset on. It is a plain
// call, not the library's: the library's poller moves the offset before
// its handlers run.
func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]json.RawMessage, error) {
	params, _ := json.Marshal(map[string]any{"offset": offset, "timeout": int(b.cfg.PollWait.Seconds()), "allowed_updates": allowedUpdates})
	base := b.cfg.APIURL
	if base == "" {
		base = "https://api.telegram.org"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/bot"+b.cfg.Token+"/getUpdates", bytes.NewReader(params))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.cfg.HTTPClient.Do(req)
	if err != nil {
		b.apiResult("getUpdates", errNetwork)
		return nil, errors.New("the Bot API cannot be reached") // the error holds the URL, with the token
	}
	defer resp.Body.Close()
	var out struct {
		OK          bool              `json:"ok"`
		Result      []json.RawMessage `json:"result"`
		Description string            `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&out); err != nil || !out.OK {
		if resp.StatusCode == http.StatusConflict {
			// Telegram answers: not an outage, a set-up to fix.
			b.apiResult("getUpdates", tgbot.ErrorConflict)
			return nil, errConflict
		}
		b.apiResult("getUpdates", errNetwork)
		if out.Parameters.RetryAfter > 0 {
			sleep(ctx, time.Duration(out.Parameters.RetryAfter)*time.Second)
		}
		return nil, fmt.Errorf("getUpdates: %d %s", resp.StatusCode, out.Description)
	}
	b.apiResult("getUpdates", nil)
	return out.Result, nil
}

var (
	errNetwork  = errors.New("network")
	errConflict = errors.New("Telegram refuses the long poll (409): another instance polls with this token, or a webhook is set; " +
		"with several instances set BUURTLOKET_TELEGRAM_WEBHOOK_URL")
)

// job is a chat for a worker, with its claim when one was taken already.
type job struct {
	chat  string
	claim *buurtloket.BotClaim
}

// kick has the chat handled by one of this instance's workers: at once
// when none handles it, else again after the one that does.
func (b *Bot) kick(chat string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.active[chat] {
		b.again[chat] = true
		return
	}
	select {
	case b.work <- job{chat: chat}:
		b.active[chat] = true
	default:
		// Busy: the sweep finds it.
	}
}

// start hands a claim taken with an update to a worker. When none can
// take it, the claim is given back (the sweep finds the chat).
func (b *Bot) start(chat string, claim *buurtloket.BotClaim) {
	b.mu.Lock()
	if b.active[chat] {
		// Cannot be: a claim was just taken, so nobody here holds it.
		b.again[chat] = true
		b.mu.Unlock()
		b.cfg.Store.ReleaseBotChat(context.Background(), chat, claim.Token, time.Time{})
		return
	}
	select {
	case b.work <- job{chat: chat, claim: claim}:
		b.active[chat] = true
		b.mu.Unlock()
	default:
		b.mu.Unlock()
		b.cfg.Store.ReleaseBotChat(context.Background(), chat, claim.Token, time.Time{})
	}
}

func (b *Bot) worker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-b.work:
			if ctx.Err() != nil {
				b.giveBack(j) // stopping: not started on
				return
			}
			chat := j.chat
			next, more := b.handleChat(ctx, chat, j.claim)
			if next != nil {
				// Updates came meanwhile, taken under the same lease: to the
				// back of the queue with them, so that a busy chat does not
				// keep a worker from the others.
				select {
				case b.work <- job{chat: chat, claim: next}:
					continue // still this instance's
				default:
					b.cfg.Store.ReleaseBotChat(context.WithoutCancel(ctx), chat, next.Token, time.Time{})
					more = true
				}
			}
			b.mu.Lock()
			again := b.again[chat] || more
			delete(b.again, chat)
			delete(b.active, chat)
			b.mu.Unlock()
			if again {
				b.kick(chat)
			}
		}
	}
}

// sweep looks for chats whose updates wait with no lease in force.
func (b *Bot) sweep(ctx context.Context) {
	t := time.NewTicker(b.cfg.Sweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		chats, err := b.cfg.Store.BotChatsWaiting(ctx, 200)
		if err != nil {
			if ctx.Err() == nil {
				b.cfg.Logger.Error("looking for chats that wait", "error", err)
			}
			continue
		}
		for _, c := range chats {
			b.kick(c)
		}
	}
}

// handleChat takes the chat's lease and handles its waiting updates in
// order, and reports whether more wait. Each handled update renews the lease, and each
// gets at most half the lease for its Bot API calls, so that the lease
// never runs out under a handler and no other instance takes the chat
// meanwhile. An update whose answer the Bot API did not take (an
// outage, 429) stays waiting: the chat is given back with a hold
// (Telegram's retry_after, else a growing backoff) that every instance
// keeps. An update that fails maxAttempts times is given up.
func (b *Bot) handleChat(ctx context.Context, chat string, first *buurtloket.BotClaim) (*buurtloket.BotClaim, bool) {
	var claim buurtloket.BotClaim
	if first != nil {
		claim = *first
	} else {
		var err error
		if claim, err = b.cfg.Store.ClaimBotChat(ctx, chat, b.cfg.Lease, 50); err != nil {
			b.cfg.Logger.Error("taking a chat", "error", err)
			return nil, false
		}
	}
	if claim.Token == "" {
		return nil, false // another instance has it, and looks again before it lets go
	}
	st, err := loadState(claim.State)
	if err != nil {
		b.cfg.Logger.Error("a chat's state could not be read; it starts anew", "error", err)
		st = &chatState{}
	}
	var hold time.Time
	var next *buurtloket.BotClaim
	stopped, released, waiting := false, false, false
	for i, u := range claim.Updates {
		if ctx.Err() != nil {
			stopped = true
			break
		}
		start := time.Now()
		uctx, cancel := context.WithTimeout(ctx, b.cfg.Lease/2)
		after, err := b.handleUpdate(uctx, st, u.Payload)
		cancel()
		if err != nil && b.failed(chat, u.ID) < maxAttempts {
			hold = time.Now().Add(b.backoff(chat, err))
			b.metrics.handled.WithLabelValues("retry").Inc()
			b.cfg.Logger.Warn("an update waits: the Bot API did not take the answer", "update", u.ID, "until", hold.UTC().Format(time.RFC3339), "error", err.Error())
			stopped = true
			break
		}
		if err != nil {
			// Given up: the chat goes on without it.
			b.metrics.handled.WithLabelValues("given_up").Inc()
			b.cfg.Logger.Error("an update is given up after repeated failures", "update", u.ID, "error", err.Error())
			after = st
		}
		b.succeeded(chat, u.ID)
		data, err := after.encode()
		if err == nil && i == len(claim.Updates)-1 {
			// The last of the claim: handled, and the chat given back or
			// what came meanwhile taken, in one write.
			var more buurtloket.BotClaim
			if more, err = b.cfg.Store.BotUpdateDone(ctx, chat, claim.Token, u.ID, data, b.cfg.Lease); err == nil {
				released = true
				if more.Token != "" {
					next = &more
				}
			}
		} else if err == nil {
			err = b.cfg.Store.BotUpdateHandled(ctx, chat, claim.Token, u.ID, data, b.cfg.Lease)
		}
		if err != nil {
			b.cfg.Logger.Error("recording a handled update", "update", u.ID, "error", err)
			stopped = true
			break
		}
		st = after
		b.metrics.handled.WithLabelValues("done").Inc()
		b.metrics.latency.Observe(time.Since(start).Seconds())
	}
	// Given back also when serve stops: the chat must not wait for the
	// lease to run out on the next instance.
	if !released {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		var err error
		waiting, err = b.cfg.Store.ReleaseBotChat(rctx, chat, claim.Token, hold)
		cancel()
		if err != nil && buurtloket.ErrorCode(err) != buurtloket.ECONFLICT {
			b.cfg.Logger.Error("giving a chat back", "error", err)
		}
	}
	// More waiting: the chat goes to the back of the queue, so that a
	// busy chat does not keep a worker from the others.
	return next, waiting && !stopped
}

// maxAttempts is how often an update is tried before it is given up.
const maxAttempts = 8

// failed counts a failed try of an update and returns the tries so far.
func (b *Bot) failed(chat string, update int64) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := chat + ":" + itoa(update)
	b.tries[k]++
	return b.tries[k]
}

func (b *Bot) succeeded(chat string, update int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.tries, chat+":"+itoa(update))
}

// backoff is how long a chat waits after a failed answer: Telegram's
// retry_after, else 1 s doubling to a minute with the chat's failures.
func (b *Bot) backoff(chat string, err error) time.Duration {
	var tooMany *tgbot.TooManyRequestsError
	if errors.As(err, &tooMany) {
		return time.Duration(max(tooMany.RetryAfter, 1)) * time.Second
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for k, v := range b.tries {
		if strings.HasPrefix(k, chat+":") {
			n = max(n, v)
		}
	}
	return min(time.Second<<min(max(n-1, 0), 6), time.Minute)
}

// handleUpdate handles one update against the chat's state and returns
// the new state. A panic is caught: the update is counted as handled (a
// panic would come again), and the chat goes on from its old state.
func (b *Bot) handleUpdate(ctx context.Context, st *chatState, payload []byte) (next *chatState, err error) {
	next = st.clone()
	defer func() {
		if p := recover(); p != nil {
			b.metrics.handled.WithLabelValues("panic").Inc()
			b.cfg.Logger.Error("a panic while handling an update; it is skipped", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			next, err = st, nil
		}
	}()
	var u models.Update
	if err := json.Unmarshal(payload, &u); err != nil {
		return st, nil // kept, but unreadable: nothing to do
	}
	c := &conv{b: b, ctx: ctx, st: next}
	if err := c.handle(&u); err != nil {
		return nil, err
	}
	return next, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
