package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"buurtloket"
)

// held is what a write needs to know about the request it changes.
type held struct {
	ticket      string
	status      buurtloket.Status
	due, paused int64
	anonymous   bool
}

// at is the time kept for something that happens to the request at now
// (buurtloket.EventTime): for an anonymous request, the hour.
func (h held) at(now time.Time) time.Time { return buurtloket.EventTime(h.anonymous, now) }

// lockRequest reads what a write needs to know about a request.
func lockRequest(ctx context.Context, tx *writeTx, id int64) (held, error) {
	var h held
	err := tx.QueryRowContext(ctx, `SELECT ticket, status, due_at, paused_at, anonymous FROM requests WHERE id = ?`, id).
		Scan(&h.ticket, &h.status, &h.due, &h.paused, &h.anonymous)
	if errors.Is(err, sql.ErrNoRows) {
		err = buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such request")
	}
	return h, err
}

// moveStatus sets a new status inside a write, as SetStatus does.
func moveStatus(ctx context.Context, tx *writeTx, id int64, next buurtloket.Status, h held, now time.Time) error {
	now = h.at(now)
	d, p := buurtloket.DueAfterStatus(next, fromMillis(h.due), fromMillis(h.paused), now)
	_, err := tx.ExecContext(ctx, `UPDATE requests SET status = ?, open = ?, due_at = ?, paused_at = ?, updated_at = ? WHERE id = ?`,
		next, next.Open(), d, p, millis(now), id)
	return err
}

// newID draws random IDs; a test replaces it to make a clash.
var newID = buurtloket.NewID

// insertWithID runs an INSERT … ON CONFLICT (id) DO NOTHING with a fresh
// random ID (buurtloket.NewID) until one is free, and returns the ID.
func insertWithID(insert func(id int64) (sql.Result, error)) (int64, error) {
	for attempt := 0; attempt < 5; attempt++ {
		id := newID()
		res, err := insert(id)
		if err != nil {
			return 0, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, err
		} else if n == 1 {
			return id, nil
		}
	}
	return 0, errors.New("no free random ID in five tries")
}

// nextSeq is the SQL for the next number in a request's order of table
// rows (messages, notes, audit); it takes the request ID.
func nextSeq(table string) string {
	return `coalesce((SELECT max(seq) FROM ` + table + ` WHERE request_id = ?), 0) + 1`
}

