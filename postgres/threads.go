package postgres

import (
	"context"
	"errors"
	"slices"
	"time"

	"buurtloket"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// held is what a transaction needs to know about the request it changes.
type held struct {
	ticket    string
	status    buurtloket.Status
	due       time.Time
	paused    *time.Time
	anonymous bool
}

// at is the time kept for something that happens to the request at now
// (buurtloket.EventTime): for an anonymous request, the hour.
func (h held) at(now time.Time) time.Time { return buurtloket.EventTime(h.anonymous, now) }

// lockRequest locks a request row for the rest of the transaction.
func lockRequest(ctx context.Context, tx pgx.Tx, id int64) (held, error) {
	var h held
	err := tx.QueryRow(ctx, `SELECT ticket, status, due_at, paused_at, anonymous FROM requests WHERE id = $1 FOR UPDATE`, id).
		Scan(&h.ticket, &h.status, &h.due, &h.paused, &h.anonymous)
	if errors.Is(err, pgx.ErrNoRows) {
		err = buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such request")
	}
	return h, err
}

// moveStatus sets a new status inside a transaction, as SetStatus does.
func moveStatus(ctx context.Context, tx pgx.Tx, id int64, next buurtloket.Status, h held, now time.Time) error {
	now = h.at(now)
	var p time.Time
	if h.paused != nil {
		p = *h.paused
	}
	dueMs, pausedMs := buurtloket.DueAfterStatus(next, h.due, p, now)
	var newPaused *time.Time
	if pausedMs != 0 {
		t := fromMillis(pausedMs)
		newPaused = &t
	}
	_, err := tx.Exec(ctx, `UPDATE requests SET status = $1, open = $2, due_at = $3, paused_at = $4, updated_at = $5 WHERE id = $6`,
		next, next.Open(), fromMillis(dueMs), newPaused, now, id)
	return err
}

// newID draws random IDs; a test replaces it to make a clash.
var newID = buurtloket.NewID

// insertWithID runs an INSERT … ON CONFLICT (id) DO NOTHING with a fresh
// random ID (buurtloket.NewID) until one is free, and returns the ID.
func insertWithID(insert func(id int64) (pgconn.CommandTag, error)) (int64, error) {
	for attempt := 0; attempt < 5; attempt++ {
		id := newID()
		tag, err := insert(id)
		if err != nil {
			return 0, err
		}
		if tag.RowsAffected() == 1 {
			return id, nil
		}
	}
	return 0, errors.New("no free random ID in five tries")
}

// nextSeq is the SQL for the next number in a request's order of table
// rows (messages, notes, audit), for the request ID in placeholder arg.
// The request's row is locked (lockRequest), so no two transactions draw
// the same number.
func nextSeq(table, arg string) string {
	return `coalesce((SELECT max(seq) FROM ` + table + ` WHERE request_id = ` + arg + `), 0) + 1`
}

// Reply adds a staff message and its outbox entry; see buurtloket.ThreadStore.
func (db *DB) Reply(ctx context.Context, id int64, actor, body string) (*buurtloket.Message, error) {
	m, err := buurtloket.NewMessage(id, buurtloket.AuthorStaff, actor, body, db.now())
	if err != nil {
		return nil, err
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := addMessage(ctx, tx, m); err != nil {
			return err
		}
		// Due now, exactly: staff never see an outbox entry's time.
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (request_id, message_id, due_at) VALUES ($1, $2, $3)`, id, m.ID, db.now()); err != nil {
			return err
		}
		return audit(ctx, tx, id, actor, "reply", "", m.CreatedAt)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// addMessage stores a message in a request's thread and moves the request
// to the status that follows (buurtloket.StatusAfterMessage).
func addMessage(ctx context.Context, tx pgx.Tx, m *buurtloket.Message) error {
	h, err := lockRequest(ctx, tx, m.RequestID)
	if err != nil {
		return err
	}
	m.CreatedAt = h.at(m.CreatedAt)
	next, err := buurtloket.StatusAfterMessage(h.status, m.Author)
	if err != nil {
		return err
	}
	var total, unanswered int
	if err := tx.QueryRow(ctx, `SELECT count(*),
		count(*) FILTER (WHERE author = 'resident' AND seq > coalesce((SELECT max(seq) FROM messages WHERE request_id = $1 AND author = 'staff'), 0))
		FROM messages WHERE request_id = $1`, m.RequestID).Scan(&total, &unanswered); err != nil {
		return err
	}
	if err := buurtloket.CheckThreadRoom(m.Author, total, unanswered); err != nil {
		return err
	}
	m.ID, err = insertWithID(func(id int64) (pgconn.CommandTag, error) {
		return tx.Exec(ctx, `INSERT INTO messages (id, request_id, seq, author, staff, body, created_at, delivery)
			VALUES ($1, $2, `+nextSeq("messages", "$2")+`, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
			id, m.RequestID, m.Author, m.Staff, m.Body, m.CreatedAt, m.Delivery)
	})
	if err != nil {
		return err
	}
	if next == h.status {
		return nil
	}
	return moveStatus(ctx, tx, m.RequestID, next, h, m.CreatedAt)
}

// ResidentReply adds the resident's answer, found by code and PIN as
// RequestByTicket finds it, in the same transaction; see buurtloket.ThreadStore.
func (db *DB) ResidentReply(ctx context.Context, ticket, pin, body string) (*buurtloket.Message, error) {
	m, err := buurtloket.NewMessage(0, buurtloket.AuthorResident, "", body, db.now())
	if err != nil {
		return nil, err
	}
	ticket, ok := buurtloket.NormalizeTicket(ticket)
	if !ok || !buurtloket.WellFormedPIN(pin) {
		return nil, buurtloket.NoSuchTicket()
	}
	var refusal error
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		id, no, err := db.openTicket(ctx, tx, ticket, pin)
		if err != nil || no != nil {
			refusal = no
			return err
		}
		m.RequestID = id
		if err := addMessage(ctx, tx, m); err != nil {
			return err
		}
		return audit(ctx, tx, id, "resident", "resident reply", "", m.CreatedAt)
	})
	if err != nil {
		return nil, err
	} else if refusal != nil {
		return nil, refusal
	}
	return m, nil
}

