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
	turnedAway  prometheus.Counter
}

func newMetrics() *metrics {
	return &metrics{
		connections: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "buurtloket_web_connections", Help: "Pages connected now, by mode (kiosk, phone)."}, []string{"mode"}),
		inputs:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_web_inputs_total", Help: "Inputs handled, by mode."}, []string{"mode"}),
		refused:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_web_refused_total", Help: "Frames refused, by error code (invalid, too_large, ...)."}, []string{"code"}),
		submitted:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_requests_submitted_total", Help: "Requests stored from the web channel, by mode and result (stored, failed)."}, []string{"mode", "result"}),
		emergency:   prometheus.NewCounter(prometheus.CounterOpts{Name: "buurtloket_emergency_shown_total", Help: "Times the emergency numbers were opened."}),
		turnedAway:  prometheus.NewCounter(prometheus.CounterOpts{Name: "buurtloket_web_turned_away_total", Help: "Phone pages refused because MaxPhonePages were connected."}),
	}
}

// Collectors returns the channel's metrics, for the registry of serve.
func (s *Server) Collectors() []prometheus.Collector {
	m := s.metrics
	return []prometheus.Collector{m.connections, m.inputs, m.refused, m.submitted, m.emergency, m.turnedAway}
}
