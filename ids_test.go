package buurtloket

import (
	"testing"
	"time"
)

func TestNewID(t *testing.T) {
	seen := map[int64]bool{}
	high := false
	for i := 0; i < 1000; i++ {
		id := NewID()
		if id < 1 || id > MaxID || seen[id] {
			t.Fatalf("ID %d: out of [1, 2^53) or drawn twice", id)
		}
		seen[id] = true
		high = high || id > MaxID/2
	}
	if !high {
		t.Fatal("no ID in the upper half: not drawn from the whole range")
	}
}

func TestEventTime(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 17, 42, 123456789, time.FixedZone("CET", 3600))
	if got := EventTime(true, now); !got.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("anonymous: %v", got)
	}
	if got := EventTime(false, now); !got.Equal(time.Date(2026, 3, 2, 9, 17, 42, 123e6, time.UTC)) {
		t.Errorf("named: %v", got)
	}
}
