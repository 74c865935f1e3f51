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

	ms := h.sayK(t, officeU, "/report week", 3)
	contains(t, ms[0], "云岭县 周通报", "发现问题 2（+2）· 交办 2（+2）", "当前未销号 2", "满意率 —，上周 —",
		"点名通报（超过办结时限 5 个工作日仍未办结，共 0 件）：\n无", "满意率低于 85% 的承办单位：\n无", "问题较多的类别：")
	h.chart(t, ms[1], "云岭县 近8周发现问题与办结数")
	h.chart(t, ms[2], "云岭县 各地区办理情况")

	ms = h.sayK(t, officeU, "/report week 2026-01-07", 3)
	contains(t, ms[0], "2026-01-05 至 2026-01-11", "发现问题 0（±0）")
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
	for _, tc := range []struct {
		u                     telegramtest.User
		text, trend, byRegion string
	}{
		{zhU, "云岭县 周通报", "云岭县 近8周发现问题与办结数", "云岭县 各地区办理情况"},
		{enU, "weekly bulletin", "cases found and resolved in the last 8 weeks", "cases by area"},
	} {
		var text []telegramtest.Message
		var trend, byRegion []telegramtest.Message
		for _, m := range h.sim.Messages(tc.u.ID) {
			switch {
			case strings.Contains(m.Text, tc.text):
				text = append(text, m)
			case strings.Contains(m.Caption, tc.trend):
				trend = append(trend, m)
			case strings.Contains(m.Caption, tc.byRegion):
				byRegion = append(byRegion, m)
			}
		}
		if len(text) != 1 || len(trend) != 1 || len(byRegion) != 1 {
			t.Fatalf("chat %d: %d bulletins, %d and %d charts; the chat has %q", tc.u.ID, len(text), len(trend), len(byRegion), texts(h.sim.Messages(tc.u.ID)))
		}
		if !strings.Contains(text[0].Text, "1 (+1)") && !strings.Contains(text[0].Text, "发现问题 1（+1）") {
			t.Fatalf("last week's case is not counted: %q", text[0].Text)
		}
		h.chart(t, trend[0], tc.trend)
		h.chart(t, byRegion[0], tc.byRegion)
	}
}
