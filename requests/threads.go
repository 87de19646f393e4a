package requests

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"buurtloket"
)

// Reply adds a staff message and its outbox entry; see buurtloket.ThreadStore.
func (s *Store) Reply(ctx context.Context, id int64, actor, body string) (*buurtloket.Message, error) {
	return s.CannedReply(ctx, id, actor, "", body)
}

// CannedReply adds a staff message made from a canned reply; see
// buurtloket.ThreadStore.
func (s *Store) CannedReply(ctx context.Context, id int64, actor, canned, body string) (*buurtloket.Message, error) {
	m, _, err := s.staffReply(ctx, id, actor, canned, body, 0, false)
	return m, err
}

// StaffReply adds a staff message unless the same form sent it already;
// see buurtloket.ThreadStore.
func (s *Store) StaffReply(ctx context.Context, id int64, actor, canned, body string, seen int64) (*buurtloket.Message, bool, error) {
	return s.staffReply(ctx, id, actor, canned, body, seen, true)
}

func (s *Store) staffReply(ctx context.Context, id int64, actor, canned, body string, seen int64, once bool) (*buurtloket.Message, bool, error) {
	m, err := buurtloket.NewMessage(id, buurtloket.AuthorStaff, actor, body, s.now())
	if err != nil {
		return nil, false, err
	}
	if !buurtloket.CannedID(canned) {
		return nil, false, buurtloket.Errorf(buurtloket.EINVALID, "a canned reply's ID is a short name")
	}
	m.Canned = canned
	anonymous, repeat := false, false
	err = s.db.Write(ctx, func(tx Querier) error {
		if once {
			// The request's lock first, so that two of the same form wait
			// for each other, and the second sees the first's message.
			if _, err := s.lockRequest(ctx, tx, id); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE request_id = $1 ORDER BY seq DESC, id DESC LIMIT 1`, id)
			if err != nil {
				return err
			}
			last, err := collect(rows, s.scanMessage)
			if err != nil {
				return err
			}
			if len(last) == 1 && last[0].ID != seen && last[0].Author == buurtloket.AuthorStaff && last[0].Staff == actor && last[0].Canned == canned && last[0].Body == m.Body {
				m, repeat = last[0], true
				return nil
			}
		}
		h, err := s.addMessage(ctx, tx, m)
		if err != nil {
			return err
		}
		anonymous = h.anonymous
		// Due now, exactly: staff never see an outbox entry's time.
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (request_id, message_id, due_at) VALUES ($1, $2, $3)`, id, m.ID, s.t(s.now())); err != nil {
			return err
		}
		return s.audit(ctx, tx, id, h, m.CreatedAt, actor, "reply", "")
	})
	if err != nil {
		return nil, false, err
	}
	if !repeat {
		s.notify(ctx, buurtloket.ChangeReply, id, anonymous, true)
	}
	return m, repeat, nil
}

