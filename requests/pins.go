package requests

import (
	"context"
	"database/sql"
	"errors"

	"buurtloket"
)

// openTicket finds the request of a ticket code and PIN inside a write,
// and counts a wrong PIN (buurtloket.PINLock.Try). The row is locked
// first (Dialect.Lock), so that tries on one ticket, from any connection
// or process, are counted one after the other. refusal is what the caller
// must answer once the write is committed; the write itself must not fail
// on it, or the count would be rolled back.
func (s *Store) openTicket(ctx context.Context, tx Querier, ticket, pin string) (id int64, refusal, err error) {
	var hash string
	var anonymous bool
	var lock buurtloket.PINLock
	err = tx.QueryRow(ctx, s.sql.openTicket, ticket).
		Scan(&id, &hash, &anonymous, &lock.Wrong, &lock.Total, s.st(&lock.Until), &lock.StaffOnly)
	if errors.Is(err, sql.ErrNoRows) {
		s.sealer.PINMatches(ticket, pin, "") // the same work either way
		return 0, buurtloket.NoSuchTicket(), nil
	} else if err != nil {
		return 0, nil, err
	}
	now := s.now()
	next, refusal := lock.Try(now, func() bool { return s.sealer.PINMatches(ticket, pin, hash) })
	if next == lock {
		return id, refusal, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE requests SET pin_wrong = $1, pin_wrong_total = $2, pin_locked_until = $3, pin_staff_only = $4 WHERE id = $5`,
		next.Wrong, next.Total, s.t(next.Until), next.StaffOnly, id); err != nil {
		return 0, nil, err
	}
	if next.Locked(now) {
		// That the ticket locked is recorded; nothing about who tried.
		if err := s.audit(ctx, tx, id, held{anonymous: anonymous}, now, "system", "pin locked", next.Describe(now)); err != nil {
			return 0, nil, err
		}
	}
	return id, refusal, nil
}

// RequestByTicket finds a request by code and PIN, counting wrong PINs;
// see buurtloket.RequestStore.
func (s *Store) RequestByTicket(ctx context.Context, ticket, pin string) (*buurtloket.Request, error) {
	ticket, ok := buurtloket.NormalizeTicket(ticket)
	if !ok || !buurtloket.WellFormedPIN(pin) {
		return nil, buurtloket.NoSuchTicket()
	}
	var r *buurtloket.Request
	var refusal error
	err := s.db.Write(ctx, func(tx Querier) error {
		id, no, err := s.openTicket(ctx, tx, ticket, pin)
		if err != nil || no != nil {
			refusal = no
			return err
		}
		r, err = s.scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return nil, err
	} else if refusal != nil {
		return nil, refusal
	}
	return r, nil
}

// UnlockPIN lifts a ticket's lock; see buurtloket.RequestStore.
func (s *Store) UnlockPIN(ctx context.Context, id int64, actor string) error {
	return s.writeRequest(ctx, id, actor, func(tx Querier, h held) error {
		var lock buurtloket.PINLock
		if err := tx.QueryRow(ctx, `SELECT pin_wrong, pin_wrong_total, pin_staff_only FROM requests WHERE id = $1`, id).
			Scan(&lock.Wrong, &lock.Total, &lock.StaffOnly); err != nil {
			return err
		}
		next, err := lock.Unlocked()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE requests SET pin_wrong = $1, pin_wrong_total = $2, pin_locked_until = NULL, pin_staff_only = FALSE WHERE id = $3`,
			next.Wrong, next.Total, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, id, h, s.now(), actor, buurtloket.AuditPINUnlocked, "")
	})
}
