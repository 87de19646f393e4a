package postgres

import (
	"context"
	"errors"
	"time"

	"buurtloket"

	"github.com/jackc/pgx/v5"
)

// AddKiosk registers a kiosk and returns its pairing token (shown once).
func (db *DB) AddKiosk(ctx context.Context, name, wijk string) (*buurtloket.Kiosk, string, error) {
	name, wijk, err := buurtloket.CheckKiosk(name, wijk)
	if err != nil {
		return nil, "", err
	}
	token, hash := buurtloket.NewKioskToken()
	now := db.now().UTC().Truncate(time.Millisecond)
	k := &buurtloket.Kiosk{Name: name, Wijk: wijk, CreatedAt: now}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO kiosks (name, wijk, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			name, wijk, hash, now).Scan(&k.ID); err != nil {
			return err
		}
		return audit(ctx, tx, 0, "admin", "kiosk added", name, now)
	})
	if err != nil {
		return nil, "", err
	}
	return k, token, nil
}

const kioskColumns = `id, name, wijk, created_at, revoked_at, seen_at`

func scanKiosk(row pgx.Row) (*buurtloket.Kiosk, error) {
	var k buurtloket.Kiosk
	var revoked, seen *time.Time
	if err := row.Scan(&k.ID, &k.Name, &k.Wijk, &k.CreatedAt, &revoked, &seen); err != nil {
		return nil, err
	}
	k.CreatedAt = k.CreatedAt.UTC()
	if revoked != nil {
		k.RevokedAt = revoked.UTC()
	}
	if seen != nil {
		k.SeenAt = seen.UTC()
	}
	return &k, nil
}

// KioskByToken finds a kiosk that may be used by its pairing token.
func (db *DB) KioskByToken(ctx context.Context, token string) (*buurtloket.Kiosk, error) {
	k, err := scanKiosk(db.pool.QueryRow(ctx, `SELECT `+kioskColumns+` FROM kiosks WHERE token_hash = $1 AND revoked_at IS NULL`,
		buurtloket.HashKioskToken(token)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "this kiosk is not paired")
	}
	return k, err
}

// Kiosks lists every registered kiosk, revoked ones too.
func (db *DB) Kiosks(ctx context.Context) ([]*buurtloket.Kiosk, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+kioskColumns+` FROM kiosks ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*buurtloket.Kiosk, error) { return scanKiosk(row) })
}

// RevokeKiosk stops a kiosk from being used.
func (db *DB) RevokeKiosk(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		now := db.now()
		tag, err := tx.Exec(ctx, `UPDATE kiosks SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, now, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no kiosk %d in use", id)
		}
		return audit(ctx, tx, 0, "admin", "kiosk revoked", "", now)
	})
}

// KioskSeen records that a kiosk's page is connected now. It is not
// audited: it happens every minute.
func (db *DB) KioskSeen(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `UPDATE kiosks SET seen_at = $1 WHERE id = $2 AND revoked_at IS NULL`, db.now().UTC().Truncate(time.Millisecond), id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no kiosk %d in use", id)
	}
	return nil
}
