package dialogs

import "testing"

// BenchmarkChoiceStep measures one choice answered, including the
// localized view: the target is at most 2 µs and 10 allocations.
func BenchmarkChoiceStep(b *testing.B) {
	e := NewEngine(shipped(b))
	s, _, err := e.StartFlow("bench", "ar", "money")
	if err != nil {
		b.Fatal(err)
	}
	in := Input{Type: InputChoose, Choice: "rent"}
	b.ReportAllocs()
	for b.Loop() {
		_, v, _, err := e.Step(s, in)
		if err != nil || v.Step != "how_long" {
			b.Fatal(err, v.Step)
		}
	}
}

// BenchmarkConversation measures a whole money conversation: three
// choices, the urgent page, a contact form and a story, the confirm step,
// to the submission: the target is at most 20 µs.
func BenchmarkConversation(b *testing.B) {
	e := NewEngine(shipped(b))
	s0, _, err := e.StartFlow("bench", "nl", "money")
	if err != nil {
		b.Fatal(err)
	}
	inputs := []Input{
		{Type: InputChoose, Choice: "rent"},
		{Type: InputChoose, Choice: "long"},
		{Type: InputChoose, Choice: "bailiff"},
		{Type: InputChoose, Choice: OptionContinue},
		{Type: InputContact, Contact: Contact{Name: "Fatima", Phone: "06 12345678"}},
		{Type: InputText, Text: "Ik heb een brief van de deurwaarder gekregen."},
		{Type: InputChoose, Choice: OptionSend},
	}
	b.ReportAllocs()
	for b.Loop() {
		s := s0
		var effects []Effect
		for _, in := range inputs {
			s, _, effects, err = e.Step(s, in)
			if err != nil {
				b.Fatal(err)
			}
		}
		if len(effects) != 1 || effects[0].Submission == nil {
			b.Fatalf("conversation did not end in a submission: at %s", s.Step)
		}
	}
}
