package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"buurtloket"
)

// openTicket finds the request of a ticket code and PIN inside a write,
// and counts a wrong PIN (buurtloket.PINLock.Try): the one writer runs the
// tries on a ticket one after the other, so no two see the same count.
// refusal is what the caller must answer once the write is committed; the
// write itself must not fail on it, or the count would be rolled back.
func (db *DB) openTicket(ctx context.Context, tx *writeTx, ticket, pin string) (id int64, refusal, err error) {
	var hash string
	var anonymous bool
	var lock buurtloket.PINLock
	var until int64
	err = tx.QueryRowContext(ctx, `SELECT id, pin_hash, anonymous, pin_wrong, pin_wrong_total, pin_locked_until, pin_staff_only FROM requests WHERE ticket = ?`, ticket).
		Scan(&id, &hash, &anonymous, &lock.Wrong, &lock.Total, &until, &lock.StaffOnly)
	if errors.Is(err, sql.ErrNoRows) {
		db.sealer.PINMatches(ticket, pin, "") // the same work either way
		return 0, buurtloket.NoSuchTicket(), nil
	} else if err != nil {
		return 0, nil, err
	}
	lock.Until = fromMillis(until)
	now := db.now()
	next, refusal := lock.Try(now, func() bool { return db.sealer.PINMatches(ticket, pin, hash) })
	if next == lock {
		return id, refusal, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET pin_wrong = ?, pin_wrong_total = ?, pin_locked_until = ?, pin_staff_only = ? WHERE id = ?`,
		next.Wrong, next.Total, millis(next.Until), next.StaffOnly, id); err != nil {
		return 0, nil, err
	}
	if next.Locked(now) {
		// That the ticket locked is recorded; nothing about who tried.
		if err := audit(ctx, tx, id, "system", "pin locked", next.Describe(now), now); err != nil {
			return 0, nil, err
		}
	}
	return id, refusal, nil
}

// RequestByTicket finds a request by code and PIN, counting wrong PINs;
// see buurtloket.RequestStore.
func (db *DB) RequestByTicket(ctx context.Context, ticket, pin string) (*buurtloket.Request, error) {
	ticket, ok := buurtloket.NormalizeTicket(ticket)
	if !ok || !buurtloket.WellFormedPIN(pin) {
		return nil, buurtloket.NoSuchTicket()
	}
	var r *buurtloket.Request
	var refusal error
	err := db.do(ctx, func(tx *writeTx) error {
		id, no, err := db.openTicket(ctx, tx, ticket, pin)
		if err != nil || no != nil {
			refusal = no
			return err
		}
		r, err = scanRequest(tx.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = ?`, id))
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
func (db *DB) UnlockPIN(ctx context.Context, id int64, actor string) error {
	if err := buurtloket.CheckActor(actor); err != nil {
		return err
	}
	return db.do(ctx, func(tx *writeTx) error {
		if _, err := lockRequest(ctx, tx, id); err != nil {
			return err
		}
		var lock buurtloket.PINLock
		if err := tx.QueryRowContext(ctx, `SELECT pin_wrong, pin_wrong_total, pin_staff_only FROM requests WHERE id = ?`, id).
			Scan(&lock.Wrong, &lock.Total, &lock.StaffOnly); err != nil {
			return err
		}
		next, err := lock.Unlocked()
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET pin_wrong = ?, pin_wrong_total = ?, pin_locked_until = 0, pin_staff_only = 0 WHERE id = ?`,
			next.Wrong, next.Total, id); err != nil {
			return err
		}
		return audit(ctx, tx, id, actor, "pin unlocked", "", db.now())
	})
}
