package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
)

// Scale-out, proven rather than claimed: two `bangban serve` replicas in webhook mode behind
// a load balancer, on one Postgres and a Redis Cluster of three masters with a replica each.
// Six reporters bound by invite file two problems each and three cadres sign for them, at
// once, each chat's updates alternating between the replicas; some updates are delivered
// again, once two at a time. Midway the master serving the slot of a chat whose reporter is
// mid-dialog is killed (SIGKILL), and its replica takes over.
//
// Every ticket a reporter was told exists once, with what they wrote, and was told once;
// every case was told; every press was answered once and nothing was answered that was not
// asked, so each update acted once; people mid-dialog at the failover went on, or were told
// to try again or to start again, never left without an answer; the send limits held across
// the replicas; and both replicas took updates of every reporter's chat.
func TestTwoReplicasOnARedisClusterThroughAFailover(t *testing.T) {
	t.Parallel()
	rc := redistest.StartCluster(t)
	c := newCounty(t, true, rc.URL())
	ctx, cancelAll := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancelAll()
	st, err := store.New(c.pool, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	invite := func(p store.InviteParams) string {
		inv, err := st.CreateInvite(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return inv.Code
	}

	addrs := []string{freeAddr(t), freeAddr(t)}
	lb := newBalancer(t, addrs...)
	replicas := []*replica{c.startAt(addrs[0], lb.URL()+"/hook"), c.startAt(addrs[1], lb.URL()+"/hook")}
	logs := replicaLogs(replicas)
	start := time.Now()

	// The demo county links each of the cadres P001–P003 to two enterprises. The owner of
	// E001 and the cadre P001 are bound already; the others come with an invite.
	play := &play{c: c}
	units := []string{"E001", "E017", "E002", "E018", "E003", "E019"}
	var reporters, cadres []*actor
	for i, unit := range units {
		u, code := c.owner, ""
		if i > 0 {
			u = telegramtest.User{ID: int64(62000 + i), FirstName: "企业主" + unit, LanguageCode: "zh-hans"}
			code = invite(store.InviteParams{Role: store.RoleReporter, UnitCode: unit})
		}
		reporters = append(reporters, play.actor(u, code, "已签收您反映的问题"))
	}
	for i, person := range []string{"P001", "P002", "P003"} {
		u, code := c.cadre, ""
		if i > 0 {
			u = telegramtest.User{ID: int64(63000 + i), FirstName: "干部" + person, LanguageCode: "zh-hans"}
			code = invite(store.InviteParams{Role: store.RoleHandler, PersonCode: person})
		}
		cadres = append(cadres, play.actor(u, code, "您有一件新交办的问题"))
	}

	// The play's own deadline: each person waits 30 s at most for any one answer.
	playCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(reporters)+len(cadres))
	for i, a := range reporters {
		wg.Go(func() {
			errs[i] = a.report(playCtx, []string{"融资", "用工"}, []string{
				fmt.Sprintf("%s：流动资金贷款审批迟迟没有结果，影响原材料采购", units[i]),
				fmt.Sprintf("%s：新生产线招不到熟练工人，订单交付推迟", units[i])})
		})
	}
	for i, a := range cadres {
		wg.Go(func() { errs[len(reporters)+i] = a.signFor(playCtx, 2*2) })
	}
	ended := make(chan struct{})
	go func() { wg.Wait(); close(ended) }()
	defer func() {
		cancel()
		<-ended
		if t.Failed() {
			for _, a := range append(slices.Clone(reporters), cadres...) {
				var shown []line
				for _, o := range a.outs {
					shown = append(shown, line{o.at, firstLineOf(o.text)})
				}
				t.Logf("chat of %s:\n%s\nall it was shown:\n%s", a.u.FirstName, lines(a.transcript), lines(shown))
			}
			t.Logf("bangban said:\n%s", logs.String())
		}
	}()

	// Midway, as the first reporter on their second report is asked for its description, the
	// master serving their chat's slot is killed; its replica takes over.
	var victim *actor
	for victim == nil && !play.failed.Load() {
		for _, r := range reporters {
			if r.stage.Load() == 2*10+2 {
				victim = r
				break
			}
		}
		select {
		case <-ended:
		case <-time.After(10 * time.Millisecond):
			continue
		}
		break
	}
	var killedAt, healedAt time.Time
	if victim != nil {
		key := c.prefix + "{" + strings.SplitN(faultToken, ":", 2)[0] + ":" + strconv.FormatInt(victim.u.ID, 10) + "}:lock"
		killedAt = time.Now()
		killed := rc.KillMasterOf(t, key)
		rc.WaitHealthy(t)
		healedAt = time.Now()
		t.Logf("%.1fs: killed the master %s serving the chat of %s (mid-dialog); its replica took over in %s",
			killedAt.Sub(start).Seconds(), killed.Addr, victim.u.FirstName, healedAt.Sub(killedAt).Round(time.Millisecond))
	}
	<-ended
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("the play did not end well:\n%v", err)
	}
	if victim == nil {
		t.Fatal("no reporter was mid-dialog to fail over")
	}
	t.Logf("%.1fs: every report filed and signed for", time.Since(start).Seconds())
	c.settled(logs)

	// Once everything is seen through: each update acted once, each ticket was told once and
	// no case went untold, both replicas did the work, the send limits held.
	people := append(slices.Clone(reporters), cadres...)
	presses := eachUpdateActedOnce(t, c, people)
	told := eachTicketToldOnce(t, c, reporters, cadres, units)
	total := bothReplicasAtWork(t, replicas, lb, reporters)
	burst := keptToTheSendLimits(t, c, people, killedAt, healedAt.Add(2*time.Second))

	// With a replica down, the balancer sends every update to the other, which serves them.
	replicas[0].kill()
	owner, before := reporters[0], lb.took(reporters[0].u.ID)
	for range 2 {
		if _, _, err := owner.step(ctx, owner.send(ctx, "/help"), "您可以使用"); err != nil {
			t.Fatalf("with one replica down: %v", err)
		}
	}
	if after := lb.took(owner.u.ID); after[0] != before[0] || after[1] != before[1]+2 {
		t.Errorf("with one replica down, the updates went %v, then %v; want both to the replica up", before, after)
	}

	var again, restarts, redelivered int
	for _, a := range people {
		again, restarts, redelivered = again+a.tryAgain, restarts+a.restarts, redelivered+a.redelivered
	}
	t.Logf("%d tickets told, %d presses, %d updates delivered again; %d told to try again, %d to start again; "+
		"updates by replica %v; longest burst to a chat %d", told, presses, redelivered, again, restarts, total, burst)
	{
		// From what they were doing as the master was killed.
		from, later := 0, 0
		for i, l := range victim.transcript {
			if l.at.After(killedAt) {
				later++
			} else if strings.HasPrefix(l.text, "→") {
				from = i
			}
		}
		after := victim.transcript[from:]
		if later == 0 {
			t.Errorf("%s did nothing after the failover", victim.u.FirstName)
		}
		t.Logf("the chat of %s from the kill on:\n%s", victim.u.FirstName, lines(after))
	}
}

