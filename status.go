package buurtloket

// Status is where a help request stands.
type Status string

const (
	StatusNew        Status = "new"         // not yet picked up
	StatusInProgress Status = "in_progress" // a staff member is on it
	StatusWaiting    Status = "waiting"     // waiting for the resident: the due-time clock pauses
	StatusAnswered   Status = "answered"    // staff answered; the resident may react
	StatusClosed     Status = "closed"      // done; retention starts counting
)

// Statuses lists every status in the order a request usually passes them.
var Statuses = []Status{StatusNew, StatusInProgress, StatusWaiting, StatusAnswered, StatusClosed}

// transitions is the one place that says which status may follow which.
var transitions = map[Status][]Status{
	StatusNew:        {StatusInProgress, StatusWaiting, StatusAnswered, StatusClosed},
	StatusInProgress: {StatusWaiting, StatusAnswered, StatusClosed},
	StatusWaiting:    {StatusInProgress, StatusAnswered, StatusClosed},
	StatusAnswered:   {StatusInProgress, StatusWaiting, StatusClosed},
	StatusClosed:     {StatusInProgress}, // reopened by staff, while it still exists
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// CanBecome reports whether a request in status s may move to next.
func (s Status) CanBecome(next Status) bool {
	for _, t := range transitions[s] {
		if t == next {
			return true
		}
	}
	return false
}

// Open reports whether a request in this status still needs staff.
func (s Status) Open() bool { return s != StatusClosed && s != StatusAnswered }

// MessageID is the message a resident sees for this status, in plain words
// (the channels translate it; see locales/).
func (s Status) MessageID() string { return "ui.status." + string(s) }
