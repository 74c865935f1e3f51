package demo_test

import (
	"testing"
	"time"

	"github.com/bangban/bangban/demo"
	"github.com/bangban/bangban/store/calendar"
)

// shanghai is the demo county's time zone.
var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// A demo starts in working time, so that what waits for working hours is seen at once, and
// never before what its database last recorded.
func TestADemoStartsInWorkingTime(t *testing.T) {
	loc := shanghai
	cal, err := calendar.Load("")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct{ now, last, want string }{
		{"2026-12-01 10:30", "2026-11-01 10:00", "2026-12-01 10:30"}, // a Tuesday morning: now
		{"2026-12-01 07:10", "2026-11-01 10:00", "2026-12-01 09:00"}, // before work: this morning
		{"2026-12-01 19:45", "2026-11-01 10:00", "2026-12-02 09:00"}, // after work: tomorrow
		{"2026-12-04 17:30", "2026-11-01 10:00", "2026-12-07 09:00"}, // a Friday evening: Monday
		{"2026-12-05 11:00", "2026-11-01 10:00", "2026-12-07 09:00"}, // a Saturday
		{"2026-12-01 10:30", "2026-12-03 15:20", "2026-12-03 15:20"}, // the demo had moved on: from there
		{"2026-09-30 20:00", "2026-09-01 10:00", "2026-10-08 09:00"}, // the National Day holiday
	} {
		if got := demo.WorkingStart(at(tc.now), at(tc.last), loc, cal); !got.Equal(at(tc.want)) {
			t.Errorf("now %s, last %s: starts %s, want %s", tc.now, tc.last, got.In(loc).Format("2006-01-02 15:04"), tc.want)
		}
	}
}

// The clock moves on and never back, and keeps going as the wall clock does.
func TestTheClockMovesOnOnly(t *testing.T) {
	loc := shanghai
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, loc)
	c := demo.NewClock(start, loc)
	if d := c.Now().Sub(start); d < 0 || d > time.Second {
		t.Fatalf("starts %s after %s", d, start)
	}
	if got := c.Move(-time.Hour); got.Before(start) {
		t.Fatalf("moved back to %s", got)
	}
	if d := c.Move(24 * time.Hour).Sub(start); d < 24*time.Hour || d > 24*time.Hour+time.Second {
		t.Fatalf("a day on is %s on", d)
	}
	if at := c.NowOrNil(); at == nil || at.Sub(c.Now()) > time.Second {
		t.Fatalf("what river writes: %v", at)
	}
	for _, tc := range []struct{ from, want time.Time }{
		{time.Date(2026, 12, 1, 9, 0, 0, 0, loc), time.Date(2026, 12, 7, 9, 0, 0, 0, loc)},
		{time.Date(2026, 12, 7, 8, 0, 0, 0, loc), time.Date(2026, 12, 7, 9, 0, 0, 0, loc)},
		{time.Date(2026, 12, 7, 9, 0, 0, 0, loc), time.Date(2026, 12, 14, 9, 0, 0, 0, loc)},
		{time.Date(2026, 12, 6, 23, 0, 0, 0, loc), time.Date(2026, 12, 7, 9, 0, 0, 0, loc)},
	} {
		if got := c.NextMonday(tc.from); !got.Equal(tc.want) {
			t.Errorf("next Monday after %s: %s, want %s", tc.from, got, tc.want)
		}
	}
}
