package postgres

import (
	"context"
	"errors"
	"time"

	"buurtloket"

	"github.com/jackc/pgx/v5"
)

// openTicket finds the request of a ticket code and PIN inside a
// transaction, and counts a wrong PIN (buurtloket.PINLock.Try). The row is
// locked first (FOR UPDATE), so that tries on one ticket, from any
// connection or process, are counted one after the other. refusal is what
// the caller must answer once the transaction is committed; the
// transaction itself must not fail on it, or the count would be rolled back.
func (db *DB) openTicket(ctx context.Context, tx pgx.Tx, ticket, pin string) (id int64, refusal, err error) {
	var hash string
	var anonymous bool
	var lock buurtloket.PINLock
	var until *time.Time
	err = tx.QueryRow(ctx, `SELECT id, pin_hash, anonymous, pin_wrong, pin_wrong_total, pin_locked_until, pin_staff_only FROM requests WHERE ticket = $1 FOR UPDATE`, ticket).
		Scan(&id, &hash, &anonymous, &lock.Wrong, &lock.Total, &until, &lock.StaffOnly)
	if errors.Is(err, pgx.ErrNoRows) {
		db.sealer.PINMatches(ticket, pin, "") // the same work either way
		return 0, buurtloket.NoSuchTicket(), nil
	} else if err != nil {
		return 0, nil, err
	}
	if until != nil {
		lock.Until = until.UTC()
	}
	now := db.now()
	next, refusal := lock.Try(now, func() bool { return db.sealer.PINMatches(ticket, pin, hash) })
	if next == lock {
		return id, refusal, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE requests SET pin_wrong = $1, pin_wrong_total = $2, pin_locked_until = $3, pin_staff_only = $4 WHERE id = $5`,
		next.Wrong, next.Total, nullTime(next.Until), next.StaffOnly, id); err != nil {
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

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
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
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		id, no, err := db.openTicket(ctx, tx, ticket, pin)
		if err != nil || no != nil {
			refusal = no
			return err
		}
		r, err = scanRequest(tx.QueryRow(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = $1`, id))
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
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := lockRequest(ctx, tx, id); err != nil {
			return err
		}
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
		return audit(ctx, tx, id, actor, "pin unlocked", "", db.now())
	})
}
