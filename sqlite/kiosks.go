package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"buurtloket"
)

// AddKiosk registers a kiosk and returns its pairing link's token (shown once).
func (db *DB) AddKiosk(ctx context.Context, name, wijk string) (*buurtloket.Kiosk, string, error) {
	name, wijk, err := buurtloket.CheckKiosk(name, wijk)
	if err != nil {
		return nil, "", err
	}
	token, hash := buurtloket.NewKioskToken()
	now := db.now().UTC().Truncate(time.Millisecond)
	k := &buurtloket.Kiosk{Name: name, Wijk: wijk, CreatedAt: now, LinkOpen: true}
	err = db.do(ctx, func(tx *writeTx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO kiosks (name, wijk, link_hash, created_at) VALUES (?, ?, ?, ?)`, name, wijk, hash, millis(now))
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

// NewKioskLink issues a new pairing link; see buurtloket.KioskStore.
func (db *DB) NewKioskLink(ctx context.Context, id int64) (string, error) {
	token, hash := buurtloket.NewKioskToken()
	err := db.do(ctx, func(tx *writeTx) error {
		res, err := tx.ExecContext(ctx, `UPDATE kiosks SET link_hash = ? WHERE id = ? AND revoked_at = 0`, hash, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no kiosk %d in use", id)
		}
		return audit(ctx, tx, 0, "admin", "kiosk link issued", fmt.Sprintf("kiosk %d", id), db.now())
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// PairKiosk spends a pairing link for a new device token; see
// buurtloket.KioskStore. The one writer runs two uses of a link one after
// the other: the second finds it spent.
func (db *DB) PairKiosk(ctx context.Context, linkToken string) (*buurtloket.Kiosk, string, error) {
	notFound := buurtloket.Errorf(buurtloket.ENOTFOUND, "this pairing link does not work (any more): it was used, replaced by a new one, or the kiosk was revoked")
	if buurtloket.CheckKioskToken(linkToken) != nil {
		return nil, "", notFound
	}
	device, deviceHash := buurtloket.NewKioskToken()
	var k *buurtloket.Kiosk
	err := db.do(ctx, func(tx *writeTx) error {
		var err error
		k, err = scanKiosk(tx.QueryRowContext(ctx, `SELECT `+kioskColumns+` FROM kiosks WHERE link_hash = ? AND revoked_at = 0`,
			buurtloket.HashKioskToken(linkToken)))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound
		} else if err != nil {
			return err
		}
		now := db.now().UTC().Truncate(time.Millisecond)
		if _, err := tx.ExecContext(ctx, `UPDATE kiosks SET link_hash = NULL, device_hash = ?, paired_at = ? WHERE id = ?`,
			deviceHash, millis(now), k.ID); err != nil {
			return err
		}
		k.PairedAt, k.LinkOpen = now, false
		return audit(ctx, tx, 0, "kiosk", "kiosk paired", fmt.Sprintf("kiosk %d", k.ID), now)
	})
	if err != nil {
		return nil, "", err
	}
	return k, device, nil
}

const kioskColumns = `id, name, wijk, created_at, revoked_at, seen_at, paired_at, link_hash IS NOT NULL`

func scanKiosk(row scanner) (*buurtloket.Kiosk, error) {
	var k buurtloket.Kiosk
	var created, revoked, seen, paired int64
	if err := row.Scan(&k.ID, &k.Name, &k.Wijk, &created, &revoked, &seen, &paired, &k.LinkOpen); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RevokedAt, k.SeenAt, k.PairedAt = fromMillis(created), fromMillis(revoked), fromMillis(seen), fromMillis(paired)
	return &k, nil
}

// KioskByToken finds a kiosk in use by its device token.
func (db *DB) KioskByToken(ctx context.Context, token string) (*buurtloket.Kiosk, error) {
	if err := buurtloket.CheckKioskToken(token); err != nil {
		return nil, err
	}
	k, err := scanKiosk(db.read.QueryRowContext(ctx, `SELECT `+kioskColumns+` FROM kiosks WHERE device_hash = ? AND revoked_at = 0`,
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

// RevokeKiosk stops a kiosk from being used; its link and device token
// are forgotten.
func (db *DB) RevokeKiosk(ctx context.Context, id int64) error {
	return db.do(ctx, func(tx *writeTx) error {
		now := db.now()
		res, err := tx.ExecContext(ctx, `UPDATE kiosks SET revoked_at = ?, link_hash = NULL, device_hash = NULL WHERE id = ? AND revoked_at = 0`, millis(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no kiosk %d in use", id)
		}
		return audit(ctx, tx, 0, "admin", "kiosk revoked", fmt.Sprintf("kiosk %d", id), now)
	})
}

// KioskSeen records that a kiosk's page is connected now. It is not
// audited: it happens every minute.
func (db *DB) KioskSeen(ctx context.Context, id int64) error {
	return db.do(ctx, func(tx *writeTx) error {
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
