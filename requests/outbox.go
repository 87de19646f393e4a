package requests

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"buurtloket"
)

// ClaimDeliveries takes due outbox entries for a while; entries another
// process is claiming at the same moment are skipped, not waited for
// (Dialect.SkipLocked). See buurtloket.ThreadStore.
func (s *Store) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]*buurtloket.Delivery, error) {
	if limit <= 0 || limit > 1000 {
		return nil, buurtloket.Errorf(buurtloket.EINVALID, "claim between 1 and 1000 deliveries")
	}
	var out []*buurtloket.Delivery
	err := s.db.Write(ctx, func(tx Querier) error {
		out = out[:0]
		now := s.now()
		rows, err := tx.Query(ctx, s.sql.claim, s.t(now), limit)
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
				route, err := buurtloket.OpenRoute(s.sealer, sealed, d.Ticket)
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
		_, err = tx.Exec(ctx, s.sql.lease, s.t(now.Add(lease)), s.d.IDs(ids))
		return err
	})
	return out, err
}

// outboxMessage locks an outbox entry and returns its message and request.
func (s *Store) outboxMessage(ctx context.Context, tx Querier, outboxID int64) (messageID, requestID int64, err error) {
	err = tx.QueryRow(ctx, s.sql.outboxMessage, outboxID).Scan(&messageID, &requestID)
	if errors.Is(err, sql.ErrNoRows) {
		err = buurtloket.Errorf(buurtloket.ENOTFOUND, "no such delivery (already done, shown on the resident's page, or the request was purged)")
	}
	return messageID, requestID, err
}

// deliveryChanged tells the listeners that a reply of request id moved on
// its way; after the write committed. byStaff: the delivery worker moved
// it, not the resident's open page.
func (s *Store) deliveryChanged(ctx context.Context, id int64, byStaff bool) {
	var anonymous bool
	if err := s.read.QueryRow(ctx, `SELECT anonymous FROM requests WHERE id = $1`, id).Scan(&anonymous); err != nil {
		return // purged meanwhile: nobody needs to hear of it
	}
	s.notify(ctx, buurtloket.ChangeDelivery, id, anonymous, byStaff)
}

// DeliveryDone records how a message's way ended and clears its outbox
// entry.
func (s *Store) DeliveryDone(ctx context.Context, outboxID int64, state buurtloket.DeliveryState) error {
	switch state {
	case buurtloket.DeliverySent, buurtloket.DeliveryHeld, buurtloket.DeliveryUndeliverable:
	default:
		return buurtloket.Errorf(buurtloket.EINVALID, "a delivery ends sent, held or undeliverable, not %q", state)
	}
	var requestID int64
	err := s.db.Write(ctx, func(tx Querier) error {
		messageID, id, err := s.outboxMessage(ctx, tx, outboxID)
		if err != nil {
			return err
		}
		requestID = id
		if _, err := tx.Exec(ctx, `UPDATE messages SET delivery = $1, attempts = attempts + 1, last_error = '' WHERE id = $2`, state, messageID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM outbox WHERE id = $1`, outboxID)
		return err
	})
	if err == nil {
		s.deliveryChanged(ctx, requestID, true)
	}
	return err
}

// DeliveryFailed records a failed try and when to try again.
func (s *Store) DeliveryFailed(ctx context.Context, outboxID int64, reason string, retryAt time.Time) error {
	reason = buurtloket.DeliveryReason(reason)
	if retryAt.IsZero() {
		return buurtloket.Errorf(buurtloket.EINVALID, "a failed delivery needs the time to try again")
	}
	var requestID int64
	err := s.db.Write(ctx, func(tx Querier) error {
		messageID, id, err := s.outboxMessage(ctx, tx, outboxID)
		if err != nil {
			return err
		}
		requestID = id
		if _, err := tx.Exec(ctx, `UPDATE messages SET delivery = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3`,
			buurtloket.DeliveryRetrying, reason, messageID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE outbox SET due_at = $1, attempts = attempts + 1 WHERE id = $2`, s.t(retryAt), outboxID)
		return err
	})
	if err == nil {
		s.deliveryChanged(ctx, requestID, true)
	}
	return err
}

