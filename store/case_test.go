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

// A case being filed does not hold the day's ticket counter for the length of its
// transaction: while one waits inside its transaction, the counter row is free for the next
// case to take its number.
func TestATicketNumberIsNotHeldForACasesTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, store.Options{TicketPrefix: "XC"})
	region := newRegion(t, s)
	// Hold up the first case inside its transaction: the writing of its timeline waits on a
	// lock of the events table.
	blocker, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = blocker.Rollback(ctx) }()
	if _, err := blocker.Exec(ctx, "LOCK TABLE case_events IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		_, err := s.Submit(ctx, store.SubmitParams{RegionID: region.ID, Description: "第一件：道路破损"})
		first <- err
	}()
	// Wait until the first has its number and waits on the lock.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting bool
		if err := s.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO case%')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first case never reached the writing of its timeline")
		}
		time.Sleep(10 * time.Millisecond)
	}
	var last int
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	tx, err := s.Pool().Begin(lctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.QueryRow(lctx, "SELECT last FROM ticket_counters FOR UPDATE NOWAIT").Scan(&last); err != nil {
		t.Fatalf("the day's counter is locked while a case waits inside its transaction: %v", err)
	}
	if last != 1 {
		t.Fatalf("counter at %d; want 1, the waiting case's number", last)
	}
	_ = tx.Rollback(ctx)
	if err := blocker.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
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
	count := func() (cases, counters int) {
		t.Helper()
		if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM ticket_counters)`).Scan(&cases, &counters); err != nil {
			t.Fatal(err)
		}
		return cases, counters
	}
	// Refused before anything is written: no number is taken.
	if cases, counters := count(); cases != 0 || counters != 0 {
		t.Fatalf("after refused descriptions: %d cases, %d counters; want none", cases, counters)
	}
	// An unknown region fails inside the case's transaction: no case; the number it took is
	// not given to the next case.
	if _, err := s.Submit(ctx, store.SubmitParams{RegionID: 999999, Description: "有效的描述内容"}); err == nil {
		t.Fatal("submit to an unknown region succeeded")
	}
	if cases, _ := count(); cases != 0 {
		t.Fatalf("a failed submission left %d cases", cases)
	}
	c, err := s.Submit(ctx, store.SubmitParams{RegionID: region.ID, Description: "有效的描述内容"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(c.TicketNo, "-0002") {
		t.Fatalf("the case after a failed one is %s; want number 0002 (0001 went with the failure)", c.TicketNo)
	}
}

func TestCaseByTicketUnknown(t *testing.T) {
	t.Parallel()
	s := storetest.NewStore(t, store.Options{})
	if _, err := s.CaseByTicket(context.Background(), "XC-20261124-0001"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}
