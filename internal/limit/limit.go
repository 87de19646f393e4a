// Package limit keeps token buckets per key (a client address, a kiosk, a
// ticket) in memory, for limits that protect the service from floods. It
// is a process's own memory: limits that must hold across instances (wrong
// PINs per ticket) are counted in the store instead.
package limit

import (
	"sync"
	"time"
)

// Keyed is a token bucket per key: each key may spend Burst at once, and
// gets one more every Every. A key whose bucket is full again is forgotten,
// so memory follows the keys active in the last Burst×Every, and at most
// MaxKeys are kept: past that, new keys are refused (fail closed) until
// old ones are forgotten.
type Keyed struct {
	Burst   int
	Every   time.Duration
	MaxKeys int // 0: 100,000

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Allow spends one token of key at now. When none is left it returns false
// and when the next one comes. Spend first, and give the token back with
// Refund when it turns out to cost nothing: tries that run at once then
// cannot all pass on the same last token.
func (k *Keyed) Allow(key string, now time.Time) (bool, time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.buckets == nil {
		k.buckets = map[string]*bucket{}
	}
	if now.Sub(k.swept) > k.Every || len(k.buckets) >= k.maxKeys() {
		k.sweep(now)
	}
	b := k.buckets[key]
	if b == nil {
		if len(k.buckets) >= k.maxKeys() {
			return false, now.Add(k.Every)
		}
		b = &bucket{tokens: float64(k.Burst), at: now}
		k.buckets[key] = b
	}
	k.refill(b, now)
	if b.tokens < 1 {
		return false, now.Add(time.Duration((1 - b.tokens) * float64(k.Every)))
	}
	b.tokens--
	return true, time.Time{}
}

// Refund gives back a token that Allow spent.
func (k *Keyed) Refund(key string, now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if b := k.buckets[key]; b != nil {
		k.refill(b, now)
		b.tokens = min(float64(k.Burst), b.tokens+1)
	}
}

// size is how many keys are kept now.
func (k *Keyed) size() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}

func (k *Keyed) refill(b *bucket, now time.Time) {
	if now.After(b.at) {
		b.tokens = min(float64(k.Burst), b.tokens+float64(now.Sub(b.at))/float64(k.Every))
		b.at = now
	}
}

// sweep forgets the keys whose bucket is full again: they are as if new.
func (k *Keyed) sweep(now time.Time) {
	k.swept = now
	for key, b := range k.buckets {
		k.refill(b, now)
		if b.tokens >= float64(k.Burst) {
			delete(k.buckets, key)
		}
	}
}

func (k *Keyed) maxKeys() int {
	if k.MaxKeys > 0 {
		return k.MaxKeys
	}
	return 100_000
}