// eachUpdateActedOnce checks that nothing was answered that was not asked, and that each press
// was answered once, but those the person was told to try again, which were never applied:
// "try again" is all they got, however often they were delivered. It returns the presses.
func eachUpdateActedOnce(t *testing.T, c *county, people []*actor) int {
	t.Helper()
	for _, a := range people {
		if extra := a.unread(); len(extra) > 0 {
			t.Errorf("%s got answers nothing asked for (an update acted twice?): %q", a.u.FirstName, extra)
		}
	}
	answers := map[string]int{}
	for _, call := range c.sim.CallsTo("answerCallbackQuery") {
		ok := call.Status == http.StatusOK || call.Status == http.StatusBadRequest // a second answer is refused
		if ok && !strings.Contains(call.Params["text"], zhTryAgain) {
			answers[call.Params["callback_query_id"]]++
		}
	}
	presses := 0
	for _, a := range people {
		for id := range a.presses {
			presses++
			want := 1
			if a.withdrawn[id] {
				want = 0
			}
			if n := answers[id]; n != want {
				t.Errorf("a press of %s (withdrawn: %v) was answered %d times; want %d", a.u.FirstName, a.withdrawn[id], n, want)
			}
		}
	}
	return presses
}

// eachTicketToldOnce checks that every ticket told exists once, with what its reporter wrote,
// and was told once; that every case was told; that each was signed for once, and its
// reporter and cadre told once. It returns the tickets told.
func eachTicketToldOnce(t *testing.T, c *county, reporters, cadres []*actor, units []string) int {
	t.Helper()
	ctx := context.Background()
	type row struct {
		ticket, desc, unit, status string
		signed                     int
	}
	rows, err := c.pool.Query(ctx, `SELECT c.ticket_no, c.description, u.code, c.status,
		(SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.kind = 'signed')::int
		FROM cases c JOIN units u ON u.id = c.unit_id`)
	if err != nil {
		t.Fatal(err)
	}
	cases, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.ticket, &x.desc, &x.unit, &x.status, &x.signed)
		return x, err
	})
	if err != nil {
		t.Fatal(err)
	}
	byTicket := map[string]row{}
	for _, x := range cases {
		byTicket[x.ticket] = x
	}
	told := 0
	for i, r := range reporters {
		if len(r.tickets) != 2 {
			t.Errorf("%s was told %d tickets; want 2", r.u.FirstName, len(r.tickets))
		}
		for no, desc := range r.tickets {
			told++
			x, ok := byTicket[no]
			switch {
			case !ok:
				t.Errorf("%s was told %s, which is not in Postgres", r.u.FirstName, no)
				continue
			case x.desc != desc || x.unit != units[i]:
				t.Errorf("%s is %q of %s; its reporter wrote %q for %s", no, x.desc, x.unit, desc, units[i])
			case x.status != "in_progress" || x.signed != 1:
				t.Errorf("%s is %s, signed for %d times; want in progress, signed once", no, x.status, x.signed)
			}
			if n := r.count("已受理，编号 " + no); n != 1 {
				t.Errorf("%s was told %s %d times; want once", r.u.FirstName, no, n)
			}
			if n := r.count("已签收您反映的问题 " + no); n != 1 {
				t.Errorf("%s was told %d times that %s was signed for; want once", r.u.FirstName, n, no)
			}
			cadre := cadres[i/2]
			if n := cadre.count("您有一件新交办的问题，编号 " + no); n != 1 {
				t.Errorf("%s was told %d times of %s; want once", cadre.u.FirstName, n, no)
			}
		}
	}
	if len(cases) != told {
		t.Errorf("%d cases in Postgres, %d tickets told: a case was filed that its reporter was never told of", len(cases), told)
	}
	return told
}

