package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

// The fault suite runs the real binary against the simulator and breaks it where a lost
// report or a lost ticket message would hurt most: killed (SIGKILL) after the confirm's
// transaction committed and before the reply went out, killed inside that transaction, Redis
// stalled mid-dialog, killed while a notification was being sent. After each, the report
// exists once and each person is told once.

const faultToken = "7100000009:FAULT-token"

// county is a demo county on its own database and Redis key space, with the simulator, and
// the replicas of `bangban serve` a test starts and kills.
type county struct {
	t       *testing.T
	bin     string
	sim     *telegramtest.Server
	pool    *pgxpool.Pool
	dbURL   string
	redis   string
	prefix  string
	webhook bool
	addr    string
	extra   []string
	owner   telegramtest.User
	cadre   telegramtest.User
}

func newCounty(t *testing.T, webhook bool, redisURL string, extra ...string) *county {
	t.Helper()
	ctx := context.Background()
	c := &county{t: t, bin: buildBinary(t), sim: telegramtest.New(), webhook: webhook, addr: freeAddr(t), extra: extra,
		owner: telegramtest.User{ID: 61001, FirstName: "周总", LanguageCode: "zh-hans"},
		cadre: telegramtest.User{ID: 61002, FirstName: "陈国华", LanguageCode: "zh-hans"}}
	t.Cleanup(c.sim.Close)
	c.pool, c.dbURL = storetest.NewDB(t)
	c.redis, c.prefix = redisURL, "fault:"+strconv.FormatInt(time.Now().UnixNano(), 36)+":"
	if redisURL == "" {
		_, c.prefix = redistest.New(t)
		c.redis = redistest.URL()
	}
	st, err := store.New(c.pool, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, probs, err := st.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("demo: %v %+v", err, probs)
	}
	r := c.start()
	defer func() {
		if t.Failed() {
			t.Logf("bangban said:\n%s", r.log.String())
		}
	}()
	for _, j := range []struct {
		u telegramtest.User
		p store.InviteParams
	}{
		{c.owner, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}},
		{c.cadre, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"}},
	} {
		inv, err := st.CreateInvite(ctx, j.p)
		if err != nil {
			t.Fatal(err)
		}
		c.sim.SendText(j.u, "/start "+inv.Code)
		c.waitText(j.u, "绑定成功", r)
	}
	r.kill()
	return c
}

// replica is one `bangban serve` process.
type replica struct {
	t    *testing.T
	cmd  *exec.Cmd
	log  *syncBuffer
	addr string
}

// start runs a replica and waits until it takes updates.
func (c *county) start() *replica { return c.startAt(c.addr, "http://"+c.addr+"/hook") }

// startAt runs a replica listening on addr that, in webhook mode, registers hook as its
// webhook: its own address, or that of a load balancer in front of several replicas.
func (c *county) startAt(addr, hook string) *replica {
	c.t.Helper()
	cmd := exec.Command(c.bin, "serve")
	r := &replica{t: c.t, cmd: cmd, log: &syncBuffer{}, addr: addr}
	cmd.Stderr = r.log
	cmd.Env = append(os.Environ(), "TELEGRAM_BOT_TOKEN="+faultToken, "TELEGRAM_API_URL="+c.sim.URL(),
		"DATABASE_URL="+c.dbURL, "REDIS_URL="+c.redis, "BANGBAN_REDIS_PREFIX="+c.prefix, "LISTEN_ADDR="+addr,
		"BANGBAN_INCOMING_BURST=1000", "BANGBAN_INCOMING_PER_SECOND=1000")
	if c.webhook {
		cmd.Env = append(cmd.Env, "WEBHOOK_URL="+hook, "WEBHOOK_SECRET=fault-secret")
	}
	cmd.Env = append(cmd.Env, c.extra...)
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(r.kill)
	waitFor(c.t, "serve to take updates", func() bool { return strings.Contains(r.log.String(), "taking updates by") }, r.log)
	return r
}

// kill ends the process at once, as a crash or an OOM kill would: nothing is finished.
func (r *replica) kill() {
	if r.cmd.ProcessState != nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	_ = r.cmd.Wait()
}

func (c *county) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	c.t.Cleanup(cancel)
	return ctx
}