// Thread returns a request's messages, oldest first.
func (db *DB) Thread(ctx context.Context, id int64) ([]*buurtloket.Message, error) {
	if _, err := db.Request(ctx, id); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE request_id = $1 ORDER BY seq, id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanMessage)
}

// ThreadPage returns a page of a thread, newest last; see buurtloket.ThreadStore.
func (db *DB) ThreadPage(ctx context.Context, id, before int64, limit int) ([]*buurtloket.Message, bool, error) {
	if err := buurtloket.CheckThreadPage(limit); err != nil {
		return nil, false, err
	}
	if _, err := db.Request(ctx, id); err != nil {
		return nil, false, err
	}
	cond, args := "", []any{id, limit + 1}
	if before != 0 {
		var seq int64
		err := db.pool.QueryRow(ctx, `SELECT seq FROM messages WHERE id = $1 AND request_id = $2`, before, id).Scan(&seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, false, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such message in this thread")
		} else if err != nil {
			return nil, false, err
		}
		cond, args = " AND (seq, id) < ($3, $4)", append(args, seq, before)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE request_id = $1`+cond+` ORDER BY seq DESC, id DESC LIMIT $2`, args...)
	if err != nil {
		return nil, false, err
	}
	out, err := pgx.CollectRows(rows, scanMessage)
	if err != nil {
		return nil, false, err
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	slices.Reverse(out)
	return out, more, nil
}

const messageColumns = `id, request_id, author, staff, body, created_at, delivery, attempts, last_error`

func scanMessage(row pgx.CollectableRow) (*buurtloket.Message, error) {
	var m buurtloket.Message
	err := row.Scan(&m.ID, &m.RequestID, &m.Author, &m.Staff, &m.Body, &m.CreatedAt, &m.Delivery, &m.Attempts, &m.LastError)
	m.CreatedAt = m.CreatedAt.UTC()
	return &m, err
}

// AddNote adds an internal note.
func (db *DB) AddNote(ctx context.Context, id int64, actor, body string) (*buurtloket.Note, error) {
	n, err := buurtloket.NewNote(id, actor, body, db.now())
	if err != nil {
		return nil, err
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		h, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		n.CreatedAt = h.at(n.CreatedAt)
		n.ID, err = insertWithID(func(nid int64) (pgconn.CommandTag, error) {
			return tx.Exec(ctx, `INSERT INTO notes (id, request_id, seq, staff, body, created_at)
				VALUES ($1, $2, `+nextSeq("notes", "$2")+`, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, nid, id, n.Staff, n.Body, n.CreatedAt)
		})
		if err != nil {
			return err
		}
		return audit(ctx, tx, id, actor, "note", "", n.CreatedAt)
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Notes returns a request's internal notes, oldest first.
func (db *DB) Notes(ctx context.Context, id int64) ([]*buurtloket.Note, error) {
	if _, err := db.Request(ctx, id); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT id, request_id, staff, body, created_at FROM notes WHERE request_id = $1 ORDER BY seq, id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*buurtloket.Note, error) {
		var n buurtloket.Note
		err := row.Scan(&n.ID, &n.RequestID, &n.Staff, &n.Body, &n.CreatedAt)
		n.CreatedAt = n.CreatedAt.UTC()
		return &n, err
	})
}

// Assign gives a request to a staff member ("" takes it back).
func (db *DB) Assign(ctx context.Context, id int64, actor, assignee string) error {
	if err := buurtloket.CheckActor(actor); err != nil {
		return err
	}
	if err := buurtloket.CheckAssignee(assignee); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		h, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		now := db.now()
		if _, err := tx.Exec(ctx, `UPDATE requests SET assigned_to = $1, updated_at = $2 WHERE id = $3`, assignee, h.at(now), id); err != nil {
			return err
		}
		return audit(ctx, tx, id, actor, "assign", assignee, now)
	})
}

// Contact opens a named request's contact details and records who looked.
func (db *DB) Contact(ctx context.Context, id int64, actor string) (*buurtloket.Contact, error) {
	if err := buurtloket.CheckActor(actor); err != nil {
		return nil, err
	}
	var c *buurtloket.Contact
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		h, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		var sealed []byte
		err = tx.QueryRow(ctx, `SELECT sealed FROM contacts WHERE request_id = $1`, id).Scan(&sealed)
		if errors.Is(err, pgx.ErrNoRows) {
			return buurtloket.Errorf(buurtloket.ENOTFOUND, "this request is anonymous: there are no contact details")
		} else if err != nil {
			return err
		}
		if c, err = buurtloket.OpenContact(db.sealer, sealed, h.ticket); err != nil {
			return err
		}
		// Looking is recorded (committed) before the details are handed out.
		return audit(ctx, tx, id, actor, "viewed contact", "", db.now())
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Audit returns a request's audit trail, oldest first.
func (db *DB) Audit(ctx context.Context, id int64) ([]*buurtloket.AuditEntry, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, coalesce(request_id, 0), actor, action, detail, at FROM audit WHERE request_id = $1 ORDER BY seq, id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*buurtloket.AuditEntry, error) {
		var a buurtloket.AuditEntry
		err := row.Scan(&a.ID, &a.RequestID, &a.Actor, &a.Action, &a.Detail, &a.At)
		a.At = a.At.UTC()
		return &a, err
	})
}