// bothReplicasAtWork checks that both replicas took updates, of every reporter's chat, and
// returns how many each handled.
func bothReplicasAtWork(t *testing.T, replicas []*replica, lb *balancer, reporters []*actor) []int {
	t.Helper()
	var total []int
	for _, r := range replicas {
		total = append(total, r.updates(t))
	}
	if total[0] == 0 || total[1] == 0 {
		t.Errorf("updates handled by the replicas: %v; want both at work", total)
	}
	for _, r := range reporters {
		if took := lb.took(r.u.ID); took[0] == 0 || took[1] == 0 {
			t.Errorf("the updates of %s went %v to the replicas; want them spread across both", r.u.FirstName, took)
		}
	}
	return total
}

// keptToTheSendLimits checks the messages to each person against Telegram's pace for a chat,
// outside the failover: one a second over time, a short burst tolerated (the simulator's
// rule, telegramtest.ChatBurst). It returns the longest burst seen: how many messages ran
// ahead of one a second at most.
func keptToTheSendLimits(t *testing.T, c *county, people []*actor, killed, healed time.Time) int {
	t.Helper()
	const gap = time.Second
	longest := 0
	for _, a := range people {
		var tat time.Time // when the chat's next message is due, over time
		for _, call := range c.sim.Calls() {
			switch call.Method {
			case "sendMessage", "editMessageText", "editMessageReplyMarkup":
			default:
				continue
			}
			if call.Status != http.StatusOK || call.Params["chat_id"] != strconv.FormatInt(a.u.ID, 10) {
				continue
			}
			if call.At.After(killed) && call.At.Before(healed) {
				tat = time.Time{}
				continue
			}
			if tat.Before(call.At) {
				tat = call.At
			}
			ahead := int(tat.Sub(call.At)/gap) + 1
			longest = max(longest, ahead)
			if ahead > telegramtest.ChatBurst {
				t.Errorf("%d messages to %s ran ahead of one a second; Telegram tolerates a burst of %d", ahead, a.u.FirstName, telegramtest.ChatBurst)
			}
			tat = tat.Add(gap)
		}
	}
	return longest
}

