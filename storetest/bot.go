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
		if added, err := s.AddBotUpdate(c, id, "chat-a", []byte(fmt.Sprintf(`{"update_id":%d}`, id))); err != nil || !added {
			t.Fatalf("update %d: %v %v", id, added, err)
		}
	}
	if added, err := s.AddBotUpdate(c, 11, "chat-a", []byte(`{"update_id":11}`)); err != nil || added {
		t.Fatalf("a repeated update: %v %v, want kept once", added, err)
	}
	for _, bad := range []struct {
		chat    string
		payload []byte
	}{{"", []byte("{}")}, {"chat-a", nil}, {"chat-a", make([]byte, buurtloket.MaxBotUpdate+1)}, {strings.Repeat("x", 65), []byte("{}")}} {
		if _, err := s.AddBotUpdate(c, 99, bad.chat, bad.payload); code(err) != buurtloket.EINVALID {
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
	if err := s.BotUpdateHandled(c, "chat-a", "not-the-token", 10, []byte(`{"x":1}`)); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("handled without the lease: %v", err)
	}
	if err := s.BotUpdateHandled(c, "chat-a", claim.Token, 10, []byte(`{"step":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.BotUpdateHandled(c, "chat-a", claim.Token, 11, nil); err != nil { // the state stays
		t.Fatal(err)
	}
	if waiting, err := s.ReleaseBotChat(c, "chat-a", claim.Token); err != nil || !waiting {
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
	if err := s.BotUpdateHandled(c, "chat-a", claim.Token, 12, []byte(`{"old":true}`)); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("the old holder wrote: %v", err)
	}
	if err := s.SaveBotChat(c, "chat-a", taken.Token, []byte(`{"step":2}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.BotUpdateHandled(c, "chat-a", taken.Token, 12, nil); err != nil {
		t.Fatal(err)
	}
	if waiting, err := s.ReleaseBotChat(c, "chat-a", taken.Token); err != nil || waiting {
		t.Fatalf("release with nothing waiting: %v %v", waiting, err)
	}
	if _, err := s.ReleaseBotChat(c, "chat-a", taken.Token); code(err) != buurtloket.ECONFLICT {
		t.Fatalf("released twice: %v", err)
	}
	again, _ := s.ClaimBotChat(c, "chat-a", time.Minute, 10)
	if string(again.State) != `{"step":2}` || len(again.Updates) != 0 {
		t.Fatalf("after handling: %+v", again)
	}
	if err := s.SaveBotChat(c, "chat-a", again.Token, make([]byte, buurtloket.MaxBotState+1)); code(err) != buurtloket.ETOOLARGE {
		t.Fatalf("a state too large: %v", err)
	}
	s.ReleaseBotChat(c, "chat-a", again.Token)

	// Forgotten: nothing of the chat is left.
	s.AddBotUpdate(c, 13, "chat-a", []byte(`{}`))
	if err := s.ForgetBotChat(c, "chat-a"); err != nil {
		t.Fatal(err)
	}
	if fresh, _ := s.ClaimBotChat(c, "chat-a", time.Minute, 10); fresh.State != nil || len(fresh.Updates) != 0 {
		t.Fatalf("after forgetting: %+v", fresh)
	}

	// Housekeeping: handled updates go after a while, idle chats later.
	s.AddBotUpdate(c, 20, "chat-b", []byte(`{}`))
	b, _ := s.ClaimBotChat(c, "chat-b", time.Minute, 10)
	s.BotUpdateHandled(c, "chat-b", b.Token, 20, []byte(`{}`))
	s.ReleaseBotChat(c, "chat-b", b.Token)
	s.AddBotUpdate(c, 21, "chat-c", []byte(`{}`)) // waiting: never purged
	clock.Add(time.Hour)
	if u, ch, err := s.PurgeBot(c, clock.Now().Add(-2*time.Hour), clock.Now().Add(-2*time.Hour)); err != nil || u != 0 || ch != 0 {
		t.Fatalf("purged too early: %d %d %v", u, ch, err)
	}
	if u, ch, err := s.PurgeBot(c, clock.Now(), clock.Now()); err != nil || u != 1 || ch != 2 { // chat-a (forgotten, claimed again) and chat-b
		t.Fatalf("purged %d updates and %d chats (%v), want 1 and 2", u, ch, err)
	}
	if list, _ := s.BotChatsWaiting(c, 10); !slices.Equal(list, []string{"chat-c"}) {
		t.Fatalf("a waiting update was purged: %v", list)
	}
}

// testBotClaimsAtOnce: of many claims on one chat at the same moment, one
// gets it.
func testBotClaimsAtOnce(t *testing.T, s Store, clock *Clock) {
	if _, err := s.AddBotUpdate(ctx(t), 1, "busy", []byte(`{}`)); err != nil {
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
