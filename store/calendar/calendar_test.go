package calendar_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/store/calendar"
)

func day(t *testing.T, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	d, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The shipped calendar: holidays off, make-up Saturdays and Sundays on, other days by the
// week; counting working days skips what is off.
func TestShippedCalendarCountsWorkingDays(t *testing.T) {
	c, err := calendar.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Years(); len(got) != 2 || got[0] != 2026 || got[1] != 2027 {
		t.Fatalf("years %v", got)
	}
	for s, want := range map[string]bool{
		"2026-10-01 09:00": false, // 国庆节, a Thursday
		"2026-10-10 09:00": true,  // a Saturday worked instead
		"2026-10-09 09:00": true,  // a Friday
		"2026-11-28 09:00": false, // a Saturday
		"2026-02-14 09:00": true,  // a Saturday before 春节
		"2026-02-23 09:00": false, // a Monday of 春节
		"2027-02-08 09:00": false, // 初三 of 2027
		"2028-01-03 09:00": true,  // beyond the file: a Monday
	} {
		if got := c.Workday(day(t, s)); got != want {
			t.Errorf("Workday(%s) = %v, want %v", s, got, want)
		}
	}
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-27 19:30", 1, "2026-11-30 19:30"}, // Friday evening: Monday
		{"2026-11-27 19:30", 3, "2026-12-02 19:30"},
		{"2026-11-27 19:30", 7, "2026-12-08 19:30"},
		{"2026-11-28 10:00", 1, "2026-11-30 10:00"}, // from a Saturday, Monday is day one
		{"2026-09-30 18:00", 1, "2026-10-08 18:00"}, // across 国庆节
		{"2026-09-30 18:00", 3, "2026-10-10 18:00"}, // a make-up Saturday counts
		{"2026-09-18 12:00", 2, "2026-09-21 12:00"}, // Sunday 09-20 is worked: day one
	} {
		if got := c.AddWorkdays(day(t, tc.from), tc.n).Format("2006-01-02 15:04"); got != tc.want {
			t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
	if got := c.NextWorkday(day(t, "2026-10-03 08:30")).Format("2006-01-02 15:04"); got != "2026-10-08 08:30" {
		t.Errorf("NextWorkday in 国庆节 = %s", got)
	}
}

func TestBadCalendarFilesNameTheProblem(t *testing.T) {
	for file, want := range map[string]string{
		"[2026]\nholidays = [\"2026-13-01\"]":                              `"2026-13-01" is not a date of 2026`,
		"[2026]\nholidays = [\"2027-01-01\"]":                              `"2027-01-01" is not a date of 2026`,
		"[twenty]\nholidays = []":                                          "[twenty] is not a year",
		"[2026]\nholidays = [\"2026-10-10\"]\nworkdays = [\"2026-10-10\"]": "2026-10-10 is listed as a holiday and as a workday",
		"[2026\nholidays = 1":                                              "read calendar",
		"[2026]\nholidays = \"2026-10-01\"":                                "read calendar",
	} {
		_, err := calendar.Parse(strings.NewReader(file))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error saying %q", file, err, want)
		}
	}
	if _, err := calendar.Load("/nonexistent/calendar.toml"); err == nil || !strings.Contains(err.Error(), "open calendar") {
		t.Errorf("Load of a missing file = %v", err)
	}
}