// balancer is a load balancer in front of bangban's replicas, as a city runs them. It sends
// each chat's updates to the replicas in turn, so that every chat is served by both, and an
// update to the other replica when the one whose turn it is refuses the connection.
type balancer struct {
	backends []string
	srv      *httptest.Server
	tr       *http.Transport
	mu       sync.Mutex
	turn     map[int64]int   // how many updates of each chat were passed on
	taken    []map[int64]int // per replica, the updates of each chat it took
}

func newBalancer(t *testing.T, backends ...string) *balancer {
	t.Helper()
	b := &balancer{backends: backends, tr: http.DefaultTransport.(*http.Transport).Clone(), turn: map[int64]int{}}
	for range backends {
		b.taken = append(b.taken, map[int64]int{})
	}
	proxy := &httputil.ReverseProxy{
		// The replica is chosen by RoundTrip; the proxy only passes the request on.
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.Out.URL.Scheme, pr.Out.URL.Host = "http", backends[0] },
		Transport: b,
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	b.srv = httptest.NewServer(proxy)
	t.Cleanup(func() {
		b.srv.Close()
		b.tr.CloseIdleConnections()
	})
	return b
}

// URL is where Telegram posts updates.
func (b *balancer) URL() string { return b.srv.URL }

func (b *balancer) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	chat := updateChat(body)
	b.mu.Lock()
	first := int((int64(b.turn[chat]) + chat) % int64(len(b.backends)))
	b.turn[chat]++
	b.mu.Unlock()
	var last error
	for i := range b.backends {
		k := (first + i) % len(b.backends)
		out := req.Clone(req.Context())
		out.URL.Host, out.Host = b.backends[k], b.backends[k]
		out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		resp, err := b.tr.RoundTrip(out)
		if err == nil {
			b.mu.Lock()
			b.taken[k][chat]++
			b.mu.Unlock()
			return resp, nil
		}
		last = err
		// Only a replica that refused the connection never saw the update; after any other
		// failure Telegram, not the balancer, delivers it again.
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "dial" {
			return nil, err
		}
	}
	return nil, last
}

// took is how many updates of chat each replica took.
func (b *balancer) took(chat int64) []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	var n []int
	for _, m := range b.taken {
		n = append(n, m[chat])
	}
	return n
}

// updateChat is the chat an update belongs to, or 0.
func updateChat(body []byte) int64 {
	var u struct {
		Message *struct {
			Chat struct{ ID int64 } `json:"chat"`
		} `json:"message"`
		CallbackQuery *struct {
			Message *struct {
				Chat struct{ ID int64 } `json:"chat"`
			} `json:"message"`
		} `json:"callback_query"`
	}
	if json.Unmarshal(body, &u) != nil {
		return 0
	}
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil:
		return u.CallbackQuery.Message.Chat.ID
	}
	return 0
}

// updates is how many updates the replica handled, from its /metrics.
func (r *replica) updates(t *testing.T) int {
	t.Helper()
	resp, err := http.Get("http://" + r.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "bangban_updates_total{"); ok {
			_, v, _ := strings.Cut(rest, "} ")
			f, _ := strconv.ParseFloat(v, 64)
			n += int(f)
		}
	}
	return n
}

// replicaLogs is what every replica said, one after the other.
type replicaLogs []*replica

func (rs replicaLogs) String() string {
	var b strings.Builder
	for i, r := range rs {
		fmt.Fprintf(&b, "--- replica %d (%s):\n%s\n", i, r.addr, r.log.String())
	}
	return b.String()
}

// play is what the people of a test share: the county, and whether one of them failed.
type play struct {
	c      *county
	failed atomic.Bool
}

