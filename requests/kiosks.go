package requests

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"buurtloket"
)

// AddKiosk registers a kiosk and returns its pairing link's token (shown once).
func (s *Store) AddKiosk(ctx context.Context, name, wijk string) (*buurtloket.Kiosk, string, error) {
	name, wijk, err := buurtloket.CheckKiosk(name, wijk)
	if err != nil {
		return nil, "", err
	}
	token, hash := buurtloket.NewKioskToken()
	now := s.now()
	k := &buurtloket.Kiosk{Name: name, Wijk: wijk, CreatedAt: now, LinkOpen: true}
	err = s.db.Write(ctx, func(tx Querier) error {
		if err := tx.QueryRow(ctx, `INSERT INTO kiosks (name, wijk, link_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			name, wijk, hash, s.t(now)).Scan(&k.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, 0, held{}, now, "admin", "kiosk added", name)
	})
	if err != nil {
		return nil, "", err
	}
	return k, token, nil
}

// NewKioskLink issues a new pairing link; see buurtloket.KioskStore.
func (s *Store) NewKioskLink(ctx context.Context, id int64) (string, error) {
	token, hash := buurtloket.NewKioskToken()
	err := s.db.Write(ctx, func(tx Querier) error {
		n, err := tx.Exec(ctx, `UPDATE kiosks SET link_hash = $1 WHERE id = $2 AND revoked_at IS NULL`, hash, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return noKiosk(id)
		}
		return s.audit(ctx, tx, 0, held{}, s.now(), "admin", "kiosk link issued", fmt.Sprintf("kiosk %d", id))
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

func noKiosk(id int64) error {
	return buurtloket.Errorf(buurtloket.ENOTFOUND, "there is no kiosk %d in use", id)
}

// PairKiosk spends a pairing link for a new device token; see
// buurtloket.KioskStore. One UPDATE finds and spends the link: of two uses
// at once, the second waits for the first and then finds it spent.
func (s *Store) PairKiosk(ctx context.Context, linkToken string) (*buurtloket.Kiosk, string, error) {
	notFound := buurtloket.Errorf(buurtloket.ENOTFOUND, "this pairing link does not work (any more): it was used, replaced by a new one, or the kiosk was revoked")
	if buurtloket.CheckKioskToken(linkToken) != nil {
		return nil, "", notFound
	}
	device, deviceHash := buurtloket.NewKioskToken()
	var k *buurtloket.Kiosk
	err := s.db.Write(ctx, func(tx Querier) error {
		var err error
		now := s.now()
		k, err = s.scanKiosk(tx.QueryRow(ctx, `UPDATE kiosks SET link_hash = NULL, device_hash = $2, paired_at = $3
			WHERE link_hash = $1 AND revoked_at IS NULL RETURNING `+kioskColumns, buurtloket.HashKioskToken(linkToken), deviceHash, s.t(now)))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound
		} else if err != nil {
			return err
		}
		return s.audit(ctx, tx, 0, held{}, now, "kiosk", "kiosk paired", fmt.Sprintf("kiosk %d", k.ID))
	})
	if err != nil {
		return nil, "", err
	}
	return k, device, nil
}

const kioskColumns = `id, name, wijk, created_at, revoked_at, seen_at, paired_at, link_hash IS NOT NULL`

func (s *Store) scanKiosk(row Row) (*buurtloket.Kiosk, error) {
	var k buurtloket.Kiosk
	if err := row.Scan(&k.ID, &k.Name, &k.Wijk, s.st(&k.CreatedAt), s.st(&k.RevokedAt), s.st(&k.SeenAt), s.st(&k.PairedAt), &k.LinkOpen); err != nil {
		return nil, err
	}
	return &k, nil
}

// KioskByToken finds a kiosk in use by its device token.
func (s *Store) KioskByToken(ctx context.Context, token string) (*buurtloket.Kiosk, error) {
	if err := buurtloket.CheckKioskToken(token); err != nil {
		return nil, err
	}
	k, err := s.scanKiosk(s.read.QueryRow(ctx, `SELECT `+kioskColumns+` FROM kiosks WHERE device_hash = $1 AND revoked_at IS NULL`,
		buurtloket.HashKioskToken(token)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "this kiosk is not paired")
	}
	return k, err
}

// Kiosks lists every registered kiosk, revoked ones too.
func (s *Store) Kiosks(ctx context.Context) ([]*buurtloket.Kiosk, error) {
	rows, err := s.read.Query(ctx, `SELECT `+kioskColumns+` FROM kiosks ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return collect(rows, s.scanKiosk)
}

// RevokeKiosk stops a kiosk from being used; its link and device token
// are forgotten.
func (s *Store) RevokeKiosk(ctx context.Context, id int64) error {
	return s.db.Write(ctx, func(tx Querier) error {
		now := s.now()
		n, err := tx.Exec(ctx, `UPDATE kiosks SET revoked_at = $1, link_hash = NULL, device_hash = NULL WHERE id = $2 AND revoked_at IS NULL`, s.t(now), id)
		if err != nil {
			return err
		}
		if n == 0 {
			return noKiosk(id)
		}
		return s.audit(ctx, tx, 0, held{}, now, "admin", "kiosk revoked", fmt.Sprintf("kiosk %d", id))
	})
}

// KioskSeen records that a kiosk's page is connected now. It is not
// audited: it happens every minute.
func (s *Store) KioskSeen(ctx context.Context, id int64) error {
	n, err := s.db.Exec(ctx, `UPDATE kiosks SET seen_at = $1 WHERE id = $2 AND revoked_at IS NULL`, s.t(s.now()), id)
	if err != nil {
		return err
	}
	if n == 0 {
		return noKiosk(id)
	}
	return nil
}
