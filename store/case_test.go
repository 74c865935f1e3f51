package store_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func newRegion(t *testing.T, s *store.Store) store.Region {
	t.Helper()
	r, err := s.PutRegion(context.Background(), store.Region{Code: "410000-test", Name: "测试县", Level: store.LevelCounty})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// DESIGN.md §3: unique under any concurrency, never reused. 200 reporters confirming at the
// same moment get 200 distinct numbers, 0001 to 0200 with none missing.
func TestTicketNumbersUnderConcurrency(t *testing.T) {
	t.Parallel()
	loc := shanghai(t)
	// 23:30 UTC on the 23rd is already the 24th in Shanghai: the date is the local one.
	s := storetest.NewStore(t, store.Options{Location: loc, TicketPrefix: "XC",
		Now: fixedClock(time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC))})
	region := newRegion(t, s)

	const n = 200
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		nos  []string
		errs []error
	)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c, err := s.Submit(context.Background(), store.SubmitParams{RegionID: region.ID,
				Description: fmt.Sprintf("问题 %d: 电力线路需要增容", i)})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			nos = append(nos, c.TicketNo)
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d submissions failed, first: %v", len(errs), errs[0])
	}
	sort.Strings(nos)
	for i, no := range nos {
		want := fmt.Sprintf("XC-20261124-%04d", i+1)
		if no != want {
			t.Fatalf("ticket %d = %s, want %s (numbers must be distinct and gap-free)", i, no, want)
		}
	}
}

func TestTicketNumbersRestartEachLocalDayAndGrowPastFourDigits(t *testing.T) {
	t.Parallel()
	loc := shanghai(t)
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, loc)
	s := storetest.NewStore(t, store.Options{Location: loc, TicketPrefix: "BB", Now: func() time.Time { return now }})
	region := newRegion(t, s)
	ctx := context.Background()
	submit := func() string {
		t.Helper()
		c, err := s.Submit(ctx, store.SubmitParams{RegionID: region.ID, Description: "道路需要修补"})
		if err != nil {
			t.Fatal(err)
		}
		return c.TicketNo
	}
	if got := submit(); got != "BB-20261124-0001" {
		t.Fatalf("first of the day = %s", got)
	}
	now = now.Add(24 * time.Hour)
	if got := submit(); got != "BB-20261125-0001" {
		t.Fatalf("first of the next day = %s", got)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE ticket_counters SET last = 9999 WHERE day = '2026-11-25'`); err != nil {
		t.Fatal(err)
	}
	if got := submit(); got != "BB-20261125-10000" {
		t.Fatalf("after 9999 = %s, want a fifth digit", got)
	}
}

func TestSubmitRecordsCaseEventAndNotificationTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, store.Options{})
	region := newRegion(t, s)
	desc := "Robert'); DROP TABLE cases;-- 🚜 村道塌方"
	c, err := s.Submit(ctx, store.SubmitParams{RegionID: region.ID, Description: "  " + desc + "\n", Urgent: true,
		Notify: &store.Notification{ChatID: 42, Lang: "en", MessageID: "case_received"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.CaseByTicket(ctx, c.TicketNo)
	if err != nil {
		t.Fatal(err)
	}
	if got.Description != desc || got.Status != store.StatusSubmitted || got.Urgency != "urgent" {
		t.Fatalf("stored case = %+v", got)
	}
	evs, err := s.Events(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Kind != store.EventSubmitted || *evs[0].ToStatus != store.StatusSubmitted {
		t.Fatalf("events = %+v, want one submitted event", evs)
	}
	var args string
	if err := s.Pool().QueryRow(ctx, `SELECT args::text FROM river_job WHERE kind = 'notification'`).Scan(&args); err != nil {
		t.Fatalf("notification job: %v", err)
	}
	if !strings.Contains(args, c.TicketNo) {
		t.Fatalf("notification args %s lack the ticket number %s", args, c.TicketNo)
	}
	// The timeline is immutable.
	if _, err := s.Pool().Exec(ctx, `UPDATE case_events SET note = 'x'`); err == nil {
		t.Fatal("updating an event succeeded; events must be immutable")
	}
}

func TestSubmitRefusesBadDescriptionAndKeepsNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, store.Options{})
	region := newRegion(t, s)
	for _, desc := range []string{"", "   \n ", strings.Repeat("长", store.MaxDescription+1)} {
		_, err := s.Submit(ctx, store.SubmitParams{RegionID: region.ID, Description: desc})
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("description of %d runes: err = %v, want ErrInvalid", len([]rune(desc)), err)
		}
	}
	// An unknown region fails inside the transaction: no case, no number taken.
	if _, err := s.Submit(ctx, store.SubmitParams{RegionID: 999999, Description: "有效的描述内容"}); err == nil {
		t.Fatal("submit to an unknown region succeeded")
	}
	var cases, counters int
	if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM ticket_counters)`).Scan(&cases, &counters); err != nil {
		t.Fatal(err)
	}
	if cases != 0 || counters != 0 {
		t.Fatalf("after refused submissions: %d cases, %d counters; want none", cases, counters)
	}
}

func TestCaseByTicketUnknown(t *testing.T) {
	t.Parallel()
	s := storetest.NewStore(t, store.Options{})
	if _, err := s.CaseByTicket(context.Background(), "XC-20261124-0001"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}
