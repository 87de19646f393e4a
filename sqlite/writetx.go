package sqlite

import (
	"context"
	"database/sql"
)

// writeTx is the transaction a write runs in: the methods of *sql.Tx that
// writes use, with statements prepared once on the write connection.
// database/sql prepares a statement anew for every call on a transaction,
// and parsing SQL was the writer's largest cost: a third of its time, and
// more for the longer statements that number a request's audit entries.
type writeTx struct {
	tx    *sql.Tx
	stmts *statements
}

func (t *writeTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmts.get(query); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *writeTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmts.get(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

func (t *writeTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmts.get(query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

// maxStatements bounds the prepared statements; the writes use a few dozen.
const maxStatements = 256

// statements are the write connection's prepared statements. Only the
// writer goroutine uses them: a statement first seen inside a transaction
// runs unprepared and is prepared after the batch, when the one write
// connection is free again.
type statements struct {
	prepared map[string]*sql.Stmt
	wanted   map[string]bool
}

func (s *statements) get(query string) *sql.Stmt {
	if st, ok := s.prepared[query]; ok {
		return st
	}
	if len(s.prepared)+len(s.wanted) < maxStatements {
		s.wanted[query] = true
	}
	return nil
}

// prepare prepares the statements asked for since the last batch. One that
// does not prepare is left to run unprepared (its error shows there).
func (s *statements) prepare(write *sql.DB) {
	for query := range s.wanted {
		if st, err := write.Prepare(query); err == nil {
			s.prepared[query] = st
		}
		delete(s.wanted, query)
	}
}

func (s *statements) close() {
	for _, st := range s.prepared {
		st.Close()
	}
}
