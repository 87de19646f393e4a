package dialogs

import "testing"

// BenchmarkLoadShipped measures loading and checking all shipped flows and
// texts, as serve does at start and on every reload.
func BenchmarkLoadShipped(b *testing.B) {
	src := shippedSource()
	b.ReportAllocs()
	for b.Loop() {
		if c, probs := Load(src); c == nil {
			b.Fatal(probs)
		}
	}
}
