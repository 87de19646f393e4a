package buurtloket

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// MaxID bounds the IDs of requests, messages, notes and audit entries:
// below 2^53, so that they survive JSON and JavaScript numbers intact.
const MaxID = 1<<53 - 1

// NewID returns a random ID in [1, MaxID]. IDs that ran in order would
// date an anonymous request against the named ones before and after it
// (whose times are exact), so every ID a staff member sees is random; a
// store draws another on the rare clash. Order within one request is kept
// apart, in a sequence number per request.
func NewID() int64 {
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		if id := int64(binary.BigEndian.Uint64(b[:]) & MaxID); id != 0 {
			return id
		}
	}
}

// EventTime is the time a store keeps for something that happens at now to
// a request: for an anonymous request only the hour, since whatever staff
// (and exports) can see of it must not date it more precisely than that;
// for a named one the millisecond.
func EventTime(anonymous bool, now time.Time) time.Time {
	if anonymous {
		return now.UTC().Truncate(time.Hour)
	}
	return now.UTC().Truncate(time.Millisecond)
}
