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
}

func (s *Server) routeTable() []route {
	return []route{
		{"GET /staff/{$}", member, s.inbox},
		{"GET /staff/login", public, s.loginPage},
		{"POST /staff/login", public, s.login},
		{"POST /staff/logout", loginStep, s.logout},
		{"POST /staff/logout-everywhere", member, s.logoutEverywhere},
		{"GET /staff/password", loginStep, s.passwordPage},
		{"POST /staff/password", loginStep, s.changePassword},
		{"GET /staff/code", loginStep, s.codePage},
		{"POST /staff/code", loginStep, s.checkCode},
		{"GET /staff/two-factor", loginStep, s.twoFactorPage},
		{"POST /staff/two-factor", loginStep, s.setUpTwoFactor},
		{"GET /staff/events", member, s.events},
		{"POST /staff/find", member, s.find},
		{"GET /staff/requests/{id}", member, s.requestPage},
		{"POST /staff/requests/{id}/reply", member, s.reply},
		{"POST /staff/requests/{id}/canned", member, s.cannedReply},
		{"POST /staff/requests/{id}/note", member, s.addNote},
		{"POST /staff/requests/{id}/status", member, s.setStatus},
		{"POST /staff/requests/{id}/claim", member, s.claim},
		{"POST /staff/requests/{id}/assign", member, s.assign},
		{"POST /staff/requests/{id}/contact", member, s.showContact},
		{"POST /staff/requests/{id}/unlock", member, s.unlock},
		{"GET /staff/accounts", admin, s.accountsPage},
		{"GET /staff/log", admin, s.privacyLog},
		{"POST /staff/accounts", admin, s.addAccount},
		{"POST /staff/accounts/{id}/disable", admin, s.disableAccount},
		{"POST /staff/accounts/{id}/reset", admin, s.resetAccount},
	}
}
