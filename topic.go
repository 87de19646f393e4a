package buurtloket

// Topic is what a help request is about. The set is closed: storage,
// retention settings and staff routing key on it.
type Topic string

const (
	TopicMoney    Topic = "money"    // money worries, rent arrears, eviction prevention
	TopicNuisance Topic = "nuisance" // overlast
	TopicWorry    Topic = "worry"    // worried about a neighbour
	TopicSenior   Topic = "senior"   // senior housing
	TopicRepairs  Topic = "repairs"  // repairs and the ordinary channels
	TopicOther    Topic = "other"    // something else: talk to someone
)

// Topics lists every topic in a stable order.
var Topics = []Topic{TopicMoney, TopicNuisance, TopicWorry, TopicSenior, TopicRepairs, TopicOther}

// Valid reports whether t is one of Topics.
func (t Topic) Valid() bool {
	for _, x := range Topics {
		if x == t {
			return true
		}
	}
	return false
}

// Priority orders help requests in the staff inbox.
type Priority string

const (
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Rank returns a number that grows with urgency; 0 for an unknown priority.
func (p Priority) Rank() int {
	switch p {
	case PriorityNormal:
		return 1
	case PriorityHigh:
		return 2
	case PriorityUrgent:
		return 3
	}
	return 0
}
