package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"buurtloket"
	"buurtloket/internal/inboxsql"
)

// Submit stores a new request; see buurtloket.RequestStore.
func (db *DB) Submit(ctx context.Context, r buurtloket.NewRequest) (buurtloket.Receipt, error) {
	p, err := buurtloket.Prepare(r, db.sealer, db.now())
	if err != nil {
		return buurtloket.Receipt{}, err
	}
	return db.submit(ctx, p)
}

func (db *DB) submit(ctx context.Context, p *buurtloket.Prepared) (buurtloket.Receipt, error) {
	var rec buurtloket.Receipt
	err := db.do(ctx, func(tx *writeTx) error {
		var pinSealed []byte
		err := tx.QueryRowContext(ctx, `SELECT id, ticket, pin_sealed FROM requests WHERE submission_key = ?`, p.Key).
			Scan(&rec.ID, &rec.Ticket, &pinSealed)
		if err == nil {
			rec.Duplicate = true
			if pin, err := buurtloket.OpenPIN(db.sealer, pinSealed, rec.Ticket); err == nil {
				rec.PIN = pin
			}
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for attempt := 0; ; attempt++ {
			_, err := tx.ExecContext(ctx, `INSERT INTO requests (id, ticket, submission_key, pin_hash, pin_sealed,
				topic, priority, priority_rank, status, open, channel, lang, wijk, postcode, anonymous, handoff,
				summary, answers, flow_version, created_at, updated_at, due_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				p.ID, p.Ticket, p.Key, p.PINHash, p.PINSealed,
				p.Topic, p.Priority, p.Priority.Rank(), buurtloket.StatusNew, p.Channel, p.Lang, p.Wijk, p.Postcode,
				p.Anonymous, p.Handoff, p.Summary, string(p.AnswersJSON), p.FlowVersion,
				millis(p.CreatedAt), millis(p.CreatedAt), millis(p.DueAt))
			if err != nil && attempt < 5 && (strings.Contains(err.Error(), "requests.ticket") || strings.Contains(err.Error(), "requests.id")) {
				p.Redraw(db.sealer) // the ID or the code was taken: draw others
				continue
			}
			if err != nil {
				return err
			}
			rec = buurtloket.Receipt{ID: p.ID, Ticket: p.Ticket, PIN: p.PIN}
			break
		}
		if p.ContactSealed != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO contacts (request_id, sealed) VALUES (?, ?)`, rec.ID, p.ContactSealed); err != nil {
				return err
			}
		}
		if p.RouteSealed != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO routes (request_id, sealed) VALUES (?, ?)`, rec.ID, p.RouteSealed); err != nil {
				return err
			}
		}
		return audit(ctx, tx, rec.ID, "resident", "submitted", string(p.Channel), p.CreatedAt)
	})
	if err != nil {
		return buurtloket.Receipt{}, err
	}
	return rec, nil
}

const requestColumns = `id, ticket, topic, priority, status, channel, lang, wijk, postcode, anonymous, handoff,
	summary, answers, assigned_to, flow_version, created_at, updated_at, due_at, paused_at,
	pin_wrong, pin_wrong_total, pin_locked_until, pin_staff_only`

type scanner interface{ Scan(dest ...any) error }

func scanRequest(row scanner) (*buurtloket.Request, error) {
	var r buurtloket.Request
	var answers string
	var created, updated, due, paused, lockedUntil int64
	err := row.Scan(&r.ID, &r.Ticket, &r.Topic, &r.Priority, &r.Status, &r.Channel, &r.Lang, &r.Wijk, &r.Postcode,
		&r.Anonymous, &r.Handoff, &r.Summary, &answers, &r.AssignedTo, &r.FlowVersion, &created, &updated, &due, &paused,
		&r.PINLock.Wrong, &r.PINLock.Total, &lockedUntil, &r.PINLock.StaffOnly)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such request")
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(answers), &r.Answers); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt, r.DueAt, r.PausedAt = fromMillis(created), fromMillis(updated), fromMillis(due), fromMillis(paused)
	r.PINLock.Until = fromMillis(lockedUntil)
	if r.Anonymous {
		r.PINLock = r.PINLock.ToTheHour()
	}
	return &r, nil
}

// Request returns a request by ID.
func (db *DB) Request(ctx context.Context, id int64) (*buurtloket.Request, error) {
	return scanRequest(db.read.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = ?`, id))
}

// RequestByCode finds a request by its ticket code alone, for staff.
func (db *DB) RequestByCode(ctx context.Context, ticket string) (*buurtloket.Request, error) {
	ticket, ok := buurtloket.NormalizeTicket(ticket)
	if !ok {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such request")
	}
	return scanRequest(db.read.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE ticket = ?`, ticket))
}

// Inbox returns a page of open requests, most urgent first.
func (db *DB) Inbox(ctx context.Context, q buurtloket.InboxQuery) (buurtloket.InboxPage, error) {
	where, args, limit, err := inboxsql.Where(q, inboxsql.Question)
	if err != nil {
		return buurtloket.InboxPage{}, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE `+where+
		" "+inboxsql.OrderBy+" LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return buurtloket.InboxPage{}, err
	}
	defer rows.Close()
	var found []*buurtloket.Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return buurtloket.InboxPage{}, err
		}
		found = append(found, r)
	}
	if err := rows.Err(); err != nil {
		return buurtloket.InboxPage{}, err
	}
	return inboxsql.Page(found, limit), nil
}

// SetStatus moves a request to a new status; see buurtloket.RequestStore.
func (db *DB) SetStatus(ctx context.Context, id int64, actor string, next buurtloket.Status) error {
	if !next.Valid() {
		return buurtloket.Errorf(buurtloket.EINVALID, "unknown status %q", next)
	}
	if err := buurtloket.CheckActor(actor); err != nil {
		return err
	}
	return db.do(ctx, func(tx *writeTx) error {
		h, err := lockRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		cur := h.status
		if !cur.CanBecome(next) {
			return buurtloket.Errorf(buurtloket.ECONFLICT, "a request that is %s cannot become %s", cur, next)
		}
		now := db.now()
		if err := moveStatus(ctx, tx, id, next, h, now); err != nil {
			return err
		}
		if next == buurtloket.StatusClosed {
			// The way back to the resident is removed when the request closes.
			if _, err := tx.ExecContext(ctx, `DELETE FROM routes WHERE request_id = ?`, id); err != nil {
				return err
			}
		}
		return audit(ctx, tx, id, actor, "status", string(cur)+" -> "+string(next), now)
	})
}
