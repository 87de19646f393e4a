package storetest

import (
	"context"

	"buurtloket/requests"
)

// RawOf reads and writes a database's tables directly, past the store:
// reads on its read connections, each statement a write of its own.
func RawOf(db requests.DB) Raw { return raw{db} }

type raw struct{ db requests.DB }

func (r raw) QueryRow(ctx context.Context, query string, dest ...any) error {
	return r.db.Read().QueryRow(ctx, query).Scan(dest...)
}

func (r raw) Exec(ctx context.Context, query string) error {
	_, err := r.db.Exec(ctx, query)
	return err
}
