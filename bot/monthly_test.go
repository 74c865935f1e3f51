package bot_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
)

// workbookIn waits for the one document u got from index n on whose caption holds caption,
// passing over whatever else comes, and opens it as a workbook. It returns the tickets of
// its ledger sheet (named sheet), in order, and the ledger's header row.
func (h *harness) workbookIn(t *testing.T, u telegramtest.User, n int, caption, name, sheet string) ([]string, []string) {
	t.Helper()
	var docs []telegramtest.Message
	find := func() bool {
		docs = docs[:0]
		for _, m := range h.sim.Messages(u.ID)[n:] {
			if m.DocumentFileID != "" && strings.Contains(m.Caption, caption) {
				docs = append(docs, m)
			}
		}
		return len(docs) > 0
	}
	deadline := time.Now().Add(30 * time.Second)
	for !find() {
		if time.Now().After(deadline) {
			t.Fatalf("chat %d has no document %q: %q", u.ID, caption, texts(h.sim.Messages(u.ID)))
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.reportsDone(t, "monthly_report")
	find()
	if len(docs) != 1 || docs[0].FileName != name {
		t.Fatalf("chat %d: %d documents %q, the first named %q, want one named %q", u.ID, len(docs), caption, docs[0].FileName, name)
	}
	x, err := excelize.OpenReader(bytes.NewReader(h.sim.FileContent(docs[0].DocumentFileID)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheets %q: %v", x.GetSheetList(), err)
	}
	var tickets []string
	for _, r := range rows[1:] {
		tickets = append(tickets, r[0])
	}
	return tickets, rows[0]
}

// reportsDone waits until every job of kind (bulletin, monthly_report) has been worked.
func (h *harness) reportsDone(t *testing.T, kind string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := h.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = $1
			AND state NOT IN ('completed', 'discarded', 'cancelled')`, kind).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d %s jobs still unsent", n, kind)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// neighbour adds a second county under the city, with a unit, and files a case for it: what
// the city's office sees and the county's office does not.
func (h *harness) neighbour(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var region, unit int64
	if err := h.store.Pool().QueryRow(ctx, `WITH r AS (INSERT INTO regions (code, name, level, parent_id)
			SELECT 'HQ-XX', '邻县', 'county', id FROM regions WHERE code = 'HQ' RETURNING id)
		INSERT INTO units (code, kind, name, region_id) SELECT 'EXX1', 'enterprise', '邻县纺织有限公司', id FROM r RETURNING region_id, id`).Scan(&region, &unit); err != nil {
		t.Fatal(err)
	}
	c, err := h.store.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, Description: "邻县纺织厂用工缺口较大，希望协助招工"})
	if err != nil {
		t.Fatal(err)
	}
	return c.TicketNo
}

// /report month: an office gets the workbook of its county for this month as a document,
// said to be on its way first; it reopens as a workbook whose ledger lists the county's cases
// and not the neighbouring county's, with headers in Chinese. An admin asking in English gets
// the city's, headers in English, the neighbour's case among its rows. A month that is no
// month is the usage; a handler and a reporter are refused the monthly report, the bulletin
// and the figures alike.
func TestMonthlyReportOnAsking(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	owner := telegramtest.User{ID: 9801, FirstName: "周总", LanguageCode: "zh-hans"}
	officeU := telegramtest.User{ID: 9802, FirstName: "高静", LanguageCode: "zh-hans"}
	cadreU := telegramtest.User{ID: 9803, FirstName: "李春梅", LanguageCode: "zh-hans"}
	adminU := telegramtest.User{ID: 9804, FirstName: "Chen", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, officeU, "P017", store.RoleOffice)
	h.join(t, cadreU, "P001", store.RoleHandler)
	h.join(t, adminU, "P024", store.RoleAdmin)
	a := h.file(t, owner, "E001", "厂区变压器容量不足，需要增容")
	b := h.file(t, owner, "E001", "厂区门前道路破损，货车难以通行")
	other := h.neighbour(t)
	h.settled(t)

	month := h.store.MonthStart(h.store.Now()).Format("2006-01")
	n := len(h.sim.Messages(officeU.ID))
	h.sim.SendText(officeU, "/report month")
	h.noticeSince(t, officeU, n, "正在生成云岭县 "+month+" 月报告")
	tickets, header := h.workbookIn(t, officeU, n, "云岭县 "+month+" 月报告", "云岭县-"+month+".xlsx", "问题台账")
	if !slices.Equal(tickets, []string{a, b}) || header[0] != "问题编号" {
		t.Fatalf("the county's ledger: %q under %q, want %q", tickets, header, []string{a, b})
	}

	n = len(h.sim.Messages(adminU.ID))
	h.sim.SendText(adminU, "/report month "+month)
	tickets, header = h.workbookIn(t, adminU, n, "河清市: monthly report for "+month, "河清市-"+month+".xlsx", "Ledger")
	slices.Sort(tickets)
	want := []string{a, b, other}
	slices.Sort(want)
	if !slices.Equal(tickets, want) || header[0] != "Ticket" {
		t.Fatalf("the city's ledger: %q under %q, want %q", tickets, header, want)
	}

	contains(t, h.say(t, officeU, "/report month 2026-13"), "用法：/report week")
	for _, u := range []telegramtest.User{cadreU, owner} {
		contains(t, h.say(t, u, "/report month"), "月报告仅供活动办和管理员查看")
		contains(t, h.say(t, u, "/report week"), "周通报仅供活动办和管理员查看")
		contains(t, h.say(t, u, "/stats"), "统计数据仅供活动办和管理员查看")
	}
	var jobs int
	if err := h.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM river_job WHERE kind = 'monthly_report'").Scan(&jobs); err != nil || jobs != 2 {
		t.Fatalf("%d monthly reports made (%v), want the two asked for by those who may", jobs, err)
	}
}

// demoOn adds the dialogs to a replica's engine; load, on the first replica only, loads the
// demo organisation into the database they share.
func demoOn(t *testing.T, load bool) func(*dialog.Engine, *store.Store) {
	return func(e *dialog.Engine, st *store.Store) {
		if load {
			if _, probs, err := st.ImportOrg(context.Background(), orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
				t.Fatalf("demo: %v %+v", err, probs)
			}
		}
		for _, register := range []func() error{
			func() error { return conversations.RegisterOrg(e, st, "bangban_bot", posterPNG) },
			func() error { return conversations.RegisterReport(e, st) },
			func() error { return conversations.RegisterHandling(e, st) },
			func() error { return conversations.RegisterReports(e, st) },
		} {
			if err := register(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// replicas starts n bots in webhook mode on one database, one Redis and one simulated
// Telegram, with one clock: n replicas of bangban serve, each with its job workers, one of
// them river's leader.
func replicas(t *testing.T, n int) []*harness {
	t.Helper()
	rdb, prefix := redistest.New(t)
	first := startWith(t, true, rdb, prefix, demoOn(t, true))
	hs := []*harness{first}
	for range n - 1 {
		st, err := store.New(first.store.Pool(), store.Options{Now: first.store.Now})
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, startOn(t, &harness{sim: first.sim}, true, rdb, prefix, st, demoOn(t, false)))
	}
	return hs
}

// Three replicas on one database, the weekly bulletin's and the monthly report's runs of all
// three at once, and again: on Monday 1 June at 09:30 each office member gets last week's
// bulletin once (its text and its two charts) and May's workbook once, in their language;
// the county's office sees only its county, the city's office the neighbour's case too.
func TestThreeReplicasSendEachReportOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hs := replicas(t, 3)
	h := hs[0]
	loc := h.store.Location()
	h.travel(time.Date(2026, 5, 27, 10, 0, 0, 0, loc).Sub(h.store.Now()))
	owner := telegramtest.User{ID: 9901, FirstName: "周总", LanguageCode: "zh-hans"}
	zhU := telegramtest.User{ID: 9902, FirstName: "高静", LanguageCode: "zh-hans"}
	enU := telegramtest.User{ID: 9903, FirstName: "Lin", LanguageCode: "en"}
	cityU := telegramtest.User{ID: 9904, FirstName: "罗玉珍", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, zhU, "P017", store.RoleOffice)
	h.join(t, enU, "P018", store.RoleOffice)
	h.join(t, cityU, "P019", store.RoleOffice)
	a := h.file(t, owner, "E001", "厂区变压器容量不足，需要增容")
	b := h.file(t, owner, "E001", "厂区门前道路破损，货车难以通行")
	other := h.neighbour(t)
	h.settled(t)

	h.travel(time.Date(2026, 6, 1, 9, 30, 0, 0, loc).Sub(h.store.Now()))
	var wg sync.WaitGroup
	for _, r := range hs {
		for _, send := range []func(context.Context) (int, error){r.store.SendBulletins, r.store.SendMonthlyReports} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := send(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	for _, r := range hs {
		if n, err := r.store.SendBulletins(ctx); err != nil || n != 0 {
			t.Fatalf("%d more bulletins on another run (%v)", n, err)
		}
		if n, err := r.store.SendMonthlyReports(ctx); err != nil || n != 0 {
			t.Fatalf("%d more monthly reports on another run (%v)", n, err)
		}
	}
	h.reportsDone(t, "bulletin")
	h.reportsDone(t, "monthly_report")

	week := time.Date(2026, 5, 25, 0, 0, 0, 0, loc)
	county, city := []string{a, b}, []string{a, b, other}
	slices.Sort(city)
	for _, tc := range []struct {
		u                            telegramtest.User
		span, found, trend, byRegion string
		caption, file, sheet         string
		tickets                      []string
	}{
		{zhU, "云岭县 周通报 2026-05-25 至 2026-05-31", "发现问题 2（+2）", "云岭县 近8周发现问题与办结数", "云岭县 各地区办理情况",
			"云岭县 2026-05 月报告", "云岭县-2026-05.xlsx", "问题台账", county},
		{enU, "weekly bulletin from 2026-05-25 to 2026-05-31", "Found 2 (+2)", "cases found and resolved in the last 8 weeks", "cases by area",
			"云岭县: monthly report for 2026-05", "云岭县-2026-05.xlsx", "Ledger", county},
		{cityU, "河清市 周通报 2026-05-25 至 2026-05-31", "发现问题 3（+3）", "河清市 近8周发现问题与办结数", "河清市 各地区办理情况",
			"河清市 2026-05 月报告", "河清市-2026-05.xlsx", "问题台账", city},
	} {
		text, _, _ := h.bulletinIn(t, tc.u, 0, tc.span, tc.trend, tc.byRegion, week)
		contains(t, text, tc.found)
		tickets, _ := h.workbookIn(t, tc.u, 0, tc.caption, tc.file, tc.sheet)
		slices.Sort(tickets)
		if !slices.Equal(tickets, tc.tickets) {
			t.Fatalf("%s's workbook lists %q, want %q", tc.u.FirstName, tickets, tc.tickets)
		}
	}
}

// A monthly workbook over what a chat takes (bot.Options.MaxDocument, here 128 kB against
// Telegram's 50 MB) reaches the office as its report sheet alone, under a caption that says
// the whole was too large; the month's two thousand cases are still counted on it.
func TestMonthlyReportTooLargeGoesAsItsReport(t *testing.T) {
	t.Parallel()
	h := startDemo(t, func(o *bot.Options) { o.MaxDocument = 128 << 10 })
	officeU := telegramtest.User{ID: 9811, FirstName: "高静", LanguageCode: "zh-hans"}
	h.join(t, officeU, "P017", store.RoleOffice)
	if _, err := h.store.Pool().Exec(context.Background(), `
		INSERT INTO cases (ticket_no, status, region_id, description, urgency, complexity, created_at, updated_at)
		SELECT 'BIG-' || lpad(i::text, 5, '0'), 'submitted', (SELECT id FROM regions WHERE code = 'HQ-YL'),
			'厂区道路积水，货车无法进出', 'normal', 'ordinary', t, t
		FROM generate_series(1, 2000) i,
			greatest(date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai', now() - interval '1 minute') t`); err != nil {
		t.Fatal(err)
	}
	month := h.store.MonthStart(h.store.Now()).Format("2006-01")
	n := len(h.sim.Messages(officeU.ID))
	h.sim.SendText(officeU, "/report month")
	var doc telegramtest.Message
	deadline := time.Now().Add(30 * time.Second)
	for doc.DocumentFileID == "" {
		for _, m := range h.sim.Messages(officeU.ID)[n:] {
			if m.DocumentFileID != "" {
				doc = m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no document: %q", texts(h.sim.Messages(officeU.ID)[n:]))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(doc.Caption, "超过聊天可收的 0.1 MB") || !strings.Contains(doc.Caption, "2000 件") ||
		doc.FileName != "云岭县-"+month+"-报告.xlsx" {
		t.Fatalf("document %q: %s", doc.FileName, doc.Caption)
	}
	data := h.sim.FileContent(doc.DocumentFileID)
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	found, _ := x.GetCellValue("月报告", "B5")
	if sheets := x.GetSheetList(); len(sheets) != 1 || sheets[0] != "月报告" || found != "2000" || len(data) > 128<<10 {
		t.Fatalf("sheets %q, %s found, %d bytes", sheets, found, len(data))
	}
}