// actor is one person of a play, acting on their own goroutine: what they did and were
// told, and how far they have read their chat.
type actor struct {
	p       *play
	u       telegramtest.User
	invite  string   // the code to bind with, "" when bound already
	notices []string // what marks a notification: news of others' actions, no answer to one's own
	presses map[string]bool
	// withdrawn are the presses answered "try again" when first delivered: never applied.
	withdrawn map[string]bool
	// stage is where a reporter is: ten times the report they are filing, plus the steps of
	// its dialog answered so far.
	stage atomic.Int32

	calls int      // the simulator's calls read so far
	outs  []output // what the bot showed this person
	read  int      // of outs, those taken as answers or notifications

	tickets                         map[string]string // told, with the description written
	tryAgain, restarts, redelivered int
	transcript                      []line
}

// line is one line of a transcript: what the person did, or was shown.
type line struct {
	at   time.Time
	text string
}

func (l line) String() string { return l.at.Format("15:04:05.000") + " " + l.text }

func lines(ls []line) string {
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(l.String() + "\n")
	}
	return b.String()
}

// output is one thing the bot showed a person: a message, an edit, a press's notice.
type output struct {
	text string
	at   time.Time
}

// actor makes a person of the play, who has read what their chat shows already.
func (p *play) actor(u telegramtest.User, invite string, notices ...string) *actor {
	a := &actor{p: p, u: u, invite: invite, notices: notices, presses: map[string]bool{}, withdrawn: map[string]bool{}, tickets: map[string]string{}}
	a.poll()
	a.read = len(a.outs)
	return a
}

func (a *actor) note(format string, args ...any) {
	a.transcript = append(a.transcript, line{time.Now(), fmt.Sprintf(format, args...)})
}

func (a *actor) fail(err error) error {
	a.p.failed.Store(true)
	return fmt.Errorf("%s: %w", a.u.FirstName, err)
}

// poll reads what is new in the chat.
func (a *actor) poll() {
	chat := strconv.FormatInt(a.u.ID, 10)
	calls := a.p.c.sim.CallsFrom(a.calls)
	a.calls += len(calls)
	for _, call := range calls {
		if call.Status != http.StatusOK {
			continue
		}
		switch call.Method {
		case "sendMessage", "editMessageText":
			// An edit that retires a message's buttons once its case moved on (it ends with
			// the line saying what happened) tells nothing new.
			retired := call.Method == "editMessageText" && strings.Contains(call.Params["text"], "\n\n✔ ")
			if call.Params["chat_id"] == chat && !retired {
				a.outs = append(a.outs, output{text: call.Params["text"], at: call.At})
			}
		case "answerCallbackQuery":
			if a.presses[call.Params["callback_query_id"]] && call.Params["text"] != "" {
				a.outs = append(a.outs, output{text: call.Params["text"], at: call.At})
			}
		}
	}
}

func (a *actor) notification(o output) bool {
	for _, n := range a.notices {
		if strings.Contains(o.text, n) {
			return true
		}
	}
	return false
}