// waitText waits for a message to u containing want and returns it.
func (c *county) waitText(u telegramtest.User, want string, r *replica) telegramtest.Message {
	c.t.Helper()
	var found telegramtest.Message
	waitFor(c.t, fmt.Sprintf("%q in the chat of %s", want, u.FirstName), func() bool {
		for _, m := range c.sim.Messages(u.ID) {
			if strings.Contains(m.Text, want) {
				found = m
				return true
			}
		}
		return false
	}, r.log)
	return found
}

// count is how many messages to u contain want.
func (c *county) count(u telegramtest.User, want string) int {
	n := 0
	for _, m := range c.sim.Messages(u.ID) {
		if strings.Contains(m.Text, want) {
			n++
		}
	}
	return n
}

// press presses the button labelled label on the latest message to u that has it.
func (c *county) press(u telegramtest.User, label string) telegramtest.Update {
	c.t.Helper()
	ms := c.sim.Messages(u.ID)
	for i := len(ms) - 1; i >= 0; i-- {
		for _, row := range ms[i].Buttons {
			for _, b := range row {
				if b.Text == label {
					return c.sim.PressButton(u, ms[i], b.CallbackData)
				}
			}
		}
	}
	c.t.Fatalf("no button %q in the chat of %s: %q", label, u.FirstName, texts(ms))
	return telegramtest.Update{}
}

// toConfirm walks the owner through /new to the confirm step.
func (c *county) toConfirm(r *replica, desc string) {
	c.t.Helper()
	c.sim.SendText(c.owner, "/new")
	c.waitText(c.owner, "问题属于哪一类", r)
	c.press(c.owner, "融资")
	c.waitText(c.owner, "请描述遇到的问题", r)
	c.sim.SendText(c.owner, desc)
	c.waitText(c.owner, "可以发送照片或文件", r)
	c.press(c.owner, "跳过")
	c.waitText(c.owner, "如需说明位置", r)
	c.press(c.owner, "跳过")
	c.waitText(c.owner, "紧急程度", r)
	c.press(c.owner, "普通")
	c.waitText(c.owner, "请确认您反映的问题", r)
}

// settled waits until nothing is left half done: no chat pending in Redis, no notification
// unsent.
func (c *county) settled(out fmt.Stringer) {
	c.t.Helper()
	opts, err := redisOptions(c.redis) // one server or a Cluster, as bangban reads it
	if err != nil {
		c.t.Fatal(err)
	}
	rdb := newRedis(opts)
	defer rdb.Close()
	bot := strings.SplitN(faultToken, ":", 2)[0]
	waitFor(c.t, "every update and notification to be seen through", func() bool {
		pending, err := rdb.ZCard(context.Background(), c.prefix+"{"+bot+"}:pending").Result()
		if err != nil {
			return false
		}
		var jobs int
		if err := c.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'notification'
			AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&jobs); err != nil {
			c.t.Fatal(err)
		}
		return pending == 0 && jobs == 0
	}, out)
}

