package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/bangban/bangban/store/calendar"
)

// Options configure a Store. The zero value of each field has a documented default.
type Options struct {
	// Location is the city's time zone: ticket dates and deadlines are local dates in it.
	// Defaults to Asia/Shanghai.
	Location *time.Location
	// TicketPrefix starts every ticket number (XC-20261124-0007). Defaults to "XC".
	TicketPrefix string
	// Now is the clock; tests pass their own. Defaults to time.Now.
	Now func() time.Time
	// Limits are the 13710 time limits and the feedback window; each zero field takes its
	// default.
	Limits Limits
	// Calendar tells working days for the limits counted in them. Defaults to the calendar
	// shipped with bangban (calendar.China).
	Calendar *calendar.Calendar
	// SatisfactionFloor is the satisfaction rate, in per cent, under which the weekly
	// bulletin names a handling unit. Defaults to DefaultSatisfactionFloor (85).
	SatisfactionFloor float64
}

// Limits are the campaign's time limits (DESIGN.md §4.1), in days counted from the
// assignment, and the window a reporter has to answer the feedback questions.
type Limits struct {
	// SignDays: the handler studies the case and signs for it (or hands it back). Default 1.
	SignDays int
	// UrgentSignHours: an urgent case is signed for within this many working hours of its
	// assignment instead, counted in working hours (WorkStart to WorkEnd) of the calendar's
	// working days: assigned on a Friday at 17:00, it is due on Monday at 11:30. Default 4.
	UrgentSignHours int
	// FeedbackDays: the first progress feedback, which the reporter sees. Default 3.
	FeedbackDays int
	// ResolveDays: an ordinary (一般) problem is resolved. Default 7.
	ResolveDays int
	// ComplexMonths: a major or complex (重大复杂) problem is resolved. Default 1.
	ComplexMonths int
	// FeedbackWindowDays: unanswered feedback after this closes the case as "no feedback".
	// Default 7.
	FeedbackWindowDays int
	// HandBackDays: a handler may hand a case back (退回) this long after its assignment.
	// Default 2.
	HandBackDays int
	// WorkingDays names the rules counted in working days of the calendar rather than in
	// calendar days (the default): LimitSign, LimitFeedback, LimitResolve, LimitHandBack,
	// LimitRating; and LimitComplex, whose month then ends on a working day.
	WorkingDays map[string]bool
	// WorkStart and WorkEnd bound the working day in the city's time zone, as durations
	// from midnight: a reminder due outside them, or on a day off, goes out at the start of
	// the next working day. Default 08:30 and 18:00.
	WorkStart, WorkEnd time.Duration
	// DueSoonHours: how long before a limit its handler is reminded (催办). Default 4.
	DueSoonHours int
	// NamedAfterDays: working days a case stays overdue before it goes on the bulletin's
	// named list (通报). Default 5.
	NamedAfterDays int
	// EscalateAfter: re-handles, or hand-backs, after which a case is escalated one level up
	// (提级督办). Default 3.
	EscalateAfter int
}

// after is the moment a rule's days (or, for LimitComplex, months) run out from from, in
// the city's time zone: calendar days, or the calendar's working days for the rules so set.
func (s *Store) after(rule string, from time.Time, n int) time.Time {
	local := from.In(s.loc)
	working := s.limits.WorkingDays[rule]
	switch {
	case rule == LimitComplex && working:
		return s.cal.NextWorkday(local.AddDate(0, n, 0))
	case rule == LimitComplex:
		return local.AddDate(0, n, 0)
	case working:
		return s.cal.AddWorkdays(local, n)
	}
	return local.AddDate(0, 0, n)
}

// workingHoursAfter is the moment d of working time after from: only the time between
// WorkStart and WorkEnd of the calendar's working days counts, so that time starts at the
// next working morning for a from at night or on a day off.
func (s *Store) workingHoursAfter(from time.Time, d time.Duration) time.Time {
	at := s.workingMoment(from)
	for {
		local := at.In(s.loc)
		end := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, s.loc).Add(s.limits.WorkEnd)
		left := end.Sub(local)
		if d <= left {
			return local.Add(d)
		}
		d -= left
		at = s.workingMoment(end.Add(time.Nanosecond))
	}
}

