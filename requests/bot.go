package requests

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"buurtloket"
)

// The Telegram bot's updates and chats (buurtloket.BotStore). Payloads
// and states are sealed, bound to their update and chat.

func botUpdateContext(id int64) string  { return "bot-update:" + strconv.FormatInt(id, 10) }
func botChatContext(chat string) string { return "bot-chat:" + chat }

var errNotHeld = buurtloket.Errorf(buurtloket.ECONFLICT, "this instance no longer holds the chat")

func checkBotChat(chat string) error {
	if chat == "" || len(chat) > 64 {
		return buurtloket.Errorf(buurtloket.EINVALID, "a chat key is 1 to 64 characters")
	}
	return nil
}

// AddBotUpdate keeps an update until it is handled, and takes its chat
// when the chat is free; see buurtloket.BotStore.
func (s *Store) AddBotUpdate(ctx context.Context, id int64, chat string, payload []byte, lease time.Duration) (bool, buurtloket.BotClaim, error) {
	var claim buurtloket.BotClaim
	if err := checkBotChat(chat); err != nil {
		return false, claim, err
	}
	if id < 0 || len(payload) == 0 || len(payload) > buurtloket.MaxBotUpdate {
		return false, claim, buurtloket.Errorf(buurtloket.EINVALID, "an update needs its ID and at most %d bytes", buurtloket.MaxBotUpdate)
	}
	sealed := s.sealer.Seal(payload, botUpdateContext(id))
	added := false
	err := s.db.Write(ctx, func(tx Querier) error {
		claim, added = buurtloket.BotClaim{}, false
		n, err := tx.Exec(ctx, `INSERT INTO bot_updates (id, chat, payload, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			id, chat, sealed, s.t(s.now()))
		added = n == 1
		if err != nil || !added || lease <= 0 {
			return err
		}
		claim, err = s.claimBotChat(ctx, tx, chat, lease, 50)
		return err
	})
	return added, claim, err
}

// ClaimBotChat takes a chat for a while; see buurtloket.BotStore.
func (s *Store) ClaimBotChat(ctx context.Context, chat string, lease time.Duration, limit int) (buurtloket.BotClaim, error) {
	var claim buurtloket.BotClaim
	if err := checkBotChat(chat); err != nil {
		return claim, err
	}
	if lease <= 0 || limit <= 0 || limit > 1000 {
		return claim, buurtloket.Errorf(buurtloket.EINVALID, "a claim needs a lease and 1 to 1000 updates")
	}
	err := s.db.Write(ctx, func(tx Querier) error {
		var err error
		claim, err = s.claimBotChat(ctx, tx, chat, lease, limit)
		return err
	})
	return claim, err
}

// claimBotChat takes a chat inside a write, when no lease or hold is in
// force, with its state and waiting updates. The chat's row is made and
// taken in one statement; a row whose lease is in force is left as it is
// (and locked, on PostgreSQL, until the write commits).
func (s *Store) claimBotChat(ctx context.Context, tx Querier, chat string, lease time.Duration, limit int) (buurtloket.BotClaim, error) {
	var claim buurtloket.BotClaim
	now := s.now()
	token := strconv.FormatInt(s.newID(), 36)
	var sealed []byte
	err := tx.QueryRow(ctx, `INSERT INTO bot_chats (chat, updated_at, lease, lease_until) VALUES ($1, $2, $3, $4)
		ON CONFLICT (chat) DO UPDATE SET lease = excluded.lease, lease_until = excluded.lease_until
		WHERE bot_chats.lease = '' OR bot_chats.lease_until IS NULL OR bot_chats.lease_until <= $2
		RETURNING state`, chat, s.t(now), token, s.t(now.Add(lease))).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return claim, nil // another instance has it, or it waits
	}
	if err != nil {
		return claim, err
	}
	if sealed != nil {
		if claim.State, err = s.sealer.Open(sealed, botChatContext(chat)); err != nil {
			return claim, err
		}
	}
	if claim.Updates, err = s.waitingUpdates(ctx, tx, chat, limit); err != nil {
		return claim, err
	}
	claim.Token = token
	return claim, nil
}

// waitingUpdates reads a chat's updates not yet handled, oldest first,
// opened.
func (s *Store) waitingUpdates(ctx context.Context, tx Querier, chat string, limit int) ([]buurtloket.BotUpdate, error) {
	rows, err := tx.Query(ctx, `SELECT id, payload FROM bot_updates WHERE chat = $1 AND handled_at IS NULL ORDER BY id LIMIT $2`, chat, limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row Row) (buurtloket.BotUpdate, error) {
		var u buurtloket.BotUpdate
		var sealed []byte
		if err := row.Scan(&u.ID, &sealed); err != nil {
			return u, err
		}
		var err error
		u.Payload, err = s.sealer.Open(sealed, botUpdateContext(u.ID))
		return u, err
	})
}

// holdsBotChat checks inside a write that token still holds the chat's
// lease, and locks the chat's row.
func (s *Store) holdsBotChat(ctx context.Context, tx Querier, chat, token string) error {
	var holder string
	err := tx.QueryRow(ctx, s.sql.lockBotChat, chat).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (token == "" || holder != token)) {
		return errNotHeld
	}
	return err
}

// markBotUpdate records inside a write that an update was handled.
func (s *Store) markBotUpdate(ctx context.Context, tx Querier, chat string, id int64, now time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE bot_updates SET handled_at = $1 WHERE id = $2 AND chat = $3 AND handled_at IS NULL`, s.t(now), id, chat)
	return err
}

func (s *Store) saveBotState(ctx context.Context, tx Querier, chat string, state []byte, now time.Time) error {
	if state == nil {
		return nil
	}
	if len(state) > buurtloket.MaxBotState {
		return buurtloket.Errorf(buurtloket.ETOOLARGE, "a chat's state may be at most %d bytes", buurtloket.MaxBotState)
	}
	_, err := tx.Exec(ctx, `UPDATE bot_chats SET state = $2, updated_at = $3 WHERE chat = $1`, chat, s.sealer.Seal(state, botChatContext(chat)), s.t(now))
	return err
}

// BotUpdateHandled records a handled update with the chat's new state;
// see buurtloket.BotStore.
func (s *Store) BotUpdateHandled(ctx context.Context, chat, token string, updateID int64, state []byte, lease time.Duration) error {
	if lease <= 0 {
		return buurtloket.Errorf(buurtloket.EINVALID, "a lease to renew")
	}
	return s.db.Write(ctx, func(tx Querier) error {
		if err := s.holdsBotChat(ctx, tx, chat, token); err != nil {
			return err
		}
		now := s.now()
		if err := s.saveBotState(ctx, tx, chat, state, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE bot_chats SET lease_until = $2 WHERE chat = $1`, chat, s.t(now.Add(lease))); err != nil {
			return err
		}
		return s.markBotUpdate(ctx, tx, chat, updateID, now)
	})
}

// BotUpdateDone records the last handled update of a claim, and takes
// the updates kept meanwhile or gives the chat back; see
// buurtloket.BotStore. Three statements when nothing came meanwhile:
// the state saved under the lease (which checks and locks it), the update
// marked, and the lease ended unless updates wait.
func (s *Store) BotUpdateDone(ctx context.Context, chat, token string, updateID int64, state []byte, lease time.Duration) (buurtloket.BotClaim, error) {
	var next buurtloket.BotClaim
	if lease <= 0 {
		return next, buurtloket.Errorf(buurtloket.EINVALID, "a lease to renew")
	}
	if len(state) > buurtloket.MaxBotState {
		return next, buurtloket.Errorf(buurtloket.ETOOLARGE, "a chat's state may be at most %d bytes", buurtloket.MaxBotState)
	}
	var sealedState []byte
	if state != nil {
		sealedState = s.sealer.Seal(state, botChatContext(chat))
	}
	err := s.db.Write(ctx, func(tx Querier) error {
		next = buurtloket.BotClaim{}
		if token == "" {
			return errNotHeld
		}
		now := s.now()
		var stored []byte
		err := tx.QueryRow(ctx, `UPDATE bot_chats SET state = COALESCE($3, state), updated_at = $4, lease_until = $5
			WHERE chat = $1 AND lease = $2 RETURNING state`, chat, token, sealedState, s.t(now), s.t(now.Add(lease))).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) {
			return errNotHeld
		}
		if err != nil {
			return err
		}
		if err := s.markBotUpdate(ctx, tx, chat, updateID, now); err != nil {
			return err
		}
		// A lease of '' frees the chat, whatever lease_until says.
		released, err := tx.Exec(ctx, `UPDATE bot_chats SET lease = '' WHERE chat = $1
			AND NOT EXISTS (SELECT 1 FROM bot_updates WHERE chat = $1 AND handled_at IS NULL)`, chat)
		if err != nil || released == 1 {
			return err
		}
		if next.Updates, err = s.waitingUpdates(ctx, tx, chat, 50); err != nil {
			return err
		}
		next.Token, next.State = token, state
		if state == nil && stored != nil { // kept as it was
			next.State, err = s.sealer.Open(stored, botChatContext(chat))
		}
		return err
	})
	return next, err
}

// SaveBotChat stores a chat's state under its lease; see buurtloket.BotStore.
func (s *Store) SaveBotChat(ctx context.Context, chat, token string, state []byte) error {
	if state == nil {
		return buurtloket.Errorf(buurtloket.EINVALID, "no state to save")
	}
	return s.db.Write(ctx, func(tx Querier) error {
		if err := s.holdsBotChat(ctx, tx, chat, token); err != nil {
			return err
		}
		return s.saveBotState(ctx, tx, chat, state, s.now())
	})
}

// ReleaseBotChat ends a lease; see buurtloket.BotStore.
func (s *Store) ReleaseBotChat(ctx context.Context, chat, token string, hold time.Time) (bool, error) {
	waiting := false
	err := s.db.Write(ctx, func(tx Querier) error {
		if err := s.holdsBotChat(ctx, tx, chat, token); err != nil {
			return err
		}
		holder := ""
		if !hold.IsZero() {
			holder = "hold" // no instance's token: only the time frees it
		}
		if _, err := tx.Exec(ctx, `UPDATE bot_chats SET lease = $2, lease_until = $3 WHERE chat = $1`, chat, holder, s.t(hold)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM bot_updates WHERE chat = $1 AND handled_at IS NULL)`, chat).Scan(&waiting)
	})
	return waiting, err
}

// BotChatsWaiting lists chats whose updates wait with no lease in force;
// see buurtloket.BotStore.
func (s *Store) BotChatsWaiting(ctx context.Context, limit int) ([]string, error) {
	if limit <= 0 || limit > 1000 {
		return nil, buurtloket.Errorf(buurtloket.EINVALID, "between 1 and 1000 chats")
	}
	rows, err := s.read.Query(ctx, `SELECT u.chat FROM bot_updates u LEFT JOIN bot_chats c ON c.chat = u.chat
		WHERE u.handled_at IS NULL AND (c.chat IS NULL OR c.lease = '' OR c.lease_until <= $1)
		GROUP BY u.chat ORDER BY min(u.id) LIMIT $2`, s.t(s.now()), limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row Row) (string, error) {
		var chat string
		err := row.Scan(&chat)
		return chat, err
	})
}

// ForgetBotChat deletes a chat's state and updates; see buurtloket.BotStore.
func (s *Store) ForgetBotChat(ctx context.Context, chat string) error {
	return s.db.Write(ctx, func(tx Querier) error {
		if _, err := tx.Exec(ctx, `DELETE FROM bot_updates WHERE chat = $1`, chat); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM bot_chats WHERE chat = $1`, chat)
		return err
	})
}

// PurgeBot deletes handled updates and idle chats; see buurtloket.BotStore.
func (s *Store) PurgeBot(ctx context.Context, handled, idle time.Time) (updates, chats int, err error) {
	err = s.db.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `DELETE FROM bot_updates WHERE handled_at IS NOT NULL AND handled_at <= $1`, s.t(handled))
		if err != nil {
			return err
		}
		m, err := tx.Exec(ctx, `DELETE FROM bot_chats WHERE updated_at <= $1 AND (lease = '' OR lease_until <= $2)
			AND NOT EXISTS (SELECT 1 FROM bot_updates u WHERE u.chat = bot_chats.chat AND u.handled_at IS NULL)`, s.t(idle), s.t(s.now()))
		updates, chats = int(n), int(m)
		return err
	})
	return updates, chats, err
}
