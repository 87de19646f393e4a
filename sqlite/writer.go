package sqlite

import (
	"context"
	"errors"
	"runtime"

	"buurtloket"
)

// maxBatch bounds how many writes share one transaction.
const maxBatch = 256

// errClosed is what a write gets once the database is closed.
var errClosed = buurtloket.Errorf(buurtloket.EINTERNAL, "the database is closed")

type writeOp struct {
	ctx context.Context
	fn  func(tx *writeTx) error
	err chan error
}

// do runs fn in a write transaction, possibly together with other writes,
// and returns once that transaction is committed (or fn failed). Once the
// write is queued, do waits for its outcome even when ctx ends: fn may fill
// the caller's variables, so the caller must not go on before it is done.
// The writer skips a queued write whose ctx has ended, so the wait is short.
func (db *DB) do(ctx context.Context, fn func(tx *writeTx) error) error {
	op := &writeOp{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case db.ops <- op:
	case <-db.closed:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// With the database closing, the send above may win over db.closed
	// after the writer took its last ops: then no one takes this one. The
	// writer answers every op it took before it ends (db.done).
	select {
	case err := <-op.err:
		return err
	case <-db.done:
		select {
		case err := <-op.err:
			return err
		default:
			return errClosed // never taken, never run
		}
	}
}

// writer is the one goroutine that writes. It takes every write waiting,
// runs each in a savepoint of one transaction, and commits once.
func (db *DB) writer() {
	defer close(db.done)
	batch := make([]*writeOp, 0, maxBatch)
	for {
		var first *writeOp
		select {
		case first = <-db.ops:
		case <-db.closed:
			// Finish what was queued before closing.
			for {
				select {
				case op := <-db.ops:
					db.commit([]*writeOp{op})
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
		for round := 0; round < 3 && len(batch) < maxBatch; round++ {
			runtime.Gosched()
			n := len(batch)
		fill:
			for len(batch) < maxBatch {
				select {
				case op := <-db.ops:
					batch = append(batch, op)
				default:
					break fill
				}
			}
			if len(batch) == n {
				break
			}
		}
		db.commit(batch)
	}
}

func (db *DB) commit(batch []*writeOp) {
	ctx := context.Background()
	errs := make([]error, len(batch))
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		for _, op := range batch {
			op.err <- err
		}
		return
	}
	tx := &writeTx{tx: sqlTx, stmts: &db.stmts}
	for i, op := range batch {
		if err := op.ctx.Err(); err != nil {
			errs[i] = err // the caller gave up before its turn: skip it
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
			errs[i] = err
			continue
		}
		if errs[i] = op.fn(tx); errs[i] != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO op"); err != nil {
				errs[i] = errors.Join(errs[i], err)
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE op"); err != nil && errs[i] == nil {
			errs[i] = err
		}
	}
	if err := sqlTx.Commit(); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	for i, op := range batch {
		op.err <- errs[i]
	}
	// The connection is free: prepare what this batch ran unprepared.
	db.stmts.prepare(db.write)
}
