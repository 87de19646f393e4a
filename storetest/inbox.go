package storetest

import (
	"testing"
	"time"

	"buurtloket"
)

// testInboxFiltersAndCounts: the inbox filters on channel, on nobody
// assigned and on overdue, and the counts beside the filters agree with
// what each filter lists.
func testInboxFiltersAndCounts(t *testing.T, s Store, clock *Clock) {
	var ids []int64
	for i, ch := range []buurtloket.Channel{buurtloket.ChannelKiosk, buurtloket.ChannelWeb, buurtloket.ChannelTelegram, buurtloket.ChannelWeb} {
		r := NewRequest("filters-" + string(ch) + string(rune('a'+i)))
		r.Channel = ch
		r.Priority = buurtloket.PriorityUrgent // due within hours
		if i == 3 {
			r.Priority, r.Topic, r.Wijk = buurtloket.PriorityNormal, buurtloket.TopicSenior, "West"
		}
		ids = append(ids, mustSubmit(t, s, r).ID)
	}
	if err := s.Assign(ctx(t), ids[0], "staff:1", "staff:1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx(t), ids[1], "staff:1", buurtloket.StatusWaiting); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx(t), ids[2], "staff:1", buurtloket.StatusClosed); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * 24 * time.Hour) // the urgent ones are overdue; the waiting one's clock stands still
	list := func(q buurtloket.InboxQuery) []int64 {
		t.Helper()
		page, err := s.Inbox(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, r := range page.Requests {
			got = append(got, r.ID)
		}
		return got
	}
	same := func(what string, got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %v, want %v", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: %v, want %v", what, got, want)
			}
		}
	}
	same("web", list(buurtloket.InboxQuery{Channel: buurtloket.ChannelWeb}), ids[1], ids[3])
	same("unassigned", list(buurtloket.InboxQuery{Unassigned: true}), ids[1], ids[3])
	same("overdue", list(buurtloket.InboxQuery{Overdue: true}), ids[0])
	same("mine", list(buurtloket.InboxQuery{Assigned: "staff:1"}), ids[0])
	nowhere := NewRequest("filters-nowhere")
	nowhere.Wijk = ""
	none := mustSubmit(t, s, nowhere).ID
	same("no neighbourhood", list(buurtloket.InboxQuery{NoWijk: true}), none)
	same("West", list(buurtloket.InboxQuery{Wijk: "West"}), ids[3])
	if _, err := s.Inbox(ctx(t), buurtloket.InboxQuery{Wijk: "West", NoWijk: true}); code(err) != buurtloket.EINVALID {
		t.Fatalf("a neighbourhood and none at once: %v", err)
	}
	if err := s.SetStatus(ctx(t), none, "staff:1", buurtloket.StatusClosed); err != nil { // out of the counts below
		t.Fatal(err)
	}
	if _, err := s.Inbox(ctx(t), buurtloket.InboxQuery{Channel: "fax"}); code(err) != buurtloket.EINVALID {
		t.Fatalf("an unknown channel: %v", err)
	}
	if _, err := s.Inbox(ctx(t), buurtloket.InboxQuery{Unassigned: true, Assigned: "staff:1"}); code(err) != buurtloket.EINVALID {
		t.Fatalf("assigned and unassigned at once: %v", err)
	}
	c, err := s.InboxCounts(ctx(t), "staff:1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status[buurtloket.StatusNew] != 2 || c.Status[buurtloket.StatusWaiting] != 1 || c.Status[buurtloket.StatusClosed] != 2 { // and the one without a neighbourhood
		t.Errorf("counts by status: %v", c.Status)
	}
	if c.Channel[buurtloket.ChannelWeb] != 2 || c.Channel[buurtloket.ChannelTelegram] != 0 || c.Channel[buurtloket.ChannelKiosk] != 1 {
		t.Errorf("counts by channel (open only): %v", c.Channel)
	}
	if c.Topic[buurtloket.TopicSenior] != 1 || c.Topic[buurtloket.TopicMoney] != 2 || c.Wijk["West"] != 1 || c.Wijk["Oost"] != 2 {
		t.Errorf("counts by topic and neighbourhood: %v %v", c.Topic, c.Wijk)
	}
	if c.Assigned["staff:1"] != 1 || c.Assigned[""] != 2 || len(c.Assigned) != 2 {
		t.Errorf("counts by assignee: %v", c.Assigned)
	}
	if c.Mine != 1 || c.Unassigned != 2 || c.Overdue != 1 {
		t.Errorf("mine %d, unassigned %d, overdue %d; want 1, 2, 1", c.Mine, c.Unassigned, c.Overdue)
	}
}
