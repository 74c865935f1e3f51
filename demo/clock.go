package demo

import (
	"sync"
	"time"

	"github.com/bangban/bangban/store/calendar"
)

// Clock is the demo's time: the wall clock moved on by an offset that only grows. The store
// reads it as its Now, and the job queue as its time source (river's TimeGenerator), so that
// a day moved on the page is a day for the deadlines, the reminders and the periodic jobs.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	loc    *time.Location
}

// NewClock starts a clock at start, in the city's time zone loc.
func NewClock(start time.Time, loc *time.Location) *Clock {
	return &Clock{offset: time.Until(start), loc: loc}
}

// Now is the demo's time. It keeps the wall clock's monotonic reading, as river asks of its
// time source.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// NowOrNil is the demo's time for what river writes to the database: always set, since the
// database's own now() is the wall clock's.
func (c *Clock) NowOrNil() *time.Time {
	t := c.Now()
	return &t
}

// Move moves the clock on by d; a d not above zero does nothing, since time in the store and
// the queue never goes back.
func (c *Clock) Move(d time.Duration) time.Time {
	c.mu.Lock()
	if d > 0 {
		c.offset += d
	}
	c.mu.Unlock()
	return c.Now()
}

// NextMonday is the first Monday 09:00 after now, in the city's time zone: the weekly
// bulletin's hour.
func (c *Clock) NextMonday(now time.Time) time.Time {
	local := now.In(c.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, c.loc)
	for {
		if at := day.Add(9 * time.Hour); day.Weekday() == time.Monday && at.After(now) {
			return at
		}
		day = day.AddDate(0, 0, 1)
	}
}

// WorkingStart is when a demo begins: now when it is working time (09:00 to 17:00 of a
// working day in the city's time zone), else 09:00 of the next working day, so that what the
// bot sends only in working hours is seen at once; and never before notBefore, the last thing
// the demo's database recorded, so that a demo started again goes on from where it was.
func WorkingStart(now, notBefore time.Time, loc *time.Location, cal *calendar.Calendar) time.Time {
	if notBefore.After(now) {
		now = notBefore
	}
	local := now.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	if cal.Workday(day) && !local.Before(day.Add(9*time.Hour)) && local.Before(day.Add(17*time.Hour)) {
		return now
	}
	if !local.Before(day.Add(9 * time.Hour)) {
		day = day.AddDate(0, 0, 1)
	}
	for !cal.Workday(day) {
		day = day.AddDate(0, 0, 1)
	}
	return day.Add(9 * time.Hour)
}