// ShownToResident records staff messages sent to the resident's follow-up
// page; see buurtloket.ThreadStore.
func (s *Store) ShownToResident(ctx context.Context, id int64, messageIDs []int64) (int, error) {
	if len(messageIDs) == 0 {
		return 0, nil
	}
	if len(messageIDs) > buurtloket.MaxThreadPage {
		return 0, buurtloket.Errorf(buurtloket.EINVALID, "at most %d messages at once", buurtloket.MaxThreadPage)
	}
	n := 0
	err := s.db.Write(ctx, func(tx Querier) error {
		locked, err := tx.Query(ctx, s.sql.shownLock, id, s.d.IDs(messageIDs))
		if err != nil {
			return err
		}
		for locked.Next() {
		}
		locked.Close()
		if err := locked.Err(); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, s.sql.shown, id, s.d.IDs(messageIDs))
		if err != nil {
			return err
		}
		var marked []int64
		for rows.Next() {
			var m int64
			if err := rows.Scan(&m); err != nil {
				rows.Close()
				return err
			}
			marked = append(marked, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(marked) == 0 {
			return err
		}
		n = len(marked)
		_, err = tx.Exec(ctx, s.sql.shownOutbox, id, s.d.IDs(marked))
		return err
	})
	if err == nil && n > 0 {
		s.deliveryChanged(ctx, id, false)
	}
	return n, err
}

// Purge removes closed requests past their retention, keeping a count per
// month, topic and neighbourhood; see buurtloket.PurgeStore.
func (s *Store) Purge(ctx context.Context, r buurtloket.Retention, dryRun bool) (buurtloket.PurgeReport, error) {
	var report buurtloket.PurgeReport
	err := s.db.Write(ctx, func(tx Querier) error {
		report = buurtloket.PurgeReport{Requests: map[buurtloket.Topic]int{}}
		now := s.now()
		for _, topic := range buurtloket.Topics {
			cutoff := s.t(now.Add(-r.For(topic)))
			// The rows are locked (Dialect.Lock) before they are counted:
			// of two purges at once (every instance runs one), the second
			// waits, then finds them gone, and nothing is counted twice.
			rows, err := tx.Query(ctx, s.sql.purgeable, topic, cutoff)
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				n++
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			report.Requests[topic] = n
			if dryRun {
				continue
			}
			if _, err := tx.Exec(ctx, s.sql.stats, topic, cutoff); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM requests WHERE status = 'closed' AND topic = $1 AND updated_at <= $2`, topic, cutoff); err != nil {
				return err
			}
		}
		dayAgo := s.t(now.Add(-24 * time.Hour))
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
		return s.audit(ctx, tx, 0, held{}, now, "system", "purge", report.Summary())
	})
	return report, err
}

// ForgetRoute removes the way back to a resident; see buurtloket.ThreadStore.
func (s *Store) ForgetRoute(ctx context.Context, id int64, route string) error {
	return s.db.Write(ctx, func(tx Querier) error {
		var sealed []byte
		var ticket string
		err := tx.QueryRow(ctx, `SELECT r.sealed, q.ticket FROM routes r JOIN requests q ON q.id = r.request_id WHERE r.request_id = $1`, id).Scan(&sealed, &ticket)
		if errors.Is(err, sql.ErrNoRows) {
			return buurtloket.Errorf(buurtloket.ENOTFOUND, "no way back on this request")
		} else if err != nil {
			return err
		}
		if have, err := buurtloket.OpenRoute(s.sealer, sealed, ticket); err != nil || have != route {
			return buurtloket.Errorf(buurtloket.ENOTFOUND, "no such way back on this request")
		}
		_, err = tx.Exec(ctx, `DELETE FROM routes WHERE request_id = $1`, id)
		return err
	})
}
