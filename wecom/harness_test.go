package wecom_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/bot/poster"
	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/calendar"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
	"github.com/bangban/bangban/wecom"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// harness is the WeCom app on real Postgres and Redis, with the demo county loaded, talking
// to a simulated WeCom that posts its callbacks to the app's handler.
type harness struct {
	sim   *wecomtest.Server
	store *store.Store
	app   *wecom.App
	// replica is a second replica of the app, for what two replicas share.
	replica *wecom.App
	rdb     redis.UniversalClient
	prefix  string
	// offset moves the store's clock, for the limits and windows that run in days.
	offset *atomic.Int64
	// opts are the app's, for another process of it.
	opts wecom.Options
}

// travel moves the store's clock by d.
func (h *harness) travel(d time.Duration) { h.offset.Add(int64(d)) }

// travelToWorkingMorning moves the store's clock to 10:00 of the first working day after at:
// notices and reminders due outside working hours wait for the next working morning, so a
// test that counts them starts there, whatever the hour it runs.
func (h *harness) travelToWorkingMorning(t *testing.T, at time.Time) {
	t.Helper()
	cal, err := calendar.Load("")
	if err != nil {
		t.Fatal(err)
	}
	loc := h.store.Location()
	d := at.In(loc).AddDate(0, 0, 1)
	d = time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, loc)
	for !cal.Workday(d) {
		d = d.AddDate(0, 0, 1)
	}
	h.travel(d.Sub(h.store.Now()))
}

// start starts the app; setup, when given, adds to the engine before it runs (a slow dialog).
func start(t *testing.T, setup func(*dialog.Engine), options ...func(*wecom.Options)) *harness {
	t.Helper()
	rdb, prefix := redistest.New(t)
	offset := new(atomic.Int64)
	st := storetest.NewStore(t, store.Options{Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	if _, probs, err := st.ImportOrg(context.Background(), orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("demo: %v %+v", err, probs)
	}
	tr, err := dialog.NewTranslator(dialog.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := dialog.NewEngine(dialog.Options{Redis: rdb, KeyPrefix: prefix + "wecom:", Translator: tr, Logger: log,
		ReorderWindow: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sim := wecomtest.New(wecomtest.Options{})
	t.Cleanup(sim.Close)
	o := sim.Options()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Invites made in the app carry the link that opens it, and its poster.
	link := conversations.WithWeComLink(func(code string) string {
		return wecom.BindLink(o.CorpID, o.AgentID, "http://"+ln.Addr().String(), "/wecom", code)
	})
	if err := conversations.Register(eng, st, "", posterPNG, link); err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(eng)
	}
	opts := wecom.Options{CorpID: o.CorpID, AgentID: o.AgentID, Secret: o.Secret, Token: o.Token,
		AESKey: o.AESKey, APIURL: sim.URL(), PublicURL: "http://" + ln.Addr().String(), Store: st, Redis: rdb, Engine: eng, KeyPrefix: prefix, Logger: log,
		// The limits are kept (through Redis) but loose: the test of the limits sets its own.
		SendLimits: wecom.SendLimits{PerMemberMinute: 60000, MemberBurst: 100, PerSecond: 10000}}
	for _, f := range options {
		f(&opts)
	}
	app, err := wecom.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	// A second replica of the app, on the same Redis and database (it takes no callbacks).
	replica, err := wecom.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for path, h := range app.Handlers() {
		mux.Handle(path, h)
	}
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(ln) }()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the app stopped with %v", err)
		}
		_ = srv.Close()
	})
	sim.SetCallbackURL("http://" + ln.Addr().String() + app.Path())
	return &harness{sim: sim, store: st, app: app, replica: replica, rdb: rdb, prefix: prefix, offset: offset, opts: opts}
}

func posterPNG(link, name, caption string) ([]byte, error) {
	var buf bytes.Buffer
	err := poster.WritePNG(&buf, link, name, caption)
	return buf.Bytes(), err
}

// say sends text as userid, delivered in time, and returns what the app sent back: at least
// want more messages than before.
func (h *harness) say(t *testing.T, userid, text string, want int) []wecomtest.Message {
	t.Helper()
	return h.expect(t, userid, want, func() (wecomtest.Delivery, error) { return h.sim.SendText(userid, text) })
}

// press presses the button reading text on userid's latest card.
func (h *harness) press(t *testing.T, userid, text string, want int) []wecomtest.Message {
	t.Helper()
	return h.expect(t, userid, want, func() (wecomtest.Delivery, error) { return h.sim.PressText(userid, text) })
}

func (h *harness) expect(t *testing.T, userid string, want int, do func() (wecomtest.Delivery, error)) []wecomtest.Message {
	t.Helper()
	n := len(h.sim.Messages(userid))
	d, err := do()
	if err != nil || d.Status != http.StatusOK || d.Attempts != 1 {
		t.Fatalf("delivery %+v, %v", d, err)
	}
	msgs, err := h.sim.WaitFor(userid, 10*time.Second, func(m []wecomtest.Message) bool { return len(m) >= n+want })
	if err != nil {
		t.Fatalf("%v: %s\nbefore:%s", err, dump(msgs[n:]), dump(msgs[:n]))
	}
	return msgs[n:]
}

func dump(msgs []wecomtest.Message) string {
	s := ""
	for _, m := range msgs {
		s += "\n[" + m.Type + "] " + m.Text
		if m.Card != nil {
			s += m.Card.Text + " {"
			for _, b := range m.Card.Buttons {
				s += b.Text + "|"
			}
			s += "} replaced=" + m.Card.Replaced
		}
	}
	return s
}
