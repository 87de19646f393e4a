package bot

import "github.com/prometheus/client_golang/prometheus"

// metrics count what operators watch of the bot; no label carries
// anything of a resident.
type metrics struct {
	updates   *prometheus.CounterVec
	handled   *prometheus.CounterVec
	calls     *prometheus.CounterVec
	submitted *prometheus.CounterVec
	latency   prometheus.Histogram
}

func newMetrics() *metrics {
	return &metrics{
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_bot_updates_total",
			Help: "Updates from Telegram, by what became of them (kept, repeated: kept before, ignored: not for the bot, refused: a wrong secret or not an update)."}, []string{"result"}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_bot_handled_total",
			Help: "Updates handled, by result (done, retry: the Bot API did not take the answer, panic)."}, []string{"result"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_bot_api_calls_total",
			Help: "Bot API calls, by method and result (ok, retry: no answer or 429/5xx, refused: 4xx)."}, []string{"method", "result"}),
		submitted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buurtloket_bot_requests_submitted_total",
			Help: "Requests stored from the bot, by result (stored, failed)."}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "buurtloket_bot_update_seconds",
			Help: "Time to handle one update, Bot API calls included.", Buckets: prometheus.ExponentialBuckets(0.002, 2, 12)}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.updates, m.handled, m.calls, m.submitted, m.latency}
}
