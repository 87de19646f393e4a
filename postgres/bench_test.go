package postgres

import (
	"fmt"
	"testing"

	"buurtloket/storetest"
)

// go test -run '^$' -bench . -benchtime 5000x ./postgres/
func BenchmarkSubmit(b *testing.B) {
	for _, n := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("submitters=%d", n), func(b *testing.B) {
			db := open(b)
			defer db.Close()
			storetest.BenchmarkSubmit(b, db, n)
		})
	}
}

func BenchmarkInboxPage(b *testing.B) {
	db := open(b)
	defer db.Close()
	storetest.FillInbox(b, db, 10000)
	storetest.BenchmarkInboxPage(b, db)
}
