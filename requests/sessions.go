package requests

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"buurtloket"
)

// MaxSessionBytes bounds a stored dialog session.
const MaxSessionBytes = 256 << 10

// SaveSession stores a dialog session, sealed, until expires.
func (s *Store) SaveSession(ctx context.Context, id string, data []byte, expires time.Time) error {
	if err := buurtloket.CheckSessionID(id); err != nil {
		return err
	}
	if expires.IsZero() {
		return buurtloket.Errorf(buurtloket.EINVALID, "a session needs the time it expires")
	}
	if len(data) > MaxSessionBytes {
		return buurtloket.Errorf(buurtloket.ETOOLARGE, "a session may be at most %d bytes", MaxSessionBytes)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`, id, s.sealer.SealSession(id, data), s.t(expires))
	return err
}

// LoadSession returns a stored session that has not expired.
func (s *Store) LoadSession(ctx context.Context, id string) ([]byte, error) {
	if err := buurtloket.CheckSessionID(id); err != nil {
		return nil, err
	}
	var data []byte
	err := s.read.QueryRow(ctx, `SELECT data FROM sessions WHERE id = $1 AND expires_at > $2`, id, s.t(s.now())).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, buurtloket.Errorf(buurtloket.ENOTFOUND, "no such session")
	} else if err != nil {
		return nil, err
	}
	return s.sealer.OpenSession(id, data)
}

// DeleteSession forgets a session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if err := buurtloket.CheckSessionID(id); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	return err
}

// PurgeSessions deletes expired sessions and says how many.
func (s *Store) PurgeSessions(ctx context.Context) (int, error) {
	now := s.now()
	n, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, s.t(now))
	if err != nil {
		return int(n), err
	}
	// Staff sessions that have ended, and login failures that no longer
	// count and lock nothing: what every address and e-mail tried would
	// otherwise stay for good.
	staff, err := s.db.Exec(ctx, `DELETE FROM staff_sessions WHERE seen_at <= $1 OR created_at <= $2`,
		s.t(now.Add(-buurtloket.StaffIdleTimeout)), s.t(now.Add(-buurtloket.StaffSessionLife)))
	if err != nil {
		return int(n + staff), err
	}
	throttles, err := s.db.Exec(ctx, `DELETE FROM login_throttle WHERE (locked_until IS NULL OR locked_until <= $1) AND (since IS NULL OR since <= $2)`,
		s.t(now), s.t(now.Add(-buurtloket.LoginWindow)))
	return int(n + staff + throttles), err
}
