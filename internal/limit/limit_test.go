package limit

import (
	"fmt"
	"testing"
	"time"
)

func TestBurstThenRate(t *testing.T) {
	k := &Keyed{Burst: 3, Every: time.Minute}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if ok, _ := k.Allow("a", now); !ok {
			t.Fatalf("try %d refused within the burst", i+1)
		}
	}
	ok, next := k.Allow("a", now)
	if ok || !next.Equal(now.Add(time.Minute)) {
		t.Fatalf("past the burst: ok %v, next %v", ok, next)
	}
	if ok, _ := k.Allow("b", now); !ok {
		t.Fatal("another key shares the bucket")
	}
	if ok, _ := k.Allow("a", now.Add(time.Minute)); !ok {
		t.Fatal("a token did not come back after Every")
	}
	if ok, _ := k.Allow("a", now.Add(time.Minute)); ok {
		t.Fatal("one token came back, two were spent")
	}
}

func TestForgetsAndBoundsKeys(t *testing.T) {
	k := &Keyed{Burst: 2, Every: time.Second, MaxKeys: 10}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for i := 0; i < 10; i++ {
		k.Allow(fmt.Sprint(i), now)
	}
	if ok, _ := k.Allow("new", now); ok {
		t.Fatal("an eleventh key was kept past MaxKeys")
	}
	later := now.Add(3 * time.Second)
	if ok, _ := k.Allow("new", later); !ok {
		t.Fatal("full buckets were not forgotten to make room")
	}
	if k.size() != 1 {
		t.Fatalf("%d keys kept, want 1", k.size())
	}
}

func TestRefund(t *testing.T) {
	k := &Keyed{Burst: 1, Every: time.Hour}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if ok, _ := k.Allow("a", now); !ok {
		t.Fatal("the first token")
	}
	if ok, _ := k.Allow("a", now); ok {
		t.Fatal("a second token within the hour")
	}
	k.Refund("a", now)
	if ok, _ := k.Allow("a", now); !ok {
		t.Fatal("a refunded token did not come back")
	}
	k.Refund("a", now)
	k.Refund("a", now)
	if ok, _ := k.Allow("a", now); !ok {
		t.Fatal("the refund")
	}
	if ok, _ := k.Allow("a", now); ok {
		t.Fatal("refunds went past the burst")
	}
}