// DefaultLimits are the campaign's limits where nothing else is said: 13710, the urgent
// sign-for hours, the reminders', and the working day. Configuration takes its defaults
// from here.
var DefaultLimits = Limits{
	SignDays: 1, UrgentSignHours: 4, FeedbackDays: 3, ResolveDays: 7, ComplexMonths: 1,
	FeedbackWindowDays: 7, HandBackDays: 2, DueSoonHours: 4, NamedAfterDays: 5, EscalateAfter: 3,
	WorkStart: 8*time.Hour + 30*time.Minute, WorkEnd: 18 * time.Hour,
}

// MaxLimits are the largest limits that make sense; New refuses larger ones.
var MaxLimits = Limits{
	SignDays: 30, UrgentSignHours: 72, FeedbackDays: 60, ResolveDays: 365, ComplexMonths: 24,
	FeedbackWindowDays: 90, HandBackDays: 30, DueSoonHours: 72, NamedAfterDays: 60, EscalateAfter: 20,
}

// counts are the limits' whole numbers, by name, paired with their largest values.
func (l Limits) counts() []struct {
	name    string
	n, most int
} {
	m := MaxLimits
	return []struct {
		name    string
		n, most int
	}{
		{"sign days", l.SignDays, m.SignDays}, {"urgent sign hours", l.UrgentSignHours, m.UrgentSignHours},
		{"feedback days", l.FeedbackDays, m.FeedbackDays}, {"resolve days", l.ResolveDays, m.ResolveDays},
		{"complex months", l.ComplexMonths, m.ComplexMonths}, {"rating days", l.FeedbackWindowDays, m.FeedbackWindowDays},
		{"hand-back days", l.HandBackDays, m.HandBackDays}, {"due-soon hours", l.DueSoonHours, m.DueSoonHours},
		{"named-after days", l.NamedAfterDays, m.NamedAfterDays}, {"escalate after", l.EscalateAfter, m.EscalateAfter},
	}
}

// check refuses limits that cannot be counted (a working day that ends before it starts
// would never give a working hour) and limits out of their range.
func (l Limits) check() error {
	if l.WorkStart < 0 || l.WorkEnd > 24*time.Hour || l.WorkStart >= l.WorkEnd {
		return fmt.Errorf("working hours %s to %s: %w", l.WorkStart, l.WorkEnd, ErrInvalid)
	}
	for _, c := range l.counts() {
		if c.n < 1 || c.n > c.most {
			return fmt.Errorf("%s %d, not from 1 to %d: %w", c.name, c.n, c.most, ErrInvalid)
		}
	}
	return nil
}

// withDefaults fills the limits left at zero from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	l.SignDays = cmp.Or(l.SignDays, d.SignDays)
	l.UrgentSignHours = cmp.Or(l.UrgentSignHours, d.UrgentSignHours)
	l.FeedbackDays = cmp.Or(l.FeedbackDays, d.FeedbackDays)
	l.ResolveDays = cmp.Or(l.ResolveDays, d.ResolveDays)
	l.ComplexMonths = cmp.Or(l.ComplexMonths, d.ComplexMonths)
	l.FeedbackWindowDays = cmp.Or(l.FeedbackWindowDays, d.FeedbackWindowDays)
	l.HandBackDays = cmp.Or(l.HandBackDays, d.HandBackDays)
	l.WorkStart = cmp.Or(l.WorkStart, d.WorkStart)
	l.WorkEnd = cmp.Or(l.WorkEnd, d.WorkEnd)
	l.DueSoonHours = cmp.Or(l.DueSoonHours, d.DueSoonHours)
	l.NamedAfterDays = cmp.Or(l.NamedAfterDays, d.NamedAfterDays)
	l.EscalateAfter = cmp.Or(l.EscalateAfter, d.EscalateAfter)
	return l
}

