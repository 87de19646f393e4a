package buurtloket

import (
	"context"
	"time"
)

// What the Telegram bot keeps in the store, so that several buurtloket
// instances behind one webhook address act as one bot: every update is
// kept before Telegram hears that it arrived (nothing is lost in a crash)
// and handled once (Telegram sends an update again when unsure); one
// instance at a time handles a chat, its updates in order (a lease per
// chat); and the chat's conversation lives in the store, not in one
// instance's memory.
//
// A chat is named by its key (the bot's keyed hash of the chat ID): the
// chat ID itself, and everything the resident wrote, are only in sealed
// values.

// MaxBotUpdate bounds one update as the store keeps it, and the webhook's
// body: far above any update the bot takes (texts are bounded lower).
const MaxBotUpdate = 64 << 10

// MaxBotState bounds a chat's stored conversation.
const MaxBotState = 256 << 10

// BotUpdate is an update kept for its chat, not yet handled.
type BotUpdate struct {
	ID      int64  // Telegram's update_id
	Payload []byte // the update as the Bot API sent it (JSON)
}

// BotClaim is a chat taken by one instance: the lease's token (which every
// write for the chat must show), the chat's state (nil: a new chat) and
// the chat's updates not yet handled, oldest first.
type BotClaim struct {
	Token   string
	State   []byte
	Updates []BotUpdate
}

// BotStore keeps the bot's updates and chats. It is part of every
// RequestStore.
type BotStore interface {
	// AddBotUpdate keeps an update for chat; false when it was kept
	// before. With a lease it also takes the chat when it is free (one
	// write for both), and returns the claim as ClaimBotChat does.
	AddBotUpdate(ctx context.Context, id int64, chat string, payload []byte, lease time.Duration) (bool, BotClaim, error)
	// ClaimBotChat takes chat for lease and returns up to limit of its
	// updates not yet handled; a zero claim (no token) when another holds
	// it. A lease that ran out (its instance died) may be taken.
	ClaimBotChat(ctx context.Context, chat string, lease time.Duration, limit int) (BotClaim, error)
	// BotUpdateHandled stores the chat's new state (nil: keep it), marks
	// the update handled and renews the lease for lease, in one write;
	// ECONFLICT when the lease is no longer token's.
	BotUpdateHandled(ctx context.Context, chat, token string, updateID int64, state []byte, lease time.Duration) error
	// BotUpdateDone is BotUpdateHandled for the last update of a claim,
	// in one write with what comes next: when updates wait (kept
	// meanwhile), the lease is renewed for lease and they are returned as
	// a claim under the same token (its State: the state just stored);
	// else the chat is given back and the claim is zero.
	BotUpdateDone(ctx context.Context, chat, token string, updateID int64, state []byte, lease time.Duration) (BotClaim, error)
	// SaveBotChat stores the chat's state outside an update (a staff reply
	// remembered), under the lease token.
	SaveBotChat(ctx context.Context, chat, token string, state []byte) error
	// ReleaseBotChat ends the lease, and reports whether updates wait
	// (kept meanwhile by another instance): then claim again. With a hold
	// time, no instance takes the chat before then (Telegram asked to
	// wait, or the Bot API is away).
	ReleaseBotChat(ctx context.Context, chat, token string, hold time.Time) (bool, error)
	// BotChatsWaiting lists up to limit chats with updates not handled
	// and no lease or hold in force, the longest waiting first.
	BotChatsWaiting(ctx context.Context, limit int) ([]string, error)
	// ForgetBotChat deletes everything kept for the chat: its state and
	// its updates.
	ForgetBotChat(ctx context.Context, chat string) error
	// PurgeBot deletes updates handled before handled, and the chats
	// untouched since idle (with no lease in force); it returns how many
	// of each.
	PurgeBot(ctx context.Context, handled, idle time.Time) (updates, chats int, err error)
}
