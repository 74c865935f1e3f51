package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// stranger is a reporter who named E001 without an invite: their link is not verified.
func (w *remindWorld) stranger(t *testing.T) int64 {
	t.Helper()
	return storetest.AddReporter(t, w.s, w.unit, "陌生人", 880001, false)
}

// byStranger files a case for E001 by an unverified reporter, routed as the bot routes it.
func (w *remindWorld) byStranger(t *testing.T, reporter int64, urgent bool) store.Submitted {
	t.Helper()
	c, err := w.s.Submit(context.Background(), store.SubmitParams{RegionID: w.region, UnitID: &w.unit, ReporterID: &reporter,
		Description: "厂区道路需要硬化处理", Urgent: urgent, Route: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.StatusSubmitted || !c.UnverifiedReporter {
		t.Fatalf("an unverified reporter's case went to %s", c.Status)
	}
	return c
}

// officeLangs gives the county office's members a language each: P017 Chinese, P018 English.
func (w *remindWorld) officeLangs(t *testing.T) {
	t.Helper()
	for id, lang := range map[int64]string{w.office: "zh-CN", w.office2: "en"} {
		if _, err := w.s.Pool().Exec(context.Background(), "UPDATE people SET lang = $2 WHERE id = $1", id, lang); err != nil {
			t.Fatal(err)
		}
	}
}

// told are the notifications about case no, as "message→chat lang for person".
func (w *remindWorld) told(t *testing.T, no string) []string {
	t.Helper()
	rows, err := w.s.Pool().Query(context.Background(), `SELECT args->>'msg', (args->>'chat_id')::bigint, coalesce(args->>'lang', ''),
			coalesce((args->>'buttons_for')::bigint, 0)
		FROM river_job WHERE kind = 'notification' AND args->'data'->>'TicketNo' = $1 ORDER BY id`, no)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var msg, lang string
		var chat, forID int64
		if err := rows.Scan(&msg, &chat, &lang, &forID); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s→%d %s for %d", msg, chat, lang, forID))
	}
	return out
}

func (w *remindWorld) wantNew(no string) []string {
	return []string{
		fmt.Sprintf("%s→%d zh-CN for %d", store.NoticeNewCase, w.chat(w.office), w.office),
		fmt.Sprintf("%s→%d en for %d", store.NoticeNewCase, w.chat(w.office2), w.office2),
	}
}

// A case from an unverified reporter waits in triage, where nobody else will act on it: in
// working hours each member of the county office is told at once, in their language, with
// the case's buttons as theirs (worked out when it is sent); the linked cadre is not told.
func TestTheOfficeHearsOfANewCaseInTriageAtOnce(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 9, 21, 10, 0, 0, 0, loc), store.Limits{}) // a Monday morning
	w.officeLangs(t)
	c := w.byStranger(t, w.stranger(t), false)
	if got, want := w.told(t, c.TicketNo), w.wantNew(c.TicketNo); !slices.Equal(got, want) {
		t.Fatalf("told\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p := w.pending(t, c.TicketNo); len(p) != 0 {
		t.Errorf("told at once, and still pending: %v", p)
	}
	for _, n := range w.noticesOf(t, c.TicketNo) {
		if n.Data["Unit"] != "云岭精密机械有限公司" || n.Data["Unverified"] != true || n.Data["Description"] != "厂区道路需要硬化处理" {
			t.Errorf("the office is told %v", n.Data)
		}
	}
	// The sweep has nothing more to say of it.
	if n := w.sweep(t); n != 0 {
		t.Errorf("the sweep sent %d", n)
	}
	if got := w.told(t, c.TicketNo); len(got) != 2 {
		t.Errorf("told twice: %v", got)
	}
}

