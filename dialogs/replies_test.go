package dialogs

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"buurtloket"
	"buurtloket/dialogs/flows"
)

// shippedFlows is a copy of the shipped flows folder, replies too, for a
// test to edit.
func shippedFlows(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(flows.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(flows.FS, p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// withReplies is the shipped content with its replies file replaced.
func withReplies(t *testing.T, replies string) Source {
	t.Helper()
	m := shippedFlows(t)
	m["replies/replies.yaml"] = &fstest.MapFile{Data: []byte(replies)}
	src := shippedSource()
	src.Flows = m
	return src
}

func TestShippedReplies(t *testing.T) {
	c := shipped(t)
	if len(c.Replies()) < 8 {
		t.Fatalf("%d canned replies", len(c.Replies()))
	}
	r := c.Reply("money_payment_plan")
	if r == nil || !r.For(buurtloket.TopicMoney) || r.For(buurtloket.TopicWorry) || !c.Reply("thanks").For(buurtloket.TopicWorry) {
		t.Fatalf("replies by topic: %+v", r)
	}
	// The resident reads it in their language, with the facts filled in.
	ar := c.Catalog.Format("ar", r.Text, nil)
	if !strings.Contains(ar, "\u2066") || strings.Contains(ar, "{{") || ar == c.Catalog.Format("nl", r.Text, nil) {
		t.Fatalf("the Arabic text: %q", ar)
	}
}

func TestRepliesAreChecked(t *testing.T) {
	for name, tt := range map[string]struct{ replies, want string }{
		"unknown topic":   {"replies:\n  - id: a\n    topics: [geld]\n    title: reply.general.thanks.title\n    text: reply.general.thanks.text\n", `unknown topic "geld"`},
		"duplicate":       {"replies:\n  - id: a\n    title: reply.general.thanks.title\n    text: reply.general.thanks.text\n  - id: a\n    title: reply.general.more_info.title\n    text: reply.general.more_info.text\n", `there is a reply "a" already`},
		"missing message": {"replies:\n  - id: a\n    title: reply.general.thanks.title\n    text: reply.nowhere.text\n", `message "reply.nowhere.text" does not exist`},
		"plural":          {"replies:\n  - id: a\n    title: reply.general.thanks.title\n    text: ui.follow.locked_minutes\n", "cannot have plural forms"},
		"bad id":          {"replies:\n  - id: Bedankt!\n    title: reply.general.thanks.title\n    text: reply.general.thanks.text\n", "a reply's id is lower case"},
		"unknown key":     {"replies:\n  - id: a\n    title: reply.general.thanks.title\n    text: reply.general.thanks.text\n    body: x\n", "body"},
		"unused message":  {"replies:\n  - id: a\n    title: reply.general.thanks.title\n    text: reply.general.thanks.text\n", `"reply.general.more_info.text" is not used`},
	} {
		t.Run(name, func(t *testing.T) {
			c, probs := Load(withReplies(t, tt.replies))
			if c != nil || !strings.Contains(probs.Error(), tt.want) {
				t.Fatalf("want an error with %q, got:\n%v", tt.want, probs)
			}
			for _, p := range probs {
				if strings.Contains(p.Message, tt.want) && !strings.Contains(p.File, "/") {
					t.Errorf("a problem without a file: %v", p)
				}
			}
		})
	}
}
