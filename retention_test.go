package buurtloket

import (
	"testing"
	"time"
)

func TestParseRetention(t *testing.T) {
	day := 24 * time.Hour
	r, err := ParseRetention(" 60, worry=30 ,money=180")
	if err != nil {
		t.Fatal(err)
	}
	if r.For(TopicWorry) != 30*day || r.For(TopicMoney) != 180*day || r.For(TopicNuisance) != 60*day {
		t.Fatalf("parsed %v", r)
	}
	if got := r.String(); got != "60,money=180,worry=30" {
		t.Fatalf("String() = %q", got)
	}
	if r, _ := ParseRetention(""); r.For(TopicSenior) != DefaultRetention {
		t.Fatal("empty means the default")
	}
	for _, bad := range []string{"x", "0", "worry=", "gardening=10", "9999", "worry=-1"} {
		if _, err := ParseRetention(bad); ErrorCode(err) != EINVALID {
			t.Errorf("ParseRetention(%q): %v", bad, err)
		}
	}
}
