package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"buurtloket"

	"github.com/jackc/pgx/v5"
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
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO kiosks (name, wijk, link_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
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

// NewKioskLink issues a new pairing link; see buurtloket.KioskStore.
func (db *DB) NewKioskLink(ctx context.Context, id int64) (string, error) {
	token, hash := buurtloket.NewKioskToken()
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE kiosks SET link_hash = $1 WHERE id = $2 AND revoked_at IS NULL`, hash, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
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
// buurtloket.KioskStore. One UPDATE finds and spends the link: of two uses
// at once, the second waits for the first and then finds it spent.
func (db *DB) PairKiosk(ctx context.Context, linkToken string) (*buurtloket.Kiosk, string, error) {
	notFound := buurtloket.Errorf(buurtloket.ENOTFOUND, "this pairing link does not work (any more): it was used, replaced by a new one, or the kiosk was revoked")
	if buurtloket.CheckKioskToken(linkToken) != nil {
		return nil, "", notFound
	}
	device, deviceHash := buurtloket.NewKioskToken()
	var k *buurtloket.Kiosk
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		now := db.now().UTC().Truncate(time.Millisecond)
		k, err = scanKiosk(tx.QueryRow(ctx, `UPDATE kiosks SET link_hash = NULL, device_hash = $2, paired_at = $3
			WHERE link_hash = $1 AND revoked_at IS NULL RETURNING `+kioskColumns, buurtloket.HashKioskToken(linkToken), deviceHash, now))
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound
		} else if err != nil {
			return err
		}
		return audit(ctx, tx, 0, "kiosk", "kiosk paired", fmt.Sprintf("kiosk %d", k.ID), now)
	})
	if err != nil {
		return nil, "", err
	}
	return k, device, nil
}

const kioskColumns = `id, name, wijk, created_at, revoked_at, seen_at, paired_at, link_hash IS NOT NULL`

func scanKiosk(row pgx.Row) (*buurtloket.Kiosk, error) {
	var k buurtloket.Kiosk
	var revoked, seen, paired *time.Time
	if err := row.Scan(&k.ID, &k.Name, &k.Wijk, &k.CreatedAt, &revoked, &seen, &paired, &k.LinkOpen); err != nil {
		return nil, err
	}
	k.CreatedAt = k.CreatedAt.UTC()
	for _, t := range []struct {
		from *time.Time
		to   *time.Time
	}{{revoked, &k.RevokedAt}, {seen, &k.SeenAt}, {paired, &k.PairedAt}} {
		if t.from != nil {
			*t.to = t.from.UTC()
		}
	}
	return &k, nil
}

// KioskByToken finds a kiosk in use by its device token.
func (db *DB) KioskByToken(ctx context.Context, token string) (*buurtloket.Kiosk, error) {
	if err := buurtloket.CheckKioskToken(token); err != nil {
		return nil, err
	}
	k, err := scanKiosk(db.pool.QueryRow(ctx, `SELECT `+kioskColumns+` FROM kiosks WHERE device_hash = $1 AND revoked_at IS NULL`,
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

// RevokeKiosk stops a kiosk from being used; its link and device token
// are forgotten.
func (db *DB) RevokeKiosk(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		now := db.now()
		tag, err := tx.Exec(ctx, `UPDATE kiosks SET revoked_at = $1, link_hash = NULL, device_hash = NULL WHERE id = $2 AND revoked_at IS NULL`, now, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no kiosk %d in use", id)
		}
		return audit(ctx, tx, 0, "admin", "kiosk revoked", fmt.Sprintf("kiosk %d", id), now)
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
