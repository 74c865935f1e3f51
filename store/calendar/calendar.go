// Package calendar knows which days are working days in the city: Monday to Friday, less
// the official holidays, plus the weekend days worked instead (调休上班). Deadlines counted
// in working days (DESIGN.md §4.1) and working hours for reminders use it.
package calendar

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	"github.com/BurntSushi/toml"
)

// China is the calendar shipped with bangban: the official holidays and make-up workdays of
// the current and the next year.
//
//go:embed cn.toml
var China []byte

// Calendar tells working days from days off. The zero value knows no holidays: Monday to
// Friday work.
type Calendar struct {
	off, on map[civil]bool
	years   []int
}

// civil is a date without a time or a zone.
type civil struct {
	y int
	m time.Month
	d int
}

func civilOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

// year is one year of the file.
type year struct {
	Source   string   `toml:"source"`
	Holidays []string `toml:"holidays"`
	Workdays []string `toml:"workdays"`
}

// Parse reads a calendar in the form of cn.toml: a table per year with its holidays and its
// make-up workdays as YYYY-MM-DD. A date outside its year, a bad date or a day listed both
// ways is an error naming it.
func Parse(r io.Reader) (*Calendar, error) {
	var file map[string]year
	if _, err := toml.NewDecoder(r).Decode(&file); err != nil {
		return nil, fmt.Errorf("read calendar: %w", err)
	}
	c := &Calendar{off: map[civil]bool{}, on: map[civil]bool{}}
	for key, y := range file {
		n, err := strconv.Atoi(key)
		if err != nil || n < 2000 || n > 2200 {
			return nil, fmt.Errorf("calendar: [%s] is not a year", key)
		}
		c.years = append(c.years, n)
		for _, list := range []struct {
			days []string
			into map[civil]bool
		}{{y.Holidays, c.off}, {y.Workdays, c.on}} {
			for _, s := range list.days {
				d, err := time.Parse(time.DateOnly, s)
				if err != nil || d.Year() != n {
					return nil, fmt.Errorf("calendar: [%s] %q is not a date of %d", key, s, n)
				}
				list.into[civilOf(d)] = true
			}
		}
	}
	for d := range c.on {
		if c.off[d] {
			return nil, fmt.Errorf("calendar: %d-%02d-%02d is listed as a holiday and as a workday", d.y, d.m, d.d)
		}
	}
	sort.Ints(c.years)
	return c, nil
}

// Load reads the calendar at path, or the one shipped when path is empty.
func Load(path string) (*Calendar, error) {
	if path == "" {
		return Parse(bytes.NewReader(China))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open calendar: %w", err)
	}
	defer f.Close()
	c, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Years are the years the calendar lists; outside them only weekends are days off.
func (c *Calendar) Years() []int { return c.years }

// Workday tells whether the date of t (in t's location) is a working day.
func (c *Calendar) Workday(t time.Time) bool {
	d := civilOf(t)
	switch {
	case c.on[d]:
		return true
	case c.off[d]:
		return false
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays is the moment n working days after t, at t's clock time: each day that is not a
// working day is skipped. Counted from a day off, the first working day after it is day one.
func (c *Calendar) AddWorkdays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if c.Workday(t) {
			n--
		}
	}
	return t
}

// NextWorkday is t if it falls on a working day, else the same clock time on the next one.
func (c *Calendar) NextWorkday(t time.Time) time.Time {
	for !c.Workday(t) {
		t = t.AddDate(0, 0, 1)
	}
	return t
}
