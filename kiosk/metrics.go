package kiosk

import "github.com/prometheus/client_golang/prometheus"

// metrics count what operators watch: pages connected, inputs handled,
// frames refused, requests stored, how often the emergency numbers are
// opened, and pages turned away at the cap. No label carries anything of a resident.
type metrics struct {
	connections *prometheus.GaugeVec
	inputs      *prometheus.CounterVec
	refused     *prometheus.CounterVec
	submitted   *prometheus.CounterVec
	emergency   prometheus.Counter
	turnedAway  *prometheus.CounterVec

	wrongPINs     prometheus.Counter
	followRefused *prometheus.CounterVec
	pushed        prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "buurtloket_web_connections", Help: "Pages connected now, by mode (kiosk, phone)."}, []string{"mode"}),
		inputs:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_web_inputs_total", Help: "Inputs handled, by mode."}, []string{"mode"}),
		refused:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_web_refused_total", Help: "Frames refused, by error code (invalid, too_large, ...)."}, []string{"code"}),
		submitted:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_requests_submitted_total", Help: "Requests stored from the web channel, by mode and result (stored, failed, limited: too many from one client)."}, []string{"mode", "result"}),
		emergency:   prometheus.NewCounter(prometheus.CounterOpts{Name: "buurtloket_emergency_shown_total", Help: "Times the emergency numbers were opened."}),
		turnedAway:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_web_turned_away_total", Help: "Pages refused before they opened, by reason (phones: too many phone pages; kiosk: too many pages of one kiosk; sessions: too many new sessions from one address)."}, []string{"reason"}),

		wrongPINs:     prometheus.NewCounter(prometheus.CounterOpts{Name: "buurtloket_follow_wrong_total", Help: "Wrong ticket codes or PINs tried on the follow-up screen."}),
		followRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_follow_refused_total", Help: "Follow-up tries refused without looking, by reason (locked: the ticket is locked after wrong PINs; client: this client tried too many wrong ones)."}, []string{"reason"}),
		pushed:        prometheus.NewCounter(prometheus.CounterOpts{Name: "buurtloket_follow_pushed_total", Help: "Threads pushed to an open follow-up page after a staff reply or a new status."}),
	}
}

// Collectors returns the channel's metrics, for the registry of serve.
func (s *Server) Collectors() []prometheus.Collector {
	m := s.metrics
	return []prometheus.Collector{m.connections, m.inputs, m.refused, m.submitted, m.emergency, m.turnedAway, m.wrongPINs, m.followRefused, m.pushed}
}
