package dialogs

import (
	"io/fs"
	"path"

	"buurtloket"
)

// Canned replies are what staff can send with one choice: content files
// next to the flows (replies/*.yaml in the flows folder), each reply a
// title and a text in the message files. Staff read and choose them in
// Dutch; the resident receives the text in their own language. They are
// checked as flow texts are: every language, no plural forms, facts for
// placeholders, no phone numbers written out, and a length that fits.

// Reply is a canned reply.
type Reply struct {
	ID     string             // unique among the replies, such as "money_payment_plan"
	Topics []buurtloket.Topic // the topics it is for; none: every topic
	Title  string             // message ID: what staff see in the list
	Text   string             // message ID: what the resident receives
	File   string
	Line   int
}

// For reports whether the reply is for requests of topic t.
func (r *Reply) For(t buurtloket.Topic) bool {
	if len(r.Topics) == 0 {
		return true
	}
	for _, x := range r.Topics {
		if x == t {
			return true
		}
	}
	return false
}

const (
	// MaxReplies bounds the canned replies of a deployment.
	MaxReplies = 200
	// MaxReplyTitle and MaxReplyText bound what a reply says, in every
	// language.
	MaxReplyTitle = 80
	MaxReplyText  = 1000
)

// Replies returns the canned replies, in file and then file order.
func (c *Content) Replies() []*Reply { return c.replies }

// Reply returns the canned reply with the given ID, or nil.
func (c *Content) Reply(id string) *Reply {
	for _, r := range c.replies {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// loadReplies reads replies/*.yaml from the flows folder.
func loadReplies(src Source, probs *Problems) []*Reply {
	names, _ := fs.Glob(src.Flows, "replies/*.yaml")
	var out []*Reply
	seen := map[string]string{}
	for _, name := range names {
		file := path.Join(src.FlowsDir, name)
		data, ok := readContent(src.Flows, name, file, "a replies file", probs)
		if !ok {
			continue
		}
		y := &yamlFile{name: file, probs: probs}
		root := y.parse(data)
		if root == nil {
			continue
		}
		top, ok := y.mapping(root, "the replies file", "replies")
		if !ok {
			continue
		}
		for _, n := range top.list("replies", "the replies file") {
			f, ok := y.mapping(n, "a reply", "id", "topics", "title", "text")
			if !ok {
				continue
			}
			r := &Reply{ID: f.str("id", "a reply", true), Title: f.str("title", "a reply", true), Text: f.str("text", "a reply", true), File: file, Line: n.Line}
			if r.ID != "" && !wordPattern.MatchString(r.ID) {
				probs.errorf(file, f.line("id"), "a reply's id is lower case letters, digits and _, such as money_payment_plan; %q is not", r.ID)
			}
			if at, dup := seen[r.ID]; dup && r.ID != "" {
				probs.errorf(file, f.line("id"), "there is a reply %q already (%s)", r.ID, at)
			}
			seen[r.ID] = file
			for _, t := range f.list("topics", "a reply") {
				topic := buurtloket.Topic(t.Value)
				if !topic.Valid() {
					probs.errorf(file, t.Line, "unknown topic %q%s", t.Value, suggest(t.Value, topicNames()))
					continue
				}
				r.Topics = append(r.Topics, topic)
			}
			out = append(out, r)
		}
	}
	if len(out) > MaxReplies {
		probs.errorf(src.FlowsDir, 0, "%d canned replies; at most %d are allowed", len(out), MaxReplies)
		out = out[:MaxReplies]
	}
	return out
}

// checkReplies checks the replies' messages in every language and marks
// them (and their facts) used.
func checkReplies(c *Content, probs *Problems, used, usedFacts map[string]bool) {
	for _, r := range c.replies {
		for _, m := range []struct {
			id    string
			limit int
			what  string
		}{{r.Title, MaxReplyTitle, "a reply's title"}, {r.Text, MaxReplyText, "a reply"}} {
			if m.id == "" {
				continue
			}
			used[m.id] = true
			checkMessage(c.Catalog, c.Facts, r.File, r.Line, m.id, m.limit, m.what, probs)
			if c.Catalog != nil {
				if src := c.Catalog.messages[c.Catalog.source][m.id]; src != nil {
					for _, h := range src.holders {
						usedFacts[h] = true
					}
				}
			}
		}
	}
}