// addMessage stores a message in a request's thread and moves the request
// to the status that follows (buurtloket.StatusAfterMessage). The
// message's time becomes what staff may see (held.at). It returns what
// it locked of the request.
func (s *Store) addMessage(ctx context.Context, tx Querier, m *buurtloket.Message) (held, error) {
	h, err := s.lockRequest(ctx, tx, m.RequestID)
	if err != nil {
		return h, err
	}
	m.CreatedAt = h.at(m.CreatedAt)
	next, err := buurtloket.StatusAfterMessage(h.status, m.Author)
	if err != nil {
		return h, err
	}
	var total, unanswered int
	if err := tx.QueryRow(ctx, `SELECT count(*),
		count(*) FILTER (WHERE author = 'resident' AND seq > coalesce((SELECT max(seq) FROM messages WHERE request_id = $1 AND author = 'staff'), 0))
		FROM messages WHERE request_id = $1`, m.RequestID).Scan(&total, &unanswered); err != nil {
		return h, err
	}
	if err := buurtloket.CheckThreadRoom(m.Author, total, unanswered); err != nil {
		return h, err
	}
	m.ID, err = s.insertWithID(func(id int64) (int64, error) {
		return tx.Exec(ctx, `INSERT INTO messages (id, request_id, seq, author, staff, body, created_at, delivery, canned)
			VALUES ($1, $2, `+nextSeq("messages")+`, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
			id, m.RequestID, m.Author, m.Staff, m.Body, s.t(m.CreatedAt), m.Delivery, m.Canned)
	})
	if err != nil || next == h.status {
		return h, err
	}
	return h, s.moveStatus(ctx, tx, m.RequestID, next, h, m.CreatedAt)
}

// ResidentReply adds the resident's answer, found by code and PIN as
// RequestByTicket finds it, in the same write; see buurtloket.ThreadStore.
func (s *Store) ResidentReply(ctx context.Context, ticket, pin, body string) (*buurtloket.Message, error) {
	m, err := buurtloket.NewMessage(0, buurtloket.AuthorResident, "", body, s.now())
	if err != nil {
		return nil, err
	}
	ticket, ok := buurtloket.NormalizeTicket(ticket)
	if !ok || !buurtloket.WellFormedPIN(pin) {
		return nil, buurtloket.NoSuchTicket()
	}
	var refusal error
	anonymous := false
	err = s.db.Write(ctx, func(tx Querier) error {
		id, no, err := s.openTicket(ctx, tx, ticket, pin)
		if err != nil || no != nil {
			refusal = no
			return err
		}
		m.RequestID = id
		h, err := s.addMessage(ctx, tx, m)
		if err != nil {
			return err
		}
		anonymous = h.anonymous
		return s.audit(ctx, tx, id, h, m.CreatedAt, "resident", "resident reply", "")
	})
	if err != nil {
		return nil, err
	} else if refusal != nil {
		return nil, refusal
	}
	s.notify(ctx, buurtloket.ChangeMessage, m.RequestID, anonymous, false)
	return m, nil
}

const messageColumns = `id, request_id, author, staff, body, created_at, delivery, attempts, last_error, canned`

func (s *Store) scanMessage(row Row) (*buurtloket.Message, error) {
	var m buurtloket.Message
	err := row.Scan(&m.ID, &m.RequestID, &m.Author, &m.Staff, &m.Body, s.st(&m.CreatedAt), &m.Delivery, &m.Attempts, &m.LastError, &m.Canned)
	return &m, err
}

// Thread returns a request's messages, oldest first.
func (s *Store) Thread(ctx context.Context, id int64) ([]*buurtloket.Message, error) {
	if _, err := s.Request(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.read.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE request_id = $1 ORDER BY seq, id`, id)
	if err != nil {
		return nil, err
	}
	return collect(rows, s.scanMessage)
}

// ThreadPage returns a page of a thread, newest last; see buurtloket.ThreadStore.
func (s *Store) ThreadPage(ctx context.Context, id, before int64, limit int) ([]*buurtloket.Message, bool, error) {
	if err := buurtloket.CheckThreadPage(limit); err != nil {
		return nil, false, err
	}
	if _, err := s.Request(ctx, id); err != nil {
		return nil, false, err
	}
	cond, args := "", []any{id, limit + 1}
	if before != 0 {
		var seq int64
		err := s.read.QueryRow(ctx, `SELECT seq FROM messages WHERE id = $1 AND request_id = $2`, before, id).Scan(&seq)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, false, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such message in this thread")
		} else if err != nil {
			return nil, false, err
		}
		cond, args = " AND (seq, id) < ($3, $4)", append(args, seq, before)
	}
	rows, err := s.read.Query(ctx, `SELECT `+messageColumns+` FROM messages WHERE request_id = $1`+cond+` ORDER BY seq DESC, id DESC LIMIT $2`, args...)
	if err != nil {
		return nil, false, err
	}
	out, err := collect(rows, s.scanMessage)
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

// AddNote adds an internal note.
func (s *Store) AddNote(ctx context.Context, id int64, actor, body string) (*buurtloket.Note, error) {
	n, err := buurtloket.NewNote(id, actor, body, s.now())
	if err != nil {
		return nil, err
	}
	err = s.writeRequest(ctx, id, actor, func(tx Querier, h held) error {
		var err error
		n.CreatedAt = h.at(n.CreatedAt)
		n.ID, err = s.insertWithID(func(nid int64) (int64, error) {
			return tx.Exec(ctx, `INSERT INTO notes (id, request_id, seq, staff, body, created_at)
				VALUES ($1, $2, `+nextSeq("notes")+`, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, nid, id, n.Staff, n.Body, s.t(n.CreatedAt))
		})
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, id, h, n.CreatedAt, actor, "note", "")
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Notes returns a request's internal notes, oldest first.
func (s *Store) Notes(ctx context.Context, id int64) ([]*buurtloket.Note, error) {
	if _, err := s.Request(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.read.Query(ctx, `SELECT id, request_id, staff, body, created_at FROM notes WHERE request_id = $1 ORDER BY seq, id`, id)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row Row) (*buurtloket.Note, error) {
		var n buurtloket.Note
		err := row.Scan(&n.ID, &n.RequestID, &n.Staff, &n.Body, s.st(&n.CreatedAt))
		return &n, err
	})
}

// Assign gives a request to a staff member ("" takes it back).
func (s *Store) Assign(ctx context.Context, id int64, actor, assignee string) error {
	if err := buurtloket.CheckAssignee(assignee); err != nil {
		return err
	}
	anonymous := false
	err := s.writeRequest(ctx, id, actor, func(tx Querier, h held) error {
		now := s.now()
		anonymous = h.anonymous
		if _, err := tx.Exec(ctx, `UPDATE requests SET assigned_to = $1, updated_at = $2 WHERE id = $3`, assignee, s.t(h.at(now)), id); err != nil {
			return err
		}
		return s.audit(ctx, tx, id, h, now, actor, "assign", assignee)
	})
	if err == nil {
		s.notify(ctx, buurtloket.ChangeAssign, id, anonymous, true)
	}
	return err
}

// Contact opens a named request's contact details and records who looked.
func (s *Store) Contact(ctx context.Context, id int64, actor string) (*buurtloket.Contact, error) {
	var c *buurtloket.Contact
	err := s.writeRequest(ctx, id, actor, func(tx Querier, h held) error {
		var sealed []byte
		err := tx.QueryRow(ctx, `SELECT sealed FROM contacts WHERE request_id = $1`, id).Scan(&sealed)
		if errors.Is(err, sql.ErrNoRows) {
			return buurtloket.Errorf(buurtloket.ENOTFOUND, "this request is anonymous: there are no contact details")
		} else if err != nil {
			return err
		}
		if c, err = buurtloket.OpenContact(s.sealer, sealed, h.ticket); err != nil {
			return err
		}
		// Looking is recorded (committed) before the details are handed out.
		return s.audit(ctx, tx, id, h, s.now(), actor, buurtloket.AuditViewedContact, "")
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
