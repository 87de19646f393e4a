package requests

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"buurtloket"
)

// Submit stores a new request; see buurtloket.RequestStore.
func (s *Store) Submit(ctx context.Context, r buurtloket.NewRequest) (buurtloket.Receipt, error) {
	p, err := buurtloket.Prepare(r, s.sealer, s.now())
	if err != nil {
		return buurtloket.Receipt{}, err
	}
	p.ID = s.newID()
	var rec buurtloket.Receipt
	err = s.db.Write(ctx, func(tx Querier) error {
		var err error
		rec, err = s.insertRequest(ctx, tx, p)
		return err
	})
	if err != nil {
		return buurtloket.Receipt{}, err
	}
	if !rec.Duplicate {
		s.notify(ctx, buurtloket.ChangeRequest, rec.ID, p.Anonymous, false)
	}
	return rec, nil
}

// insertRequest stores a prepared request, or finds the one an earlier
// try with the same submission key stored. The insert changes no row
// when the key, the ID or the code is taken; which one it was, the key
// tells: a taken ID or code is drawn again, in the same write.
func (s *Store) insertRequest(ctx context.Context, tx Querier, p *buurtloket.Prepared) (buurtloket.Receipt, error) {
	for attempt := 0; ; attempt++ {
		n, err := tx.Exec(ctx, `INSERT INTO requests (id, ticket, submission_key, pin_hash, pin_sealed,
			topic, priority, priority_rank, status, open, channel, lang, wijk, postcode, anonymous, handoff,
			summary, answers, flow_version, created_at, updated_at, due_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, TRUE, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $20)
			ON CONFLICT DO NOTHING`,
			p.ID, p.Ticket, p.Key, p.PINHash, p.PINSealed,
			p.Topic, p.Priority, p.Priority.Rank(), buurtloket.StatusNew, p.Channel, p.Lang, p.Wijk, p.Postcode,
			p.Anonymous, p.Handoff, p.Summary, string(p.AnswersJSON), p.FlowVersion, s.t(p.CreatedAt), s.t(p.DueAt))
		if err != nil {
			return buurtloket.Receipt{}, err
		}
		if n == 1 {
			break
		}
		// A retried submission gets the first receipt again. (On
		// PostgreSQL, a first try still being committed is waited for by
		// the insert; this statement then sees it.)
		var rec buurtloket.Receipt
		var pinSealed []byte
		err = tx.QueryRow(ctx, `SELECT id, ticket, pin_sealed FROM requests WHERE submission_key = $1`, p.Key).
			Scan(&rec.ID, &rec.Ticket, &pinSealed)
		if err == nil {
			rec.Duplicate = true
			if pin, err := buurtloket.OpenPIN(s.sealer, pinSealed, rec.Ticket); err == nil {
				rec.PIN = pin
			}
			return rec, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return buurtloket.Receipt{}, err
		}
		if attempt == 5 {
			return buurtloket.Receipt{}, errors.New("no free request ID and code in six tries")
		}
		p.Redraw(s.sealer) // the ID or the code was taken: draw others
		p.ID = s.newID()
	}
	if p.ContactSealed != nil {
		if _, err := tx.Exec(ctx, `INSERT INTO contacts (request_id, sealed) VALUES ($1, $2)`, p.ID, p.ContactSealed); err != nil {
			return buurtloket.Receipt{}, err
		}
	}
	if p.RouteSealed != nil {
		if _, err := tx.Exec(ctx, `INSERT INTO routes (request_id, sealed) VALUES ($1, $2)`, p.ID, p.RouteSealed); err != nil {
			return buurtloket.Receipt{}, err
		}
	}
	if err := s.audit(ctx, tx, p.ID, held{anonymous: p.Anonymous}, p.CreatedAt, "resident", "submitted", string(p.Channel)); err != nil {
		return buurtloket.Receipt{}, err
	}
	return buurtloket.Receipt{ID: p.ID, Ticket: p.Ticket, PIN: p.PIN}, nil
}

const requestColumns = `id, ticket, topic, priority, status, channel, lang, wijk, postcode, anonymous, handoff,
	summary, answers, assigned_to, flow_version, created_at, updated_at, due_at, paused_at,
	pin_wrong, pin_wrong_total, pin_locked_until, pin_staff_only`

func (s *Store) scanRequest(row Row) (*buurtloket.Request, error) {
	var r buurtloket.Request
	var answers []byte
	err := row.Scan(&r.ID, &r.Ticket, &r.Topic, &r.Priority, &r.Status, &r.Channel, &r.Lang, &r.Wijk, &r.Postcode,
		&r.Anonymous, &r.Handoff, &r.Summary, &answers, &r.AssignedTo, &r.FlowVersion,
		s.st(&r.CreatedAt), s.st(&r.UpdatedAt), s.st(&r.DueAt), s.st(&r.PausedAt),
		&r.PINLock.Wrong, &r.PINLock.Total, s.st(&r.PINLock.Until), &r.PINLock.StaffOnly)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such request")
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(answers, &r.Answers); err != nil {
		return nil, err
	}
	if r.Anonymous {
		r.PINLock = r.PINLock.ToTheHour()
	}
	return &r, nil
}

// Request returns a request by ID.
func (s *Store) Request(ctx context.Context, id int64) (*buurtloket.Request, error) {
	return s.scanRequest(s.read.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
}

// RequestByCode finds a request by its ticket code alone, for staff.
func (s *Store) RequestByCode(ctx context.Context, ticket string) (*buurtloket.Request, error) {
	ticket, ok := buurtloket.NormalizeTicket(ticket)
	if !ok {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no such request")
	}
	return s.scanRequest(s.read.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE ticket = $1`, ticket))
}

// SetStatus moves a request to a new status; see buurtloket.RequestStore.
func (s *Store) SetStatus(ctx context.Context, id int64, actor string, next buurtloket.Status) error {
	if !next.Valid() {
		return buurtloket.Errorf(buurtloket.EINVALID, "unknown status %q", next)
	}
	anonymous := false
	err := s.writeRequest(ctx, id, actor, func(tx Querier, h held) error {
		cur := h.status
		anonymous = h.anonymous
		if !cur.CanBecome(next) {
			return buurtloket.Errorf(buurtloket.ECONFLICT, "a request that is %s cannot become %s", cur, next)
		}
		now := s.now()
		if err := s.moveStatus(ctx, tx, id, next, h, now); err != nil {
			return err
		}
		if next == buurtloket.StatusClosed {
			// The way back to the resident is removed when the request closes.
			if _, err := tx.Exec(ctx, `DELETE FROM routes WHERE request_id = $1`, id); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, id, h, now, actor, "status", string(cur)+" -> "+string(next))
	})
	if err == nil {
		s.notify(ctx, buurtloket.ChangeStatus, id, anonymous, true)
	}
	return err
}
