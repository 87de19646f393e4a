package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"buurtloket"
	"buurtloket/internal/inboxsql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Submit stores a new request; see buurtloket.RequestStore.
func (db *DB) Submit(ctx context.Context, r buurtloket.NewRequest) (buurtloket.Receipt, error) {
	p, err := buurtloket.Prepare(r, db.sealer, db.now())
	if err != nil {
		return buurtloket.Receipt{}, err
	}
	return db.submit(ctx, p)
}

// submit stores a prepared request, drawing again when its ID or code
// is taken.
func (db *DB) submit(ctx context.Context, p *buurtloket.Prepared) (buurtloket.Receipt, error) {
	for attempt := 0; ; attempt++ {
		rec, err := db.insertRequest(ctx, p)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.ConstraintName == "requests_ticket_key" || pgErr.ConstraintName == "requests_pkey") && attempt < 5 {
			p.Redraw(db.sealer) // the ID or the code was taken: draw others
			continue
		}
		return rec, err
	}
}

func (db *DB) insertRequest(ctx context.Context, p *buurtloket.Prepared) (buurtloket.Receipt, error) {
	var rec buurtloket.Receipt
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO requests (id, ticket, submission_key, pin_hash, pin_sealed,
			topic, priority, priority_rank, status, open, channel, lang, wijk, postcode, anonymous, handoff,
			summary, answers, flow_version, created_at, updated_at, due_at)
			VALUES ($20, $1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19)
			ON CONFLICT (submission_key) DO NOTHING RETURNING id`,
			p.Ticket, p.Key, p.PINHash, p.PINSealed,
			p.Topic, p.Priority, p.Priority.Rank(), buurtloket.StatusNew, p.Channel, p.Lang, p.Wijk, p.Postcode,
			p.Anonymous, p.Handoff, p.Summary, string(p.AnswersJSON), p.FlowVersion, p.CreatedAt, p.DueAt, p.ID).Scan(&rec.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			// A retried submission: the first receipt again.
			var pinSealed []byte
			if err := tx.QueryRow(ctx, `SELECT id, ticket, pin_sealed FROM requests WHERE submission_key = $1`, p.Key).
				Scan(&rec.ID, &rec.Ticket, &pinSealed); err != nil {
				return err
			}
			rec.Duplicate = true
			if pin, err := buurtloket.OpenPIN(db.sealer, pinSealed, rec.Ticket); err == nil {
				rec.PIN = pin
			}
			return nil
		} else if err != nil {
			return err
		}
		rec.Ticket, rec.PIN = p.Ticket, p.PIN
		if p.ContactSealed != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO contacts (request_id, sealed) VALUES ($1, $2)`, rec.ID, p.ContactSealed); err != nil {
				return err
			}
		}
		if p.RouteSealed != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO routes (request_id, sealed) VALUES ($1, $2)`, rec.ID, p.RouteSealed); err != nil {
				return err
			}
		}
		return audit(ctx, tx, rec.ID, "resident", "submitted", string(p.Channel), p.CreatedAt)
	})
	return rec, err
}

const requestColumns = `id, ticket, topic, priority, status, channel, lang, wijk, postcode, anonymous, handoff,
	summary, answers, assigned_to, flow_version, created_at, updated_at, due_at, paused_at,
	pin_wrong, pin_wrong_total, pin_locked_until, pin_staff_only`

func scanRequest(row pgx.Row) (*buurtloket.Request, error) {
	var r buurtloket.Request
	var answers []byte
	var paused, lockedUntil *time.Time
	err := row.Scan(&r.ID, &r.Ticket, &r.Topic, &r.Priority, &r.Status, &r.Channel, &r.Lang, &r.Wijk, &r.Postcode,
		&r.Anonymous, &r.Handoff, &r.Summary, &answers, &r.AssignedTo, &r.FlowVersion, &r.CreatedAt, &r.UpdatedAt, &r.DueAt, &paused,
		&r.PINLock.Wrong, &r.PINLock.Total, &lockedUntil, &r.PINLock.StaffOnly)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such request")
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(answers, &r.Answers); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt, r.DueAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC(), r.DueAt.UTC()
	if paused != nil {
		r.PausedAt = paused.UTC()
	}
	if lockedUntil != nil {
		r.PINLock.Until = lockedUntil.UTC()
	}
	if r.Anonymous {
		r.PINLock = r.PINLock.ToTheHour()
	}
	return &r, nil
}

// Request returns a request by ID.
func (db *DB) Request(ctx context.Context, id int64) (*buurtloket.Request, error) {
	return scanRequest(db.pool.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
}

// RequestByCode finds a request by its ticket code alone, for staff.
func (db *DB) RequestByCode(ctx context.Context, ticket string) (*buurtloket.Request, error) {
	ticket, ok := buurtloket.NormalizeTicket(ticket)
	if !ok {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such request")
	}
	return scanRequest(db.pool.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE ticket = $1`, ticket))
}

// Inbox returns a page of open requests, most urgent first.
func (db *DB) Inbox(ctx context.Context, q buurtloket.InboxQuery) (buurtloket.InboxPage, error) {
	where, args, limit, err := inboxsql.Where(q, inboxsql.Dollar)
	if err != nil {
		return buurtloket.InboxPage{}, err
	}
	args = append(args, limit+1)
	rows, err := db.pool.Query(ctx, `SELECT `+requestColumns+` FROM requests WHERE `+where+" "+inboxsql.OrderBy+
		" LIMIT "+inboxsql.Dollar.Placeholder(len(args)), args...)
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
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
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
			if _, err := tx.Exec(ctx, `DELETE FROM routes WHERE request_id = $1`, id); err != nil {
				return err
			}
		}
		return audit(ctx, tx, id, actor, "status", string(cur)+" -> "+string(next), now)
	})
}