// answer waits for the bot's answer to what the person just did, passing over notifications.
func (a *actor) answer(ctx context.Context) (output, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		a.poll()
		for a.read < len(a.outs) {
			o := a.outs[a.read]
			a.read++
			if a.notification(o) {
				a.note("← (notification) %s", firstLineOf(o.text))
				continue
			}
			a.note("← %s", firstLineOf(o.text))
			return o, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return output{}, errors.New("left without an answer for 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// unread is what the bot showed the person that was neither an answer they waited for nor a
// notification.
func (a *actor) unread() []string {
	a.poll()
	var extra []string
	for _, o := range a.outs[a.read:] {
		if !a.notification(o) {
			extra = append(extra, o.text)
		}
	}
	return extra
}

// count is how many things shown to the person contain s.
func (a *actor) count(s string) int {
	a.poll()
	n := 0
	for _, o := range a.outs {
		if strings.Contains(o.text, s) {
			n++
		}
	}
	return n
}

// delivered sees an update through as Telegram does: delivered again while the webhook does
// not answer 200.
func (a *actor) delivered(ctx context.Context, upd telegramtest.Update) error {
	for try := 1; a.p.c.sim.WebhookStatus(upd) != http.StatusOK; try++ {
		if try > 30 || ctx.Err() != nil {
			return fmt.Errorf("update %d not taken: the webhook answered %d", upd.UpdateID, a.p.c.sim.WebhookStatus(upd))
		}
		a.note("  (the webhook answered %d: delivered again)", a.p.c.sim.WebhookStatus(upd))
		time.Sleep(time.Duration(try) * 100 * time.Millisecond)
		a.p.c.sim.Redeliver(upd)
	}
	return nil
}

func (a *actor) send(ctx context.Context, text string) func() (telegramtest.Update, error) {
	return func() (telegramtest.Update, error) {
		a.note("→ %s", text)
		upd := a.p.c.sim.SendText(a.u, text)
		return upd, a.delivered(ctx, upd)
	}
}

// press presses the button labelled label on the latest message that has it, or on m when
// m has an id.
func (a *actor) press(ctx context.Context, label string, m telegramtest.Message) func() (telegramtest.Update, error) {
	return func() (telegramtest.Update, error) {
		ms := a.p.c.sim.Messages(a.u.ID)
		for i := len(ms) - 1; i >= 0; i-- {
			if m.MessageID != 0 && ms[i].MessageID != m.MessageID {
				continue
			}
			for _, row := range ms[i].Buttons {
				for _, b := range row {
					if b.Text == label {
						a.note("→ [%s]", label)
						upd := a.p.c.sim.PressButton(a.u, ms[i], b.CallbackData)
						a.presses[upd.CallbackQuery.ID] = true
						return upd, a.delivered(ctx, upd)
					}
				}
			}
		}
		return telegramtest.Update{}, fmt.Errorf("no button %q to press", label)
	}
}

// The answers that are not the one hoped for.
const (
	zhTryAgain      = "系统暂时繁忙"
	zhExpiredNotice = "这个操作已过期"
	zhExpired       = "您之前的操作已过期"
	zhUnknownInput  = "没有看懂这条消息"
	zhStaleButton   = "这个按钮已失效"
)

// errStartAgain says the person was told their dialog is gone.
var errStartAgain = errors.New("told to start again")

// step does one thing until it is taken: again when the person is told to try again; it
// returns errStartAgain when they are told their dialog is gone, and an error for any other
// answer than want.
func (a *actor) step(ctx context.Context, do func() (telegramtest.Update, error), want ...string) (output, telegramtest.Update, error) {
	for try := 1; ; try++ {
		upd, err := do()
		if err != nil {
			return output{}, upd, err
		}
		o, err := a.answer(ctx)
		if err != nil {
			return o, upd, err
		}
		for _, w := range want {
			if strings.Contains(o.text, w) {
				return o, upd, nil
			}
		}
		switch {
		case strings.Contains(o.text, zhTryAgain):
			a.tryAgain++
			if upd.CallbackQuery != nil {
				a.withdrawn[upd.CallbackQuery.ID] = true
			}
			if try == 150 || ctx.Err() != nil {
				return o, upd, errors.New("told to try again 150 times")
			}
			time.Sleep(200 * time.Millisecond)
		case strings.Contains(o.text, zhExpiredNotice):
			// A press on a dialog that is gone: the message that says so follows.
			if o, err = a.answer(ctx); err != nil || !strings.Contains(o.text, zhExpired) {
				return o, upd, fmt.Errorf("a press on a dialog that is gone, then %q (%w)", o.text, err)
			}
			a.restarts++
			return o, upd, errStartAgain
		case strings.Contains(o.text, zhExpired), strings.Contains(o.text, zhUnknownInput), strings.Contains(o.text, zhStaleButton):
			a.restarts++
			return o, upd, errStartAgain
		default:
			return o, upd, fmt.Errorf("want an answer with %q, got %q", want, o.text)
		}
	}
}

// again delivers an update that was answered once more, and checks that it is not answered
// again; two at once, through both replicas, when twice. While Redis cannot say whether the
// update was applied, the bot can only answer to try again: that is no second action.
func (a *actor) again(ctx context.Context, upd telegramtest.Update, twice bool) error {
	a.note("  (delivered again%s)", map[bool]string{true: " twice at once"}[twice])
	var wg sync.WaitGroup
	n := 1
	if twice {
		n = 2
	}
	for range n {
		wg.Go(func() { a.p.c.sim.Redeliver(upd) })
	}
	wg.Wait()
	a.redelivered += n
	if err := a.delivered(ctx, upd); err != nil {
		return err
	}
	a.poll()
	for _, o := range a.outs[a.read:] {
		switch {
		case a.notification(o):
		case strings.Contains(o.text, zhTryAgain):
			a.note("← %s", o.text)
			a.tryAgain++
		default:
			return fmt.Errorf("update %d delivered again was answered again: %q", upd.UpdateID, o.text)
		}
	}
	a.read = len(a.outs)
	return nil
}

// bind binds the person with their invite, if they have one.
func (a *actor) bind(ctx context.Context) error {
	if a.invite == "" {
		return nil
	}
	_, upd, err := a.step(ctx, a.send(ctx, "/start "+a.invite), "绑定成功")
	if err != nil {
		return err
	}
	return a.again(ctx, upd, false)
}

// report binds the reporter and files one problem of each category, with its description.
func (a *actor) report(ctx context.Context, categories, descs []string) error {
	if err := a.bind(ctx); err != nil {
		return a.fail(err)
	}
	for i := range categories {
		if err := a.file(ctx, i+1, categories[i], descs[i]); err != nil {
			return a.fail(err)
		}
	}
	return nil
}

// file walks through /new to the ticket, starting again as often as the person is told to.
func (a *actor) file(ctx context.Context, n int, category, desc string) error {
	for run := 1; ; run++ {
		if run > 1 {
			// Whatever was left of the dialog is left for good.
			if _, _, err := a.step(ctx, a.send(ctx, "/cancel"), "已退出", "当前没有进行中的操作"); err != nil {
				return err
			}
		}
		err := a.fileOnce(ctx, n, category, desc)
		if !errors.Is(err, errStartAgain) || run == 5 {
			return err
		}
	}
}

func (a *actor) fileOnce(ctx context.Context, n int, category, desc string) error {
	none := telegramtest.Message{}
	for i, s := range []struct {
		do    func() (telegramtest.Update, error)
		want  string
		again bool
	}{
		{a.send(ctx, "/new"), "问题属于哪一类", false},
		{a.press(ctx, category, none), "请描述遇到的问题", false},
		{a.send(ctx, desc), "可以发送照片或文件", true},
		{a.press(ctx, "跳过", none), "如需说明位置", false},
		{a.press(ctx, "跳过", none), "紧急程度", false},
		{a.press(ctx, "普通", none), "请确认您反映的问题", false},
	} {
		o, upd, err := a.step(ctx, s.do, s.want)
		if err != nil {
			if strings.Contains(o.text, "您最近反映过同一类问题") {
				return fmt.Errorf("offered to add to a case of the same kind, which no one told the reporter of: %q", o.text)
			}
			return err
		}
		a.stage.Store(int32(n*10 + i + 1))
		if s.again {
			if err := a.again(ctx, upd, false); err != nil {
				return err
			}
		}
	}
	o, upd, err := a.step(ctx, a.press(ctx, "✔ 确认提交", none), "已受理，编号")
	if err != nil {
		return err
	}
	no := ticketRe.FindString(o.text)
	if _, dup := a.tickets[no]; dup || no == "" {
		return fmt.Errorf("told ticket %q again, or none: %q", no, o.text)
	}
	a.tickets[no] = desc
	return a.again(ctx, upd, true)
}

// signFor binds the cadre and signs for each of n cases as its assignment arrives.
func (a *actor) signFor(ctx context.Context, n int) error {
	if err := a.bind(ctx); err != nil {
		return a.fail(err)
	}
	signed := map[string]bool{}
	for len(signed) < n {
		var m telegramtest.Message
		var no string
		for no == "" {
			for _, msg := range a.p.c.sim.Messages(a.u.ID) {
				if x := ticketRe.FindString(msg.Text); x != "" && strings.Contains(msg.Text, "您有一件新交办的问题") && !signed[x] {
					m, no = msg, x
					break
				}
			}
			if no == "" {
				if ctx.Err() != nil {
					return a.fail(fmt.Errorf("%d of %d cases assigned before the end", len(signed), n))
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		a.note("  (assigned %s)", no)
		_, upd, err := a.step(ctx, a.press(ctx, "✍ 签收", m), "您已签收 "+no)
		if err != nil {
			return a.fail(err)
		}
		signed[no] = true
		if err := a.again(ctx, upd, false); err != nil {
			return a.fail(err)
		}
	}
	return nil
}

func firstLineOf(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
