package main

import (
	"fmt"
	"syscall"
)

// fileReserve is how many open files serve keeps for what must never be
// refused when phone pages are many: kiosk pages (a few per kiosk), the
// health check and metrics, the database (SQLite's files, PostgreSQL's
// pool), the listener and the logs.
const fileReserve = 512

// fileLimit returns the limit on open files in force. Go itself raises
// the soft limit to the hard one when a program starts (since Go 1.19),
// so this is what the system lets the service have: LimitNOFILE= in
// systemd, or ulimit -Hn.
func fileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	return lim.Cur, nil
}

// phonePageCap is the cap on phone pages that open files allow: at most
// maxPages (0: no cap of its own), and never so many that kiosks, the
// health check and the database find no file left. It says why when it
// caps below the operator's maxPages.
func phonePageCap(maxPages int, files uint64) (int, string) {
	if files > 1<<31 {
		files = 1 << 31
	}
	room := int(files) - fileReserve
	if room < 1 {
		room = 1
	}
	switch {
	case maxPages == 0:
		return room, "" // no cap of the operator's, but the files' one
	case maxPages > room:
		return room, fmt.Sprintf("--max-pages %d cannot be met: %d open files allow %d phone pages (%d are kept for kiosks, health checks and the database); raise the limit on open files (LimitNOFILE=, docs/deploy.md)",
			maxPages, files, room, fileReserve)
	}
	return maxPages, ""
}
