package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notifications on PostgreSQL reach every process on the database, by
// NOTIFY and LISTEN. They are sent after the write that made them has
// committed, by one goroutine, in batches, on a connection of its own
// that does not wait for the disk at commit (synchronous_commit off: a
// notice is not worth keeping). A NOTIFY inside the write itself would hold PostgreSQL's
// one notification lock through each commit's flush: submissions at 64 at
// once fell from 2,200/s to 1,150/s that way.

const channel = "buurtloket_changes"

// Notify queues notices for the sender; when it is far behind, a notice is
// dropped rather than holding up the write (listeners read the store
// again at their next change).
func (db *DB) Notify(ctx context.Context, notices ...string) {
	for _, n := range notices {
		select {
		case db.notices <- n:
		default:
		}
	}
}

// sendNotices is the goroutine that sends the queued notices, until the
// database closes; it sends what is queued then, too. It waits a moment
// after the first notice of a batch, so that under load one statement
// carries many.
func (db *DB) sendNotices() {
	defer close(db.noticesDone)
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	for {
		var batch []string
		closing := false
		select {
		case n := <-db.notices:
			batch = append(batch, n)
			select {
			case <-time.After(20 * time.Millisecond):
			case <-db.closing:
				closing = true
			}
		case <-db.closing:
			closing = true
		}
	more:
		for len(batch) < 1000 {
			select {
			case n := <-db.notices:
				batch = append(batch, n)
			default:
				break more
			}
		}
		conn = db.send(conn, batch)
		if closing && len(db.notices) == 0 {
			return
		}
	}
}

// send sends a batch on the sender's own connection, which does not wait
// for the disk at commit; it connects (again) when it has none.
func (db *DB) send(conn *pgx.Conn, batch []string) *pgx.Conn {
	if len(batch) == 0 {
		return conn
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if conn == nil {
		cfg := db.pool.Config().ConnConfig.Copy()
		cfg.RuntimeParams["synchronous_commit"] = "off"
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return nil // the notices are lost; listeners catch up at the next
		}
		conn = c
	}
	if _, err := conn.Exec(ctx, `SELECT pg_notify('`+channel+`', n) FROM unnest($1::text[]) AS n`, batch); err != nil {
		conn.Close(context.Background())
		return nil
	}
	return conn
}

// Listen calls fn with every notice from now until ctx ends. It holds a
// connection of its own, outside the pool, and connects again after an
// error; then it calls fn with "", since notices may have been missed.
func (db *DB) Listen(ctx context.Context, fn func(notice string)) error {
	for ctx.Err() == nil {
		db.listen(ctx, fn)
		select {
		case <-ctx.Done():
			return nil
		case <-db.closing:
			return nil
		case <-time.After(time.Second):
		}
		fn("")
	}
	return nil
}

func (db *DB) listen(ctx context.Context, fn func(notice string)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-db.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		fn(n.Payload)
	}
}
