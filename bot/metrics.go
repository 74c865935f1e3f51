package bot

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the bot's Prometheus series, on a registry of their own so that several bots
// in one test process do not collide.
type Metrics struct {
	Registry    *prometheus.Registry
	updates     *prometheus.CounterVec
	dropped     *prometheus.CounterVec
	handling    prometheus.Histogram
	waiting     prometheus.Histogram
	sendWait    *prometheus.HistogramVec
	apiCalls    *prometheus.CounterVec
	apiErrors   *prometheus.CounterVec
	apiDuration *prometheus.HistogramVec
	// filesArchived counts the tries to archive a file, by outcome: kept, retry (a try
	// failed and another will come), or the reason it was given up.
	filesArchived *prometheus.CounterVec
}

// NewMetrics registers the series, with the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bangban_updates_total",
			Help: "Telegram updates handled, by kind (command, text, button, photo, …).",
		}, []string{"kind"}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bangban_updates_dropped_total",
			Help: "Updates not handled, by reason: flood (a person over the incoming limit), backlog (too many of one chat waiting).",
		}, []string{"reason"}),
		handling: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "bangban_update_handling_seconds",
			Help:    "Time from beginning to handle an update to having sent its replies (its queueing is bangban_update_wait_seconds).",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		waiting: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "bangban_update_wait_seconds",
			Help:    "Time from taking an update to beginning to handle it: how long it queued behind its chat's earlier updates and for room in this process.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}),
		sendWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bangban_send_wait_seconds",
			Help:    "Time a message waited for its place under Telegram's limits, by kind: reply (to a person's own action) or notification.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"kind"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bangban_botapi_calls_total",
			Help: "Bot API calls made, by method.",
		}, []string{"method"}),
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bangban_botapi_errors_total",
			Help: "Bot API calls that failed, by method and HTTP status (0: no answer).",
		}, []string{"method", "code"}),
		apiDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bangban_botapi_call_seconds",
			Help:    "Bot API call latency, by method (long polls included).",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}, []string{"method"}),
		filesArchived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bangban_files_archived_total",
			Help: "Tries to archive a file attached to a case, by outcome: kept, retry (another try will come), or why it was given up (too_large, wrong_type, download_failed, store_failed).",
		}, []string{"outcome"}),
	}
	m.Registry.MustRegister(m.updates, m.dropped, m.handling, m.waiting, m.sendWait, m.apiCalls, m.apiErrors, m.apiDuration, m.filesArchived,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// instrumentedClient counts every Bot API call, whichever part of the bot makes it. The method
// is the last element of the URL path (/bot<token>/<method>); the token never reaches a label.
type instrumentedClient struct {
	next *http.Client
	m    *Metrics
}

func (c instrumentedClient) Do(req *http.Request) (*http.Response, error) {
	method := req.URL.Path[strings.LastIndexByte(req.URL.Path, '/')+1:]
	start := time.Now()
	if req.Body != nil && req.ContentLength <= 0 {
		// The client library streams its form through a pipe, which net/http sends chunked,
		// flushing each of the form's many small writes as a packet of its own. Read whole,
		// the request goes with a length, in a write or two.
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			c.m.apiErrors.WithLabelValues(method, "0").Inc()
			return nil, fmt.Errorf("read the %s request: %w", method, err)
		}
		req.Body, req.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	resp, err := c.next.Do(req)
	c.m.apiCalls.WithLabelValues(method).Inc()
	c.m.apiDuration.WithLabelValues(method).Observe(time.Since(start).Seconds())
	switch {
	case err != nil:
		c.m.apiErrors.WithLabelValues(method, "0").Inc()
	case resp.StatusCode >= 300:
		c.m.apiErrors.WithLabelValues(method, strconv.Itoa(resp.StatusCode)).Inc()
	}
	return resp, err
}

// waitingFunc reports, as a gauge, the updates this process has taken and not yet handled.
func (m *Metrics) waitingFunc(f func() int) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "bangban_updates_waiting",
		Help: "Updates taken by this process and not yet handled (queued or in hand).",
	}, func() float64 { return float64(f()) }))
}

// sendWaited records how long a message waited for its place under the send limits.
func (m *Metrics) sendWaited(bulk bool, d time.Duration) {
	kind := "reply"
	if bulk {
		kind = "notification"
	}
	m.sendWait.WithLabelValues(kind).Observe(d.Seconds())
}