// Filed at 23:00, a case waits for 08:30 of the next working day, and then reaches each
// member once; two filed over a weekend reach each as one digest on Monday; a case the office
// decided on before the morning is not told; an urgent case is told at once and only once.
func TestANewCaseFiledAtNightWaitsForTheWorkingMorning(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 9, 21, 23, 0, 0, 0, loc), store.Limits{}) // Monday night
	w.officeLangs(t)
	ctx := context.Background()
	reporter := w.stranger(t)

	c := w.byStranger(t, reporter, false)
	if got := w.told(t, c.TicketNo); len(got) != 0 {
		t.Fatalf("told at night: %v", got)
	}
	if got := w.pending(t, c.TicketNo); !slices.Equal(got, []string{"office_new triage 09-22 08:30"}) {
		t.Fatalf("pending %v", got)
	}
	urgent := w.byStranger(t, reporter, true)
	if got := w.told(t, urgent.TicketNo); len(got) != 2 || !strings.HasPrefix(got[0], store.NoticeUrgentNew) || !strings.HasPrefix(got[1], store.NoticeUrgentNew) {
		t.Fatalf("an urgent case at night: %v", got)
	}
	if p := w.pending(t, urgent.TicketNo); len(p) != 0 {
		t.Fatalf("an urgent case is to be told again: %v", p)
	}
	// Another, which an office member does not accept at 08:00, before the morning's notices.
	taken := w.byStranger(t, reporter, false)

	*w.now = w.at(t, "2026-09-22 08:00")
	if _, err := w.s.Reject(ctx, store.ActParams{Ticket: taken.TicketNo, ActorID: w.office, Note: "不属于本活动受理范围"}); err != nil {
		t.Fatal(err)
	}
	// Changes that leave a case in triage, as it was, keep its notice.
	for _, urgent := range []bool{true, false} {
		if _, err := w.s.SetUrgency(ctx, store.ActParams{Ticket: c.TicketNo, ActorID: w.office}, urgent); err != nil {
			t.Fatal(err)
		}
	}
	*w.now = w.at(t, "2026-09-22 08:29")
	if n := w.sweep(t); n != 0 {
		t.Fatalf("the sweep sent %d before 08:30", n)
	}
	*w.now = w.at(t, "2026-09-22 08:30")
	w.sweep(t)
	news := func(no string) []string {
		return slices.DeleteFunc(w.told(t, no), func(s string) bool { return strings.HasPrefix(s, store.NoticeUrgentMarked) })
	}
	if got, want := news(c.TicketNo), w.wantNew(c.TicketNo); !slices.Equal(got, want) {
		t.Fatalf("told at 08:30\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, n := range w.told(t, taken.TicketNo) {
		if strings.HasPrefix(n, store.NoticeNewCase) {
			t.Errorf("a case decided on before the morning is told as new: %v", n)
		}
	}
	if got := w.told(t, urgent.TicketNo); len(got) != 2 {
		t.Errorf("an urgent case told again in the morning: %v", got)
	}
	*w.now = w.at(t, "2026-09-22 09:30")
	w.sweep(t)
	if got := news(c.TicketNo); len(got) != 2 {
		t.Errorf("told again: %v", got)
	}

	// The evening before 中秋节 (the 25th to the 27th) and during it: one digest each on
	// Monday the 28th.
	*w.now = w.at(t, "2026-09-24 19:00")
	a := w.byStranger(t, reporter, false)
	*w.now = w.at(t, "2026-09-26 11:00")
	b := w.byStranger(t, reporter, false)
	if got := w.pending(t, b.TicketNo); !slices.Equal(got, []string{"office_new triage 09-28 08:30"}) {
		t.Fatalf("pending on a day off %v", got)
	}
	*w.now = w.at(t, "2026-09-28 08:30")
	w.sweep(t)
	rows, err := w.s.Pool().Query(ctx, `SELECT (args->>'chat_id')::bigint, coalesce(args->>'lang', ''), args->'data'->>'Count', args->'data'->'Items'->0->>'TicketNo',
			args->'data'->'Items'->1->>'TicketNo', args->'data'->'Items'->0->>'Msg'
		FROM river_job WHERE kind = 'notification' AND args->>'msg' = $1 AND (args->>'chat_id')::bigint = ANY($2) ORDER BY id`,
		store.NoticeDigest, []int64{w.chat(w.office), w.chat(w.office2)})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var digests []string
	for rows.Next() {
		var chat int64
		var lang, count, first, second, msg string
		if err := rows.Scan(&chat, &lang, &count, &first, &second, &msg); err != nil {
			t.Fatal(err)
		}
		digests = append(digests, fmt.Sprintf("%d %s %s %s %s %s", chat, lang, count, first, second, msg))
	}
	want := []string{
		fmt.Sprintf("%d zh-CN 2 %s %s %s", w.chat(w.office), a.TicketNo, b.TicketNo, store.NoticeNewCase),
		fmt.Sprintf("%d en 2 %s %s %s", w.chat(w.office2), a.TicketNo, b.TicketNo, store.NoticeNewCase),
	}
	if !slices.Equal(digests, want) {
		t.Fatalf("digests\n%s\nwant\n%s", strings.Join(digests, "\n"), strings.Join(want, "\n"))
	}
}

// What else waits for an office's decision reaches each of its members with the case's
// buttons as theirs when it is sent (Assign after a hand-back, Grant and Refuse for an
// extension, Re-handle and Write off after "not satisfied"), not only the button that opens
// the case.
func TestOfficeNoticesCarryEachMembersButtons(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	w := newRemindWorld(t, time.Date(2026, 9, 21, 10, 0, 0, 0, loc), store.Limits{})
	ctx := context.Background()
	back := w.assigned(t, store.Ordinary)
	if _, err := w.s.HandBack(ctx, store.ActParams{Ticket: back, ActorID: w.cadre, Note: "不属于本单位职责"}); err != nil {
		t.Fatal(err)
	}
	ext := w.assigned(t, store.Ordinary)
	if _, err := w.s.Sign(ctx, store.ActParams{Ticket: ext, ActorID: w.cadre}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.RequestExtension(ctx, store.ExtensionParams{ActParams: store.ActParams{Ticket: ext, ActorID: w.cadre, Note: "需协调用地"},
		Until: w.at(t, "2026-10-30 18:00")}); err != nil {
		t.Fatal(err)
	}
	for no, msg := range map[string]string{back: store.NoticeHandedBack, ext: store.NoticeExtensionAsked} {
		var got []string
		for _, n := range w.noticesOf(t, no) {
			if n.Msg == msg {
				got = append(got, fmt.Sprintf("→%d for %d", n.Chat, n.ButtonsFor))
			}
		}
		want := []string{fmt.Sprintf("→%d for %d", w.chat(w.office), w.office), fmt.Sprintf("→%d for %d", w.chat(w.office2), w.office2)}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", msg, got, want)
		}
	}
}