func (c *county) cases() int {
	c.t.Helper()
	var n int
	if err := c.pool.QueryRow(context.Background(), "SELECT count(*) FROM cases").Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

// exactlyOnce checks the end of a report after a fault: one case, its ticket told once to the
// owner and its assignment once to the cadre.
func (c *county) exactlyOnce(r *replica) {
	c.t.Helper()
	m := c.waitText(c.owner, "已受理，编号", r)
	no := ticketRe.FindString(m.Text)
	c.waitText(c.cadre, no, r)
	c.settled(r.log)
	if n := c.cases(); n != 1 {
		c.t.Fatalf("%d cases; want the report filed once", n)
	}
	if n := c.count(c.owner, "已受理，编号"); n != 1 {
		c.t.Fatalf("the ticket message reached the owner %d times; want once", n)
	}
	if n := c.count(c.cadre, no); n != 1 {
		c.t.Fatalf("the assignment reached the cadre %d times; want once", n)
	}
}

func faultModes() []struct {
	name    string
	webhook bool
} {
	return []struct {
		name    string
		webhook bool
	}{{"polling", false}, {"webhook", true}}
}

// Killed after the confirm's transaction committed and before the reply went out: after a
// restart the reporter gets the ticket message exactly once, and the cadre the assignment.
func TestKilledAfterCommitBeforeReply(t *testing.T) {
	t.Parallel()
	for _, md := range faultModes() {
		t.Run(md.name, func(t *testing.T) {
			t.Parallel()
			// The cadre's assignment may be in hand when the process dies: it is run again once
			// its run would have timed out, sooner than by default.
			c := newCounty(t, md.webhook, "", "BANGBAN_SEND_TIMEOUT=5s", "BANGBAN_JOB_TIMEOUT=6s", "BANGBAN_JOB_RESCUE_AFTER=7s")
			r := c.start()
			c.toConfirm(r, "流动资金贷款审批迟迟没有结果")

			// Telegram hangs for the owner's chat: the reply to the confirm cannot go out.
			c.sim.SetChatDelay(c.owner.ID, time.Hour)
			confirm := c.press(c.owner, "✔ 确认提交")
			waitFor(t, "the case to be committed", func() bool { return c.cases() == 1 }, r.log)
			// The ticket goes into the summary confirmed.
			if err := c.sim.WaitInFlight(c.ctx(), "editMessageText"); err != nil {
				t.Fatal(err)
			}
			r.kill()
			c.sim.SetChatDelay(c.owner.ID, 0)
			if n := c.count(c.owner, "已受理"); n != 0 {
				t.Fatalf("the ticket message went out before the kill")
			}

			r = c.start()
			if md.webhook {
				// Telegram delivers again an update whose webhook request got no answer.
				if code := c.sim.Redeliver(confirm); code != 200 {
					t.Fatalf("redelivered confirm answered %d", code)
				}
			}
			c.exactlyOnce(r)
		})
	}
}

// Killed inside the confirm's transaction (waiting on a lock held elsewhere): nothing was
// committed; the chat's lock of the dead process does not hold the update for long, and
// after a restart the report is filed once and its ticket told once.
func TestKilledInsideTheConfirmsTransaction(t *testing.T) {
	t.Parallel()
	for _, md := range faultModes() {
		t.Run(md.name, func(t *testing.T) {
			t.Parallel()
			c := newCounty(t, md.webhook, "")
			r := c.start()
			c.toConfirm(r, "厂区变压器容量不足，新生产线无法投产")

			ctx := c.ctx()
			conn, err := pgx.Connect(ctx, c.dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, "LOCK TABLE cases IN SHARE ROW EXCLUSIVE MODE"); err != nil {
				t.Fatal(err)
			}
			confirm := c.press(c.owner, "✔ 确认提交")
			waitFor(t, "the confirm's transaction to wait inside", func() bool {
				var n int
				_ = c.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
					AND wait_event_type = 'Lock' AND query ILIKE '%INSERT INTO cases%'`).Scan(&n)
				return n > 0
			}, r.log)
			r.kill()
			if err := tx.Rollback(ctx); err != nil {
				t.Fatal(err)
			}

			restarted := time.Now()
			r = c.start()
			if md.webhook {
				go c.sim.Redeliver(confirm)
			}
			c.waitText(c.owner, "已受理，编号", r)
			t.Logf("ticket told %s after the restart", time.Since(restarted).Round(time.Millisecond))
			c.exactlyOnce(r)
		})
	}
}

// Redis stalls (SIGSTOP) mid-dialog: the reporter's answer gets "try again" in seconds, the
// answer is not applied when Redis wakes, and the chat answers at once after, from where it
// was.
func TestRedisStallMidDialog(t *testing.T) {
	t.Parallel()
	srv := redistest.StartServer(t)
	c := newCounty(t, true, "redis://"+srv.Addr+"/0")
	r := c.start()
	c.sim.SendText(c.owner, "/new")
	c.waitText(c.owner, "问题属于哪一类", r)
	c.press(c.owner, "融资")
	c.waitText(c.owner, "请描述遇到的问题", r)

	srv.Pause(t)
	asked := time.Now()
	stalled := c.sim.SendText(c.owner, "这条消息在 Redis 停顿时发出")
	c.waitText(c.owner, "系统暂时繁忙", r)
	t.Logf("told to try again %s after writing, Redis stalled", time.Since(asked).Round(time.Millisecond))
	time.Sleep(8 * time.Second) // a long stall
	srv.Resume(t)

	woke := time.Now()
	before := len(c.sim.Messages(c.owner.ID))
	c.sim.SendText(c.owner, "/help")
	ms, err := c.sim.WaitMessages(c.ctx(), c.owner.ID, before+2)
	if err != nil {
		t.Fatalf("no answer after Redis woke: %v\n%s", err, r.log.String())
	}
	t.Logf("answered %s after Redis woke", time.Since(woke).Round(time.Millisecond))
	if last := ms[before+1].Text; !strings.Contains(last, "请描述遇到的问题") {
		t.Fatalf("after the stall the dialog shows %q; want it still at the description", last)
	}
	for _, m := range c.sim.Messages(c.owner.ID) {
		if strings.Contains(m.Text, "可以发送照片或文件") {
			t.Fatalf("the answer told to try again was applied after the stall: %q", texts(c.sim.Messages(c.owner.ID)))
		}
	}
	// Delivered again once it is withdrawn (Telegram does not deliver again an update answered
	// 200; this plays a first delivery that had left it waiting), it is not applied either.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	inbox := c.prefix + "{" + strings.SplitN(faultToken, ":", 2)[0] + ":" + strconv.FormatInt(c.owner.ID, 10) + "}:in"
	waitFor(t, "the update told to try again to be withdrawn", func() bool {
		ok, _ := rdb.HExists(context.Background(), inbox, "x:"+strconv.FormatInt(stalled.UpdateID, 10)).Result()
		return ok
	}, r.log)
	if code := c.sim.Redeliver(stalled); code != 200 {
		t.Fatalf("redelivered update answered %d", code)
	}
	c.sim.SendText(c.owner, "银行贷款审批迟迟没有结果")
	c.waitText(c.owner, "可以发送照片或文件", r)
	if n := c.count(c.owner, "可以发送照片或文件"); n != 1 {
		t.Fatalf("the next step was shown %d times", n)
	}
}

// Killed while a notification was being sent: the job queue runs it again once its rescue
// time has passed (BANGBAN_JOB_RESCUE_AFTER, here seconds instead of the minute and a half
// of production), and the cadre is told once.
func TestKilledWhileANotificationIsSent(t *testing.T) {
	t.Parallel()
	// The send outlasts the kill by seconds: on a loaded machine the kill may come a while
	// after the send began, and a send that timed out first would leave no job running.
	c := newCounty(t, false, "", "BANGBAN_SEND_TIMEOUT=5s", "BANGBAN_JOB_TIMEOUT=6s", "BANGBAN_JOB_RESCUE_AFTER=7s")
	r := c.start()
	c.toConfirm(r, "流动资金贷款审批迟迟没有结果")
	c.sim.SetChatDelay(c.cadre.ID, time.Hour)
	c.press(c.owner, "✔ 确认提交")
	m := c.waitText(c.owner, "已受理，编号", r)
	// The cadre's notification in hand: its job running, its send hanging. Another message
	// on its way meanwhile (to another chat) is no sign of it.
	jobState := func() string {
		var state string
		if err := c.pool.QueryRow(context.Background(), `SELECT state FROM river_job WHERE kind = 'notification'
			AND (args->>'chat_id')::bigint = $1 ORDER BY id LIMIT 1`, c.cadre.ID).Scan(&state); err != nil {
			return err.Error()
		}
		return state
	}
	waitFor(t, "the cadre's notification to be in hand", func() bool { return jobState() == "running" }, r.log)
	if err := c.sim.WaitInFlight(c.ctx(), "sendMessage"); err != nil {
		t.Fatal(err)
	}
	r.kill()
	c.sim.SetChatDelay(c.cadre.ID, 0)
	if state := jobState(); state != "running" {
		t.Fatalf("the notification's job is %q; want it left running by the dead process", state)
	}
	time.Sleep(7 * time.Second) // the rescue time, which the new leader's first rescue then finds passed

	r = c.start()
	no := ticketRe.FindString(m.Text)
	c.waitText(c.cadre, no, r)
	c.settled(r.log)
	if n := c.count(c.cadre, no); n != 1 {
		t.Fatalf("the cadre was told %d times; want once", n)
	}
}

func texts(ms []telegramtest.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return out
}

var ticketRe = regexp.MustCompile(`XC-\d{8}-\d{4,}`)
