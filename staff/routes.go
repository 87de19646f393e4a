package staff

// access is who may open a route.
type access int

const (
	public    access = iota // the login page
	loginStep               // a session whose login is not done: a new password, two-factor
	member                  // a staff member, logged in with every step done
	admin                   // an admin, logged in with every step done
)

// route is one entry of the console: every route is in routeTable, so
// that the security test walks them all (a new route is covered by being
// registered at all). Every POST checks the form's CSRF token.
type route struct {
	pattern string
	access  access
	handle  handler
	// quiet: a page asks, not a person (its event stream): the session is
	// not marked seen, so that an open page does not keep it from going
	// idle.
	quiet bool
}

func (s *Server) routeTable() []route {
	return []route{
		{"GET /staff/{$}", member, s.inbox, false},
		{"GET /staff/login", public, s.loginPage, false},
		{"POST /staff/login", public, s.login, false},
		{"POST /staff/logout", loginStep, s.logout, false},
		{"POST /staff/logout-everywhere", member, s.logoutEverywhere, false},
		{"GET /staff/password", loginStep, s.passwordPage, false},
		{"POST /staff/password", loginStep, s.changePassword, false},
		{"GET /staff/code", loginStep, s.codePage, false},
		{"POST /staff/code", loginStep, s.checkCode, false},
		{"GET /staff/two-factor", loginStep, s.twoFactorPage, false},
		{"POST /staff/two-factor", loginStep, s.setUpTwoFactor, false},
		{"GET /staff/events", member, s.events, true},
		{"POST /staff/find", member, s.find, false},
		{"GET /staff/requests/{id}", member, s.requestPage, false},
		{"POST /staff/requests/{id}/reply", member, s.reply, false},
		{"POST /staff/requests/{id}/canned", member, s.cannedReply, false},
		{"POST /staff/requests/{id}/note", member, s.addNote, false},
		{"POST /staff/requests/{id}/status", member, s.setStatus, false},
		{"POST /staff/requests/{id}/claim", member, s.claim, false},
		{"POST /staff/requests/{id}/assign", member, s.assign, false},
		{"POST /staff/requests/{id}/contact", member, s.showContact, false},
		{"POST /staff/requests/{id}/unlock", member, s.unlock, false},
		{"GET /staff/accounts", admin, s.accountsPage, false},
		{"GET /staff/log", admin, s.privacyLog, false},
		{"GET /staff/log.csv", admin, s.privacyLogCSV, false},
		{"POST /staff/accounts", admin, s.addAccount, false},
		{"POST /staff/accounts/{id}/disable", admin, s.disableAccount, false},
		{"POST /staff/accounts/{id}/reset", admin, s.resetAccount, false},
	}
}
