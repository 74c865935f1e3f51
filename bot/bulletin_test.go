package bot_test

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/charts"
	"github.com/bangban/bangban/store"
)

// chart checks that a message is a chart: a photo of the charts' size, with caption in its
// caption.
func (h *harness) chart(t *testing.T, m telegramtest.Message, caption string) {
	t.Helper()
	if m.PhotoFileID == "" || !strings.Contains(m.Caption, caption) {
		t.Fatalf("not the chart %q: %+v", caption, m)
	}
	img, err := png.Decode(bytes.NewReader(h.sim.FileContent(m.PhotoFileID)))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != charts.Width || b.Dy() != charts.Height {
		t.Fatalf("chart %q is %dx%d", caption, b.Dx(), b.Dy())
	}
}

// bulletinIn finds in u's chat, from its n-th message, the bulletin of the week from its
// Monday: its text (which names the week as span does) and its two charts (whose captions
// name the week's last day), waiting for them; whatever else the chat gets meanwhile is
// passed over. Each is found once.
func (h *harness) bulletinIn(t *testing.T, u telegramtest.User, n int, span, trend, byRegion string, monday time.Time) (text, trendChart, regionChart telegramtest.Message) {
	t.Helper()
	last := monday.AddDate(0, 0, 6).Format(time.DateOnly)
	var found [3][]telegramtest.Message
	check := func() bool {
		found = [3][]telegramtest.Message{}
		for _, m := range h.sim.Messages(u.ID)[n:] {
			switch {
			case strings.Contains(m.Text, span):
				found[0] = append(found[0], m)
			case strings.Contains(m.Caption, trend) && strings.Contains(m.Caption, last):
				found[1] = append(found[1], m)
			case strings.Contains(m.Caption, byRegion) && strings.Contains(m.Caption, last):
				found[2] = append(found[2], m)
			}
		}
		return len(found[0]) > 0 && len(found[1]) > 0 && len(found[2]) > 0
	}
	deadline := time.Now().Add(20 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("chat %d has no bulletin %q: %q", u.ID, span, texts(h.sim.Messages(u.ID)))
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.settled(t)
	h.bulletinsDone(t)
	check()
	if len(found[0]) != 1 || len(found[1]) != 1 || len(found[2]) != 1 {
		t.Fatalf("chat %d: %d bulletins %q, %d and %d charts", u.ID, len(found[0]), span, len(found[1]), len(found[2]))
	}
	h.chart(t, found[1][0], trend)
	h.chart(t, found[2][0], byRegion)
	return found[0][0], found[1][0], found[2][0]
}

// An office's /report week is this week's bulletin of its county: the text with the two
// cases found here and their change from last week, the named list and units under the floor
// (none yet), then the two charts as photos; a week given by a date is that week's; a
// handler and a reporter are told the bulletin is for offices.
func TestWeeklyReportForAnOffice(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9601, FirstName: "周总", LanguageCode: "zh-hans"}
	officeU := telegramtest.User{ID: 9602, FirstName: "高静", LanguageCode: "zh-hans"}
	cadreU := telegramtest.User{ID: 9603, FirstName: "李春梅", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, officeU, "P017", store.RoleOffice)
	h.join(t, cadreU, "P001", store.RoleHandler)
	h.file(t, owner, "E001", "厂区变压器容量不足，需要增容")
	h.file(t, owner, "E001", "厂区门前道路破损，货车难以通行")
	h.settled(t)

	monday := h.store.Monday(h.store.Now())
	span := "云岭县 周通报 " + monday.Format(time.DateOnly) + " 至 " + monday.AddDate(0, 0, 6).Format(time.DateOnly)
	n := len(h.sim.Messages(officeU.ID))
	h.sim.SendText(officeU, "/report week")
	text, _, _ := h.bulletinIn(t, officeU, n, span, "云岭县 近8周发现问题与办结数", "云岭县 各地区办理情况", monday)
	contains(t, text, "发现问题 2（+2）· 交办 2（+2）", "当前未销号 2", "满意率 —，上周 —",
		"点名通报（超过办结时限 5 个工作日仍未办结，共 0 件）：\n无", "满意率低于 85% 的承办单位：\n无", "问题较多的类别：")

	n = len(h.sim.Messages(officeU.ID))
	h.sim.SendText(officeU, "/report week 2026-01-07")
	text, _, _ = h.bulletinIn(t, officeU, n, "2026-01-05 至 2026-01-11", "近8周", "各地区办理情况", h.store.Monday(time.Date(2026, 1, 7, 12, 0, 0, 0, h.store.Location())))
	contains(t, text, "发现问题 0（±0）")
	contains(t, h.say(t, officeU, "/report"), "用法：/report week")
	for _, u := range []telegramtest.User{cadreU, owner} {
		contains(t, h.say(t, u, "/report week"), "周通报仅供活动办和管理员查看")
	}
}

// bulletinsDone waits until every bulletin job has been worked.
func (h *harness) bulletinsDone(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := h.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'bulletin'
			AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d bulletins still unsent", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// On Monday at 09:00 each member of the county office gets last week's bulletin once, in
// their language: its text and its two charts, however often the job runs, and when it runs
// twice at once.
func TestTheMondayBulletinReachesEachOfficeMemberOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9701, FirstName: "周总", LanguageCode: "zh-hans"}
	zhU := telegramtest.User{ID: 9702, FirstName: "高静", LanguageCode: "zh-hans"}
	enU := telegramtest.User{ID: 9703, FirstName: "Lin", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, zhU, "P017", store.RoleOffice)
	h.join(t, enU, "P018", store.RoleOffice)
	h.file(t, owner, "E001", "厂区变压器容量不足，需要增容")
	h.settled(t)

	monday := h.store.Monday(h.store.Now()).AddDate(0, 0, 7).Add(9*time.Hour + 30*time.Minute)
	h.travel(monday.Sub(h.store.Now()))
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := h.store.SendBulletins(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n, err := h.store.SendBulletins(ctx); err != nil || n != 0 {
		t.Fatalf("%d more bulletins on a third run (%v)", n, err)
	}
	h.bulletinsDone(t)
	week := h.store.Monday(h.store.Now()).AddDate(0, 0, -7)
	from, to := week.Format(time.DateOnly), week.AddDate(0, 0, 6).Format(time.DateOnly)
	for _, tc := range []struct {
		u                            telegramtest.User
		span, found, trend, byRegion string
	}{
		{zhU, "云岭县 周通报 " + from + " 至 " + to, "发现问题 1（+1）", "云岭县 近8周发现问题与办结数", "云岭县 各地区办理情况"},
		{enU, "weekly bulletin from " + from + " to " + to, "Found 1 (+1)", "cases found and resolved in the last 8 weeks", "cases by area"},
	} {
		text, _, _ := h.bulletinIn(t, tc.u, 0, tc.span, tc.trend, tc.byRegion, week)
		contains(t, text, tc.found)
	}
}
