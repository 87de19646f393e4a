package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"buurtloket"
)

func updateIDs(c buurtloket.BotClaim) []int64 {
	var ids []int64
	for _, u := range c.Updates {
		ids = append(ids, u.ID)
	}
	return ids
}

// testBotUpdates: an update is kept once; a chat is held by one claim at
// a time, which gets its updates in order and stores the state with each
// handled one; a lease that ran out may be taken, and its old holder can
// then write nothing; release says whether updates came meanwhile.
func testBotUpdates(t *testing.T, s Store, clock *Clock) {
	c := ctx(t)
	for _, id := range []int64{12, 10, 11} {
		if added, _, err := s.AddBotUpdate(c, id, "chat-a", []byte(fmt.Sprintf(`{"update_id":%d}`, id)), 0); err != nil || !added {
			t.Fatalf("update %d: %v %v", id, added, err)
		}
	}
	if added, _, err := s.AddBotUpdate(c, 11, "chat-a", []byte(`{"update_id":11}`), time.Minute); err != nil || added {
		t.Fatalf("a repeated update: %v %v, want kept once", added, err)
	}
	for _, bad := range []struct {
		chat    string
		payload []byte
	}{{"", []byte("{}")}, {"chat-a", nil}, {"chat-a", make([]byte, buurtloket.MaxBotUpdate+1)}, {strings.Repeat("x", 65), []byte("{}")}} {
		if _, _, err := s.AddBotUpdate(c, 99, bad.chat, bad.payload, 0); code(err) != buurtloket.EINVALID {
			t.Errorf("update for %q with %d bytes: %v", bad.chat, len(bad.payload), err)
		}
	}
	claim, err := s.ClaimBotChat(c, "chat-a", time.Minute, 2)
	if err != nil || claim.Token == "" || claim.State != nil || !slices.Equal(updateIDs(claim), []int64{10, 11}) ||
		string(claim.Updates[0].Payload) != `{"update_id":10}` {
		t.Fatalf("claim: %v %+v", err, claim)
	}
	if other, err := s.ClaimBotChat(c, "chat-a", time.Minute, 10); err != nil || other.Token != "" || other.Updates != nil {
		t.Fatalf("a second claim while the first holds: %v %+v", err, other)
	}
	if err := s.BotUpdateHandled(c, "chat-a", "not-the-token", 10, []byte(`{"x":1}`), time.Minute); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("handled without the lease: %v", err)
	}
	if err := s.BotUpdateHandled(c, "chat-a", claim.Token, 10, []byte(`{"step":1}`), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.BotUpdateHandled(c, "chat-a", claim.Token, 11, nil, time.Minute); err != nil { // the state stays
		t.Fatal(err)
	}
	if waiting, err := s.ReleaseBotChat(c, "chat-a", claim.Token, time.Time{}); err != nil || !waiting {
		t.Fatalf("release with update 12 waiting: %v %v", waiting, err)
	}
	if list, err := s.BotChatsWaiting(c, 10); err != nil || !slices.Equal(list, []string{"chat-a"}) {
		t.Fatalf("chats waiting: %v %v", list, err)
	}
	claim, err = s.ClaimBotChat(c, "chat-a", time.Minute, 10)
	if err != nil || string(claim.State) != `{"step":1}` || !slices.Equal(updateIDs(claim), []int64{12}) {
		t.Fatalf("the second claim: %v %+v", err, claim)
	}
	if list, _ := s.BotChatsWaiting(c, 10); len(list) != 0 {
		t.Fatalf("a held chat is waiting: %v", list)
	}
	// The holder died: its lease runs out, another takes the chat, and the
	// old holder can write nothing.
	clock.Add(2 * time.Minute)
	if list, _ := s.BotChatsWaiting(c, 10); !slices.Equal(list, []string{"chat-a"}) {
		t.Fatalf("a chat whose lease ran out is not waiting: %v", list)
	}
	taken, err := s.ClaimBotChat(c, "chat-a", time.Minute, 10)
	if err != nil || taken.Token == "" || taken.Token == claim.Token || !slices.Equal(updateIDs(taken), []int64{12}) {
		t.Fatalf("taking a lease that ran out: %v %+v", err, taken)
	}
	if err := s.BotUpdateHandled(c, "chat-a", claim.Token, 12, []byte(`{"old":true}`), time.Minute); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("the old holder wrote: %v", err)
	}
	if err := s.SaveBotChat(c, "chat-a", taken.Token, []byte(`{"step":2}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.BotUpdateHandled(c, "chat-a", taken.Token, 12, nil, time.Minute); err != nil {
		t.Fatal(err)
	}
	if waiting, err := s.ReleaseBotChat(c, "chat-a", taken.Token, time.Time{}); err != nil || waiting {
		t.Fatalf("release with nothing waiting: %v %v", waiting, err)
	}
	if _, err := s.ReleaseBotChat(c, "chat-a", taken.Token, time.Time{}); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("released twice: %v", err)
	}
	again, _ := s.ClaimBotChat(c, "chat-a", time.Minute, 10)
	if string(again.State) != `{"step":2}` || len(again.Updates) != 0 {
		t.Fatalf("after handling: %+v", again)
	}
	if err := s.SaveBotChat(c, "chat-a", again.Token, make([]byte, buurtloket.MaxBotState+1)); code(err) != buurtloket.ETOOLARGE {
		t.Fatalf("a state too large: %v", err)
	}
	s.ReleaseBotChat(c, "chat-a", again.Token, time.Time{})

	// Handling renews the lease: a chat handled for longer than its first
	// lease stays its holder's.
	s.AddBotUpdate(c, 14, "chat-r", []byte(`{}`), 0)
	s.AddBotUpdate(c, 15, "chat-r", []byte(`{}`), 0)
	long, _ := s.ClaimBotChat(c, "chat-r", time.Minute, 10)
	clock.Add(50 * time.Second)
	if err := s.BotUpdateHandled(c, "chat-r", long.Token, 14, nil, time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.Add(50 * time.Second) // 100 s after the claim, 50 after the renewal
	if other, _ := s.ClaimBotChat(c, "chat-r", time.Minute, 10); other.Token != "" {
		t.Fatal("a renewed lease was taken")
	}
	if err := s.BotUpdateHandled(c, "chat-r", long.Token, 15, nil, time.Minute); err != nil {
		t.Fatalf("the renewed holder: %v", err)
	}
	// Given back with a hold (Telegram asked to wait): nobody takes it,
	// and it is not waiting, until then.
	s.AddBotUpdate(c, 16, "chat-r", []byte(`{}`), 0)
	if waiting, err := s.ReleaseBotChat(c, "chat-r", long.Token, clock.Now().Add(30*time.Second)); err != nil || !waiting {
		t.Fatalf("release with a hold: %v %v", waiting, err)
	}
	if held, _ := s.ClaimBotChat(c, "chat-r", time.Minute, 10); held.Token != "" {
		t.Fatal("a held chat was taken")
	}
	if list, _ := s.BotChatsWaiting(c, 10); slices.Contains(list, "chat-r") {
		t.Fatalf("a held chat is waiting: %v", list)
	}
	clock.Add(31 * time.Second)
	if after, _ := s.ClaimBotChat(c, "chat-r", time.Minute, 10); after.Token == "" || !slices.Equal(updateIDs(after), []int64{16}) {
		t.Fatalf("after the hold: %+v", after)
	}

	// Kept and taken in one write: the claim holds the update; a chat
	// held elsewhere is only kept for.
	added, first, err := s.AddBotUpdate(c, 30, "chat-d", []byte(`{"u":30}`), time.Minute)
	if err != nil || !added || first.Token == "" || !slices.Equal(updateIDs(first), []int64{30}) {
		t.Fatalf("kept and taken: %v %v %+v", added, err, first)
	}
	added, second, err := s.AddBotUpdate(c, 31, "chat-d", []byte(`{"u":31}`), time.Minute)
	if err != nil || !added || second.Token != "" {
		t.Fatalf("kept while held: %v %v %+v", added, err, second)
	}
	// The last update of a claim handled, with what came meanwhile taken
	// under the same lease (update 31), in one write.
	next, err := s.BotUpdateDone(c, "chat-d", first.Token, 30, []byte(`{"d":1}`), time.Minute)
	if err != nil || next.Token != first.Token || string(next.State) != `{"d":1}` || !slices.Equal(updateIDs(next), []int64{31}) {
		t.Fatalf("done with 31 waiting: %v %+v", err, next)
	}
	if other, _ := s.ClaimBotChat(c, "chat-d", time.Minute, 10); other.Token != "" {
		t.Fatal("the chat was free between one claim and the next")
	}
	// Nothing waiting: the chat is given back.
	last, err := s.BotUpdateDone(c, "chat-d", next.Token, 31, nil, time.Minute)
	if err != nil || last.Token != "" || last.Updates != nil {
		t.Fatalf("done with nothing waiting: %v %+v", err, last)
	}
	if _, err := s.BotUpdateDone(c, "chat-d", next.Token, 31, nil, time.Minute); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("done after giving back: %v", err)
	}
	if again, _ := s.ClaimBotChat(c, "chat-d", time.Minute, 10); string(again.State) != `{"d":1}` || len(again.Updates) != 0 {
		t.Fatalf("after done: %+v", again)
	} else {
		s.ReleaseBotChat(c, "chat-d", again.Token, time.Time{})
	}

	// Forgotten: nothing of the chat is left.
	s.AddBotUpdate(c, 13, "chat-a", []byte(`{}`), 0)
	if err := s.ForgetBotChat(c, "chat-a"); err != nil {
		t.Fatal(err)
	}
	if fresh, _ := s.ClaimBotChat(c, "chat-a", time.Minute, 10); fresh.State != nil || len(fresh.Updates) != 0 {
		t.Fatalf("after forgetting: %+v", fresh)
	}

	// Housekeeping: handled updates go after a while, idle chats later.
	s.AddBotUpdate(c, 20, "chat-b", []byte(`{}`), 0)
	b, _ := s.ClaimBotChat(c, "chat-b", time.Minute, 10)
	s.BotUpdateHandled(c, "chat-b", b.Token, 20, []byte(`{}`), time.Minute)
	s.ReleaseBotChat(c, "chat-b", b.Token, time.Time{})
	s.AddBotUpdate(c, 21, "chat-c", []byte(`{}`), 0) // waiting: never purged
	clock.Add(time.Hour)
	if u, ch, err := s.PurgeBot(c, clock.Now().Add(-2*time.Hour), clock.Now().Add(-2*time.Hour)); err != nil || u != 0 || ch != 0 {
		t.Fatalf("purged too early: %d %d %v", u, ch, err)
	}
	// chat-a (forgotten, claimed again), chat-b and chat-d go; chat-r waits (16).
	if u, ch, err := s.PurgeBot(c, clock.Now(), clock.Now()); err != nil || u != 5 || ch != 3 {
		t.Fatalf("purged %d updates and %d chats (%v), want 5 and 3", u, ch, err)
	}
	// Oldest waiting first; chat-r's lease ran out long ago.
	if list, _ := s.BotChatsWaiting(c, 10); !slices.Equal(list, []string{"chat-r", "chat-c"}) {
		t.Fatalf("a waiting update was purged: %v", list)
	}
}

// testBotClaimsAtOnce: of many claims on one chat at the same moment, one
// gets it.
func testBotClaimsAtOnce(t *testing.T, s Store, clock *Clock) {
	if _, _, err := s.AddBotUpdate(ctx(t), 1, "busy", []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	won := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			claim, err := s.ClaimBotChat(context.Background(), "busy", time.Minute, 10)
			if err != nil {
				t.Error(err)
				return
			}
			if claim.Token != "" {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d claims won one chat, want 1", won)
	}
}