// Store is bangban's Postgres: one pool, and an insert-only job client that puts durable
// jobs in the same transactions as the changes that cause them.
type Store struct {
	pool   *pgxpool.Pool
	jobs   *river.Client[pgx.Tx]
	loc    *time.Location
	prefix string
	now    func() time.Time
	limits Limits
	cal    *calendar.Calendar
	floor  float64
}

// DefaultTicketPrefix is the ticket prefix when none is configured.
const DefaultTicketPrefix = "XC"

// New wraps an open pool. The schema must already be migrated (see Migrate).
func New(pool *pgxpool.Pool, opts Options) (*Store, error) {
	if opts.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return nil, fmt.Errorf("load default time zone: %w", err)
		}
		opts.Location = loc
	}
	if opts.TicketPrefix == "" {
		opts.TicketPrefix = DefaultTicketPrefix
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SatisfactionFloor == 0 {
		opts.SatisfactionFloor = DefaultSatisfactionFloor
	}
	if opts.SatisfactionFloor < 0 || opts.SatisfactionFloor > 100 {
		return nil, fmt.Errorf("satisfaction floor %g: not a per cent from 0 to 100: %w", opts.SatisfactionFloor, ErrInvalid)
	}
	limits := opts.Limits.withDefaults()
	if err := limits.check(); err != nil {
		return nil, fmt.Errorf("limits: %w", err)
	}
	if opts.Calendar == nil {
		cal, err := calendar.Load("")
		if err != nil {
			return nil, fmt.Errorf("load the shipped calendar: %w", err)
		}
		opts.Calendar = cal
	}
	// No Workers and no Queues: this client only inserts. The bot runs the client that works
	// the jobs; both share the river tables.
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("new job client: %w", err)
	}
	return &Store{pool: pool, jobs: jobs, loc: opts.Location, prefix: opts.TicketPrefix, now: opts.Now,
		limits: limits, cal: opts.Calendar, floor: opts.SatisfactionFloor}, nil
}

// DefaultMaxConns is the most connections a process opens to Postgres, unless DATABASE_URL
// says otherwise with pool_max_conns.
const DefaultMaxConns = 16

// Open connects to Postgres at url and checks the connection.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default (the number of CPUs, at least 4) has every chat wait for a connection
		// under load: a step needs the database for a few milliseconds, and many chats step
		// at once.
		cfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return pool, nil
}

// CreateDatabase creates the database url names when the server says there is no such
// database, connecting as the same user to the server's maintenance database, postgres, to
// do it: a first start needs no createdb. It reports whether it created it. Any other
// failure to connect is left for Open to report; a database the user may not create is an
// error saying so.
func CreateDatabase(ctx context.Context, url string) (bool, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return false, fmt.Errorf("parse database url: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		return false, conn.Close(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" /* invalid_catalog_name: no such database */ {
		return false, nil
	}
	name := cfg.Database
	cfg.Database = "postgres"
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, fmt.Errorf("database %q does not exist, and the server's postgres database to create it from is not reachable: %w", name, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		if errors.As(err, &pgErr) && pgErr.Code == "42P04" /* duplicate_database */ {
			return false, nil // another process created it meanwhile
		}
		return false, fmt.Errorf("database %q does not exist and cannot be created: %w", name, err)
	}
	return true, nil
}

// Pool is the connection pool, for the job workers in bot/ that share it.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Now is the store's clock: the time every action is stamped with.
func (s *Store) Now() time.Time { return s.now() }

// Location is the city's time zone.
func (s *Store) Location() *time.Location { return s.loc }

// querier is what a transaction and a pooled connection both do.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// InTx runs fn in one transaction: committed when fn returns nil, rolled back otherwise.
// Every lifecycle change goes through here, so a change, its event and its jobs stand or
// fall together.
func (s *Store) InTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// After a commit this is a no-op; after an error it undoes everything.
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
