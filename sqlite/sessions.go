package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"buurtloket"
)

// MaxSessionBytes bounds a stored dialog session.
const MaxSessionBytes = 256 << 10

// audit appends an entry to the audit trail, with a random ID and the
// next number in its request's order. Its time is what staff may see:
// for an anonymous request, the hour (buurtloket.EventTime).
func audit(ctx context.Context, tx *writeTx, requestID int64, actor, action, detail string, now time.Time) error {
	_, err := insertWithID(func(id int64) (sql.Result, error) {
		if requestID == 0 {
			return tx.ExecContext(ctx, `INSERT INTO audit (id, request_id, seq, actor, action, detail, at) VALUES (?, NULL, 0, ?, ?, ?, ?)
				ON CONFLICT (id) DO NOTHING`, id, actor, action, detail, millis(buurtloket.EventTime(false, now)))
		}
		// WHERE true: SQLite reads ON CONFLICT after a SELECT only so.
		return tx.ExecContext(ctx, `INSERT INTO audit (id, request_id, seq, actor, action, detail, at)
			SELECT ?, ?, `+nextSeq("audit")+`, ?, ?, ?,
				CASE WHEN EXISTS (SELECT 1 FROM requests WHERE id = ? AND anonymous) THEN ? ELSE ? END
			WHERE true ON CONFLICT (id) DO NOTHING`,
			id, requestID, requestID, actor, action, detail,
			requestID, millis(buurtloket.EventTime(true, now)), millis(buurtloket.EventTime(false, now)))
	})
	return err
}

// SaveSession stores a dialog session, sealed, until expires.
func (db *DB) SaveSession(ctx context.Context, id string, data []byte, expires time.Time) error {
	if err := buurtloket.CheckSessionID(id); err != nil {
		return err
	}
	if len(data) > MaxSessionBytes {
		return buurtloket.Errorf(buurtloket.ETOOLARGE, "a session may be at most %d bytes", MaxSessionBytes)
	}
	return db.do(ctx, func(tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, data, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`, id, db.sealer.SealSession(id, data), millis(expires))
		return err
	})
}

// LoadSession returns a stored session that has not expired.
func (db *DB) LoadSession(ctx context.Context, id string) ([]byte, error) {
	if err := buurtloket.CheckSessionID(id); err != nil {
		return nil, err
	}
	var data []byte
	err := db.read.QueryRowContext(ctx, `SELECT data FROM sessions WHERE id = ? AND expires_at > ?`, id, millis(db.now())).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "no such session")
	} else if err != nil {
		return nil, err
	}
	return db.sealer.OpenSession(id, data)
}

// DeleteSession forgets a session.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if err := buurtloket.CheckSessionID(id); err != nil {
		return err
	}
	return db.do(ctx, func(tx *writeTx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
}

// PurgeSessions deletes expired sessions and says how many.
func (db *DB) PurgeSessions(ctx context.Context) (int, error) {
	var n int64
	err := db.do(ctx, func(tx *writeTx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, millis(db.now()))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
