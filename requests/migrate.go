package requests

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
)

// Migrate brings a database's schema up to date inside tx, one
// transaction: it applies, in the order of their names, the files
// migrations/NNN_name.sql of files that schema_migrations does not record
// yet, up to the one named until ("" for all), and records each by its
// path. The schema itself is each database's own (its migrations folder);
// this is only the bookkeeping, the same on both.
func Migrate(ctx context.Context, tx Querier, files fs.FS, until string) error {
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY)`); err != nil {
		return err
	}
	names, err := fs.Glob(files, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if until != "" && name > "migrations/"+until {
			break
		}
		var done int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, name).Scan(&done); err != nil {
			return err
		}
		if done > 0 {
			continue
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, name); err != nil {
			return err
		}
	}
	return nil
}
