package postgres

import (
	"context"
	"errors"
	"time"

	"buurtloket"

	"github.com/jackc/pgx/v5"
)

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// MaxSessionBytes bounds a stored dialog session.
const MaxSessionBytes = 256 << 10

// SaveSession stores a dialog session, sealed, until expires.
func (db *DB) SaveSession(ctx context.Context, id string, data []byte, expires time.Time) error {
	if err := buurtloket.CheckSessionID(id); err != nil {
		return err
	}
	if len(data) > MaxSessionBytes {
		return buurtloket.Errorf(buurtloket.ETOOLARGE, "a session may be at most %d bytes", MaxSessionBytes)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`, id, db.sealer.SealSession(id, data), expires)
	return err
}

// LoadSession returns a stored session that has not expired.
func (db *DB) LoadSession(ctx context.Context, id string) ([]byte, error) {
	if err := buurtloket.CheckSessionID(id); err != nil {
		return nil, err
	}
	var data []byte
	err := db.pool.QueryRow(ctx, `SELECT data FROM sessions WHERE id = $1 AND expires_at > $2`, id, db.now()).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
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
	_, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	return err
}

// PurgeSessions deletes expired sessions and says how many.
func (db *DB) PurgeSessions(ctx context.Context) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, db.now())
	return int(tag.RowsAffected()), err
}