// Reply adds a staff message and its outbox entry; see buurtloket.ThreadStore.
func (db *DB) Reply(ctx context.Context, id int64, actor, body string) (*buurtloket.Message, error) {
	m, err := buurtloket.NewMessage(id, buurtloket.AuthorStaff, actor, body, db.now())
	if err != nil {
		return nil, err
	}
	err = db.do(ctx, func(tx *writeTx) error {
		if err := db.addMessage(ctx, tx, m); err != nil {
			return err
		}
		// Due now, exactly: staff never see an outbox entry's time.
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (request_id, message_id, due_at) VALUES (?, ?, ?)`, id, m.ID, millis(db.now())); err != nil {
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
func (db *DB) addMessage(ctx context.Context, tx *writeTx, m *buurtloket.Message) error {
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
	if err := tx.QueryRowContext(ctx, `SELECT count(*),
		count(CASE WHEN author = 'resident' AND seq > coalesce((SELECT max(seq) FROM messages WHERE request_id = ? AND author = 'staff'), 0) THEN 1 END)
		FROM messages WHERE request_id = ?`, m.RequestID, m.RequestID).Scan(&total, &unanswered); err != nil {
		return err
	}
	if err := buurtloket.CheckThreadRoom(m.Author, total, unanswered); err != nil {
		return err
	}
	m.ID, err = insertWithID(func(id int64) (sql.Result, error) {
		return tx.ExecContext(ctx, `INSERT INTO messages (id, request_id, seq, author, staff, body, created_at, delivery)
			VALUES (?, ?, `+nextSeq("messages")+`, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			id, m.RequestID, m.RequestID, m.Author, m.Staff, m.Body, millis(m.CreatedAt), m.Delivery)
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
// RequestByTicket finds it, in the same write; see buurtloket.ThreadStore.
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
	err = db.do(ctx, func(tx *writeTx) error {
		id, no, err := db.openTicket(ctx, tx, ticket, pin)
		if err != nil || no != nil {
			refusal = no
			return err
		}
		m.RequestID = id
		if err := db.addMessage(ctx, tx, m); err != nil {
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
	rows, err := db.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE request_id = ? ORDER BY seq, id`, id)
	if err != nil {
		return nil, err
	}
	return scanMessages(rows)
}

// ThreadPage returns a page of a thread, newest last; see buurtloket.ThreadStore.
func (db *DB) ThreadPage(ctx context.Context, id, before int64, limit int) ([]*buurtloket.Message, bool, error) {
	if err := buurtloket.CheckThreadPage(limit); err != nil {
		return nil, false, err
	}
	if _, err := db.Request(ctx, id); err != nil {
		return nil, false, err
	}
	cond, args := "", []any{id}
	if before != 0 {
		var seq int64
		err := db.read.QueryRowContext(ctx, `SELECT seq FROM messages WHERE id = ? AND request_id = ?`, before, id).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such message in this thread")
		} else if err != nil {
			return nil, false, err
		}
		cond, args = " AND (seq < ? OR seq = ? AND id < ?)", append(args, seq, seq, before)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE request_id = ?`+cond+` ORDER BY seq DESC, id DESC LIMIT ?`,
		append(args, limit+1)...)
	if err != nil {
		return nil, false, err
	}
	out, err := scanMessages(rows)
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

func scanMessages(rows *sql.Rows) ([]*buurtloket.Message, error) {
	defer rows.Close()
	var out []*buurtloket.Message
	for rows.Next() {
		var m buurtloket.Message
		var created int64
		if err := rows.Scan(&m.ID, &m.RequestID, &m.Author, &m.Staff, &m.Body, &created, &m.Delivery, &m.Attempts, &m.LastError); err != nil {
			return nil, err
		}
		m.CreatedAt = fromMillis(created)
		out = append(out, &m)
	}
	return out, rows.Err()
}

// AddNote adds an internal note.
func (db *DB) AddNote(ctx context.Context, id int64, actor, body string) (*buurtloket.Note, error) {
	n, err := buurtloket.NewNote(id, actor, body, db.now())
	if err != nil {
		return nil, err
	}
	err = db.do(ctx, func(tx *writeTx) error {
		h, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		n.CreatedAt = h.at(n.CreatedAt)
		n.ID, err = insertWithID(func(nid int64) (sql.Result, error) {
			return tx.ExecContext(ctx, `INSERT INTO notes (id, request_id, seq, staff, body, created_at)
				VALUES (?, ?, `+nextSeq("notes")+`, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, nid, id, id, n.Staff, n.Body, millis(n.CreatedAt))
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
	rows, err := db.read.QueryContext(ctx, `SELECT id, request_id, staff, body, created_at FROM notes WHERE request_id = ? ORDER BY seq, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*buurtloket.Note
	for rows.Next() {
		var n buurtloket.Note
		var created int64
		if err := rows.Scan(&n.ID, &n.RequestID, &n.Staff, &n.Body, &created); err != nil {
			return nil, err
		}
		n.CreatedAt = fromMillis(created)
		out = append(out, &n)
	}
	return out, rows.Err()
}

// Assign gives a request to a staff member ("" takes it back).
func (db *DB) Assign(ctx context.Context, id int64, actor, assignee string) error {
	if err := buurtloket.CheckActor(actor); err != nil {
		return err
	}
	if err := buurtloket.CheckAssignee(assignee); err != nil {
		return err
	}
	return db.do(ctx, func(tx *writeTx) error {
		h, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		now := db.now()
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET assigned_to = ?, updated_at = ? WHERE id = ?`, assignee, millis(h.at(now)), id); err != nil {
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
	err := db.do(ctx, func(tx *writeTx) error {
		h, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		var sealed []byte
		err = tx.QueryRowContext(ctx, `SELECT sealed FROM contacts WHERE request_id = ?`, id).Scan(&sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return buurtloket.Errorf(buurtloket.ENOTFOUND, "this request is anonymous: there are no contact details")
		} else if err != nil {
			return err
		}
		if c, err = buurtloket.OpenContact(db.sealer, sealed, h.ticket); err != nil {
			return err
		}
		// Looking is recorded before the details are handed out.
		return audit(ctx, tx, id, actor, "viewed contact", "", db.now())
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Audit returns a request's audit trail, oldest first.
func (db *DB) Audit(ctx context.Context, id int64) ([]*buurtloket.AuditEntry, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, coalesce(request_id, 0), actor, action, detail, at FROM audit WHERE request_id = ? ORDER BY seq, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*buurtloket.AuditEntry
	for rows.Next() {
		var a buurtloket.AuditEntry
		var at int64
		if err := rows.Scan(&a.ID, &a.RequestID, &a.Actor, &a.Action, &a.Detail, &at); err != nil {
			return nil, err
		}
		a.At = fromMillis(at)
		out = append(out, &a)
	}
	return out, rows.Err()
}
