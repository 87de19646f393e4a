package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"buurtloket"
)

// ClaimDeliveries takes due outbox entries for a while; see buurtloket.ThreadStore.
func (db *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*buurtloket.Delivery, error) {
	if limit <= 0 || limit > 1000 {
		return nil, buurtloket.Errorf(buurtloket.EINVALID, "claim between 1 and 1000 deliveries")
	}
	var out []*buurtloket.Delivery
	err := db.do(ctx, func(tx *writeTx) error {
		out = out[:0]
		now := db.now()
		rows, err := tx.QueryContext(ctx, `SELECT o.id, o.request_id, o.message_id, o.attempts, q.ticket, q.channel, q.lang, m.body, r.sealed
			FROM outbox o JOIN requests q ON q.id = o.request_id JOIN messages m ON m.id = o.message_id
			LEFT JOIN routes r ON r.request_id = o.request_id
			WHERE o.due_at <= ? ORDER BY o.due_at, o.id LIMIT ?`, millis(now), limit)
		if err != nil {
			return err
		}
		var ids []any
		for rows.Next() {
			var d buurtloket.Delivery
			var sealed []byte
			if err := rows.Scan(&d.ID, &d.RequestID, &d.MessageID, &d.Attempts, &d.Ticket, &d.Channel, &d.Lang, &d.Body, &sealed); err != nil {
				rows.Close()
				return err
			}
			if sealed != nil {
				route, err := buurtloket.OpenRoute(db.sealer, sealed, d.Ticket)
				if err != nil {
					rows.Close()
					return err
				}
				d.Route = route
			}
			out = append(out, &d)
			ids = append(ids, d.ID)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
		// Unprepared: the list's length varies, and each length would take
		// a place among the prepared statements.
		_, err = tx.tx.ExecContext(ctx, `UPDATE outbox SET due_at = ? WHERE id IN (`+marks+`)`, append([]any{millis(now.Add(lease))}, ids...)...)
		return err
	})
	return out, err
}

func outboxMessage(ctx context.Context, tx *writeTx, outboxID int64) (int64, error) {
	var messageID int64
	err := tx.QueryRowContext(ctx, `SELECT message_id FROM outbox WHERE id = ?`, outboxID).Scan(&messageID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, buurtloket.Errorf(buurtloket.ENOTFOUND, "no such delivery (already done, or the request was purged)")
	}
	return messageID, err
}

// DeliveryDone records a sent (or held) message and clears its outbox entry.
func (db *DB) DeliveryDone(ctx context.Context, outboxID int64, held bool) error {
	state := buurtloket.DeliverySent
	if held {
		state = buurtloket.DeliveryHeld
	}
	return db.do(ctx, func(tx *writeTx) error {
		messageID, err := outboxMessage(ctx, tx, outboxID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET delivery = ?, attempts = attempts + 1, last_error = '' WHERE id = ?`, state, messageID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, outboxID)
		return err
	})
}

// DeliveryFailed records a failed try and when to try again.
func (db *DB) DeliveryFailed(ctx context.Context, outboxID int64, reason string, retryAt time.Time) error {
	reason = buurtloket.DeliveryReason(reason)
	return db.do(ctx, func(tx *writeTx) error {
		messageID, err := outboxMessage(ctx, tx, outboxID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET delivery = ?, attempts = attempts + 1, last_error = ? WHERE id = ?`,
			buurtloket.DeliveryRetrying, reason, messageID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox SET due_at = ?, attempts = attempts + 1 WHERE id = ?`, millis(retryAt), outboxID)
		return err
	})
}

// Purge removes closed requests past their retention, keeping a count per
// month, topic and neighbourhood; see buurtloket.PurgeStore.
func (db *DB) Purge(ctx context.Context, r buurtloket.Retention, dryRun bool) (buurtloket.PurgeReport, error) {
	report := buurtloket.PurgeReport{Requests: map[buurtloket.Topic]int{}}
	err := db.do(ctx, func(tx *writeTx) error {
		now := db.now()
		for _, topic := range buurtloket.Topics {
			cutoff := millis(now.Add(-r.For(topic)))
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM requests WHERE status = 'closed' AND topic = ? AND updated_at <= ?`, topic, cutoff).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			report.Requests[topic] = n
			if dryRun {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO request_stats (month, topic, wijk, count)
				SELECT strftime('%Y-%m', created_at / 1000, 'unixepoch'), topic, wijk, count(*) FROM requests
				WHERE status = 'closed' AND topic = ? AND updated_at <= ? GROUP BY 1, 2, 3
				ON CONFLICT (month, topic, wijk) DO UPDATE SET count = count + excluded.count`, topic, cutoff); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM requests WHERE status = 'closed' AND topic = ? AND updated_at <= ?`, topic, cutoff); err != nil {
				return err
			}
		}
		dayAgo := millis(now.Add(-24 * time.Hour))
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM requests WHERE pin_sealed IS NOT NULL AND created_at <= ?`, dayAgo).Scan(&report.PINs); err != nil {
			return err
		}
		if dryRun {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET pin_sealed = NULL WHERE pin_sealed IS NOT NULL AND created_at <= ?`, dayAgo); err != nil {
			return err
		}
		if report.Total() == 0 {
			return nil
		}
		// That a purge happened is recorded; what was purged is not.
		return audit(ctx, tx, 0, "system", "purge", report.Summary(), now)
	})
	return report, err
}
