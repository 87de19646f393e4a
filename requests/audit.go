package requests

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"buurtloket"
)

// held is what a write needs to know about the request it changes.
type held struct {
	ticket      string
	status      buurtloket.Status
	due, paused time.Time
	anonymous   bool
}

// at is the time kept for something that happens to the request at now
// (buurtloket.EventTime): for an anonymous request, the hour.
func (h held) at(now time.Time) time.Time { return buurtloket.EventTime(h.anonymous, now) }

// lockRequest reads what a write needs to know about a request, and
// locks its row until the write commits, so that writes to one request
// (its status, its thread's numbering, its PIN count) follow one another.
func (s *Store) lockRequest(ctx context.Context, tx Querier, id int64) (held, error) {
	var h held
	err := tx.QueryRow(ctx, s.sql.lockRequest, id).Scan(&h.ticket, &h.status, s.st(&h.due), s.st(&h.paused), &h.anonymous)
	if errors.Is(err, sql.ErrNoRows) {
		err = buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such request")
	}
	return h, err
}

// writeRequest runs fn in a write, with request id locked (lockRequest),
// for a change made by actor: what most staff actions are.
func (s *Store) writeRequest(ctx context.Context, id int64, actor string, fn func(tx Querier, h held) error) error {
	if err := buurtloket.CheckActor(actor); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx Querier) error {
		h, err := s.lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		return fn(tx, h)
	})
}

// moveStatus sets a new status inside a write, as SetStatus does.
func (s *Store) moveStatus(ctx context.Context, tx Querier, id int64, next buurtloket.Status, h held, now time.Time) error {
	now = h.at(now)
	due, paused := buurtloket.DueAfterStatus(next, h.due, h.paused, now)
	_, err := tx.Exec(ctx, `UPDATE requests SET status = $1, open = $2, due_at = $3, paused_at = $4, updated_at = $5 WHERE id = $6`,
		next, next.Open(), s.t(due), s.t(paused), s.t(now), id)
	return err
}

// insertWithID runs an INSERT … ON CONFLICT (id) DO NOTHING with a fresh
// random ID (buurtloket.NewID) until one is free, and returns the ID. A
// taken ID changes no row and fails no statement, so the write goes on.
func (s *Store) insertWithID(insert func(id int64) (int64, error)) (int64, error) {
	for attempt := 0; attempt < 5; attempt++ {
		id := s.newID()
		n, err := insert(id)
		if err != nil {
			return 0, err
		}
		if n == 1 {
			return id, nil
		}
	}
	return 0, errors.New("no free random ID in five tries")
}

// nextSeq is the SQL for the next number in a request's order of table
// rows (messages, notes, audit), for the request ID bound at $2. The
// request's row is locked (lockRequest), so no two writes draw the same
// number.
func nextSeq(table string) string {
	return `coalesce((SELECT max(seq) FROM ` + table + ` WHERE request_id = $2), 0) + 1`
}

// audit appends an entry to the audit trail of request id (0: of no
// request, with h the zero held), with a random ID and the next number in
// its request's order. Its time is what staff may see of now: for an
// anonymous request, the hour (held.at).
func (s *Store) audit(ctx context.Context, tx Querier, id int64, h held, now time.Time, actor, action, detail string) error {
	at := h.at(now)
	_, err := s.insertWithID(func(aid int64) (int64, error) {
		if id == 0 {
			return tx.Exec(ctx, `INSERT INTO audit (id, request_id, seq, actor, action, detail, at) VALUES ($1, NULL, 0, $2, $3, $4, $5)
				ON CONFLICT (id) DO NOTHING`, aid, actor, action, detail, s.t(at))
		}
		return tx.Exec(ctx, `INSERT INTO audit (id, request_id, seq, actor, action, detail, at)
			VALUES ($1, $2, `+nextSeq("audit")+`, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
			aid, id, actor, action, detail, s.t(at))
	})
	return err
}

// Audit returns a request's audit trail, oldest first.
func (s *Store) Audit(ctx context.Context, id int64) ([]*buurtloket.AuditEntry, error) {
	rows, err := s.read.Query(ctx, `SELECT id, coalesce(request_id, 0), actor, action, detail, at FROM audit WHERE request_id = $1 ORDER BY seq, id`, id)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row Row) (*buurtloket.AuditEntry, error) {
		var a buurtloket.AuditEntry
		err := row.Scan(&a.ID, &a.RequestID, &a.Actor, &a.Action, &a.Detail, s.st(&a.At))
		return &a, err
	})
}

// SensitiveActions lists contact views and lifted PIN locks across
// requests; see buurtloket.ThreadStore. The audit trail outlives a purged
// request: its entries stay, without a code.
func (s *Store) SensitiveActions(ctx context.Context, actor string, before *buurtloket.AuditEntry, limit int) ([]*buurtloket.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		return nil, buurtloket.Errorf(buurtloket.EINVALID, "between 1 and 1000 entries")
	}
	if actor != "" {
		if err := buurtloket.CheckActor(actor); err != nil {
			return nil, err
		}
	}
	args := []any{buurtloket.AuditViewedContact, buurtloket.AuditPINUnlocked, actor, limit}
	page := ""
	if before != nil {
		if before.At.IsZero() || before.ID <= 0 {
			return nil, buurtloket.Errorf(buurtloket.EINVALID, "a page goes on before an entry with a time and an ID")
		}
		args = append(args, s.t(before.At), before.ID)
		page = ` AND (a.at < $5 OR (a.at = $5 AND a.id < $6))`
	}
	rows, err := s.read.Query(ctx, `SELECT a.id, coalesce(a.request_id, 0), a.actor, a.action, a.detail, a.at, coalesce(r.ticket, '')
		FROM audit a LEFT JOIN requests r ON r.id = a.request_id
		WHERE a.action IN ($1, $2) AND ($3 = '' OR a.actor = $3)`+page+` ORDER BY a.at DESC, a.id DESC LIMIT $4`, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row Row) (*buurtloket.AuditEntry, error) {
		var a buurtloket.AuditEntry
		err := row.Scan(&a.ID, &a.RequestID, &a.Actor, &a.Action, &a.Detail, s.st(&a.At), &a.Ticket)
		return &a, err
	})
}

// collect scans every row with scan and closes rows.
func collect[T any](rows Rows, scan func(Row) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
