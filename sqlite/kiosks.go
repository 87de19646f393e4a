package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"buurtloket"
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
	err = db.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO kiosks (name, wijk, token_hash, created_at) VALUES (?, ?, ?, ?)`, name, wijk, hash, millis(now))
		if err != nil {
			return err
		}
		if k.ID, err = res.LastInsertId(); err != nil {
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

func scanKiosk(row scanner) (*buurtloket.Kiosk, error) {
	var k buurtloket.Kiosk
	var created, revoked, seen int64
	if err := row.Scan(&k.ID, &k.Name, &k.Wijk, &created, &revoked, &seen); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt, k.SeenAt = fromMillis(created), fromMillis(revoked), fromMillis(seen)
	return &k, nil
}

// KioskByToken finds a kiosk that may be used by its pairing token.
func (db *DB) KioskByToken(ctx context.Context, token string) (*buurtloket.Kiosk, error) {
	k, err := scanKiosk(db.read.QueryRowContext(ctx, `SELECT `+kioskColumns+` FROM kiosks WHERE token_hash = ? AND revoked_at = 0`,
		buurtloket.HashKioskToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "this kiosk is not paired")
	}
	return k, err
}

// Kiosks lists every registered kiosk, revoked ones too.
func (db *DB) Kiosks(ctx context.Context) ([]*buurtloket.Kiosk, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+kioskColumns+` FROM kiosks ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*buurtloket.Kiosk
	for rows.Next() {
		k, err := scanKiosk(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeKiosk stops a kiosk from being used.
func (db *DB) RevokeKiosk(ctx context.Context, id int64) error {
	return db.do(ctx, func(tx *sql.Tx) error {
		now := db.now()
		res, err := tx.ExecContext(ctx, `UPDATE kiosks SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, millis(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no kiosk %d in use", id)
		}
		return audit(ctx, tx, 0, "admin", "kiosk revoked", "", now)
	})
}

// KioskSeen records that a kiosk's page is connected now. It is not
// audited: it happens every minute.
func (db *DB) KioskSeen(ctx context.Context, id int64) error {
	return db.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE kiosks SET seen_at = ? WHERE id = ? AND revoked_at = 0`, millis(db.now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no kiosk %d in use", id)
		}
		return nil
	})
}
