package postgres

import (
	"context"
	"errors"
	"time"

	"buurtloket"

	"github.com/jackc/pgx/v5"
)

// ClaimDeliveries takes due outbox entries for a while; entries another
// process is claiming at the same moment are skipped, not waited for.
func (db *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*buurtloket.Delivery, error) {
	if limit <= 0 || limit > 1000 {
		return nil, buurtloket.Errorf(buurtloket.EINVALID, "claim between 1 and 1000 deliveries")
	}
	var out []*buurtloket.Delivery
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		out = out[:0]
		now := db.now()
		rows, err := tx.Query(ctx, `SELECT o.id, o.request_id, o.message_id, o.attempts, q.ticket, q.channel, q.lang, m.body, r.sealed
			FROM outbox o JOIN requests q ON q.id = o.request_id JOIN messages m ON m.id = o.message_id
			LEFT JOIN routes r ON r.request_id = o.request_id
			WHERE o.due_at <= $1 ORDER BY o.due_at, o.id LIMIT $2 FOR UPDATE OF o SKIP LOCKED`, now, limit)
		if err != nil {
			return err
		}
		var ids []int64
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
		_, err = tx.Exec(ctx, `UPDATE outbox SET due_at = $1 WHERE id = ANY($2)`, now.Add(lease), ids)
		return err
	})
	return out, err
}

func outboxMessage(ctx context.Context, tx pgx.Tx, outboxID int64) (int64, error) {
	var messageID int64
	err := tx.QueryRow(ctx, `SELECT message_id FROM outbox WHERE id = $1 FOR UPDATE`, outboxID).Scan(&messageID)
	if errors.Is(err, pgx.ErrNoRows) {
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
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		messageID, err := outboxMessage(ctx, tx, outboxID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE messages SET delivery = $1, attempts = attempts + 1, last_error = '' WHERE id = $2`, state, messageID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM outbox WHERE id = $1`, outboxID)
		return err
	})
}

// DeliveryFailed records a failed try and when to try again.
func (db *DB) DeliveryFailed(ctx context.Context, outboxID int64, reason string, retryAt time.Time) error {
	reason = buurtloket.DeliveryReason(reason)
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		messageID, err := outboxMessage(ctx, tx, outboxID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE messages SET delivery = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3`,
			buurtloket.DeliveryRetrying, reason, messageID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE outbox SET due_at = $1, attempts = attempts + 1 WHERE id = $2`, retryAt, outboxID)
		return err
	})
}

// Purge removes closed requests past their retention, keeping a count per
// month, topic and neighbourhood; see buurtloket.PurgeStore.
func (db *DB) Purge(ctx context.Context, r buurtloket.Retention, dryRun bool) (buurtloket.PurgeReport, error) {
	report := buurtloket.PurgeReport{Requests: map[buurtloket.Topic]int{}}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		now := db.now()
		for _, topic := range buurtloket.Topics {
			cutoff := now.Add(-r.For(topic))
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM requests WHERE status = 'closed' AND topic = $1 AND updated_at <= $2`, topic, cutoff).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			report.Requests[topic] = n
			if dryRun {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO request_stats (month, topic, wijk, count)
				SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM'), topic, wijk, count(*) FROM requests
				WHERE status = 'closed' AND topic = $1 AND updated_at <= $2 GROUP BY 1, 2, 3
				ON CONFLICT (month, topic, wijk) DO UPDATE SET count = request_stats.count + excluded.count`, topic, cutoff); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM requests WHERE status = 'closed' AND topic = $1 AND updated_at <= $2`, topic, cutoff); err != nil {
				return err
			}
		}
		dayAgo := now.Add(-24 * time.Hour)
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM requests WHERE pin_sealed IS NOT NULL AND created_at <= $1`, dayAgo).Scan(&report.PINs); err != nil {
			return err
		}
		if dryRun {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE requests SET pin_sealed = NULL WHERE pin_sealed IS NOT NULL AND created_at <= $1`, dayAgo); err != nil {
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
