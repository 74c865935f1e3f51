package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// Phones is how many phones the page shows side by side.
const Phones = 3

// Options configure a Demo.
type Options struct {
	// Sim is the Bot API simulator the bot is pointed at.
	Sim *telegramtest.Server
	// WeCom, when set, is the WeCom server simulator the WeCom app is pointed at: a phone
	// can then show its person as a WeCom member.
	WeCom *wecomtest.Server
	// Store is the demo's database: the personas' names are read from it and their invites
	// made in it.
	Store *store.Store
	// Clock is the demo's time, which the store and the job queue read.
	Clock *Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Personas default to Personas(); the first Phones of them are on the phones at start.
	Personas []Persona
}

// Demo is a running demo: the people it plays, what each has sent, which person each phone
// shows, and its clock.
type Demo struct {
	sim   *telegramtest.Server
	wsim  *wecomtest.Server
	st    *store.Store
	clock *Clock
	log   *slog.Logger
	jobs  *river.Client[pgx.Tx]

	mu       sync.Mutex
	personas []Persona
	phones   [Phones]int               // index into personas
	sent     map[int64][]Bubble        // what each person sent, by chat
	wsent    map[string][]wecomSent    // what each person sent on WeCom, by userid
	queries  map[int64]map[string]bool // each person's presses, by callback query id
	changed  chan struct{}             // closed and replaced when a phone, a language or the clock changes
}

// New makes a demo of the people in opts; Bind binds them to their Telegram accounts.
func New(opts Options) (*Demo, error) {
	if opts.Sim == nil || opts.Store == nil || opts.Clock == nil {
		return nil, errors.New("demo: a simulator, a store and a clock are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Personas == nil {
		opts.Personas = Personas()
	}
	if len(opts.Personas) < Phones {
		return nil, fmt.Errorf("demo: %d personas for %d phones", len(opts.Personas), Phones)
	}
	// An insert-only client, to run the periodic sweeps at once when the clock moves.
	jobs, err := river.NewClient(riverpgxv5.New(opts.Store.Pool()), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("demo: job client: %w", err)
	}
	d := &Demo{sim: opts.Sim, wsim: opts.WeCom, st: opts.Store, clock: opts.Clock, log: opts.Logger, jobs: jobs,
		personas: onTelegram(opts.Personas), sent: map[int64][]Bubble{}, wsent: map[string][]wecomSent{},
		queries: map[int64]map[string]bool{}, changed: make(chan struct{})}
	for i := range Phones {
		d.phones[i] = i
	}
	return d, nil
}

// notifyLocked wakes the pages watching. d.mu must be held.
func (d *Demo) notifyLocked() {
	close(d.changed)
	d.changed = make(chan struct{})
}

// persona is the person on a phone.
func (d *Demo) persona(phone int) (Persona, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if phone < 0 || phone >= Phones {
		return Persona{}, fmt.Errorf("phone %d: %w", phone, errNoSuchPhone)
	}
	return d.personas[d.phones[phone]], nil
}

var (
	errNoSuchPhone   = errors.New("no such phone")
	errNoSuchPersona = errors.New("no such person")
	errNoSuchButton  = errors.New("no such button")
	errBadLanguage   = errors.New("unsupported language")
	errBadMove       = errors.New("unknown clock move")
)

// SetPhone shows the persona named key on a phone.
func (d *Demo) SetPhone(phone int, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if phone < 0 || phone >= Phones {
		return fmt.Errorf("phone %d: %w", phone, errNoSuchPhone)
	}
	i := slices.IndexFunc(d.personas, func(p Persona) bool { return p.Key == key })
	if i < 0 {
		return fmt.Errorf("%q: %w", key, errNoSuchPersona)
	}
	d.phones[phone] = i
	d.notifyLocked()
	return nil
}

// SetLanguage sets the language the person on a phone reads, "zh-CN" or "en": their
// Telegram's language_code, which the bot answers in, and the language kept for them, which
// their notifications and their command menu are written in, as if they had chosen it with
// /lang (a bound person's notifications do not follow Telegram's language on their own). On
// WeCom, which tells no language, the person chooses it with /lang in the app.
func (d *Demo) SetLanguage(ctx context.Context, phone int, lang string) error {
	code, ok := telegramLanguage[lang]
	if !ok {
		return fmt.Errorf("%q: %w", lang, errBadLanguage)
	}
	d.mu.Lock()
	if phone < 0 || phone >= Phones {
		d.mu.Unlock()
		return fmt.Errorf("phone %d: %w", phone, errNoSuchPhone)
	}
	p := &d.personas[d.phones[phone]]
	p.User.LanguageCode = code
	user, persona := p.User.ID, *p
	d.notifyLocked()
	d.mu.Unlock()
	if err := d.st.SetLang(ctx, user, lang); err != nil {
		return err
	}
	if persona.On == PlatformWeCom {
		// WeCom sends no language with a message: the person chooses it in the app.
		if err := d.wecomLang(ctx, persona, lang); err != nil {
			return err
		}
	}
	var person int64
	err := d.st.Pool().QueryRow(ctx, "SELECT id FROM people WHERE telegram_user_id = $1", user).Scan(&person)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil // not bound (yet): nothing kept, no menu of their own
	case err != nil:
		return fmt.Errorf("the demo's account %d: %w", user, err)
	}
	if _, err := d.jobs.Insert(ctx, store.MenuRefresh{PersonID: person}, nil); err != nil {
		return fmt.Errorf("refresh the menu of account %d: %w", user, err)
	}
	return nil
}

// telegramLanguage is the language_code a Telegram client sends for each of the page's
// languages.
var telegramLanguage = map[string]string{"zh-CN": "zh-hans", "en": "en"}

// pageLanguage is the page's language for a Telegram language_code.
func pageLanguage(code string) string {
	if code == "en" {
		return "en"
	}
	return "zh-CN"
}

// record keeps what a person sent, for their phone to show it among the bot's messages.
func (d *Demo) record(u telegramtest.User, upd telegramtest.Update) {
	m := upd.Message
	if m == nil {
		return
	}
	b := Bubble{ID: m.MessageID, Mine: true, Text: m.Text, Caption: m.Caption, Location: m.Location}
	if len(m.Photo) > 0 {
		b.Photo = m.Photo[len(m.Photo)-1].FileID
	}
	if m.Document != nil {
		b.Document, b.FileName = m.Document.FileID, m.Document.FileName
	}
	d.mu.Lock()
	d.sent[u.ID] = append(d.sent[u.ID], b)
	d.mu.Unlock()
}

// SendText plays the person on a phone typing text.
func (d *Demo) SendText(phone int, text string) error {
	p, err := d.persona(phone)
	if err != nil {
		return err
	}
	if p.On == PlatformWeCom {
		return d.wecomSend(p, Bubble{Text: text}, d.wsim.Text(p.WeCom, text))
	}
	d.record(p.User, d.sim.SendText(p.User, text))
	return nil
}

// SendPhoto plays the person on a phone sending a photo of content (the sample when nil).
func (d *Demo) SendPhoto(phone int, caption string, content []byte) error {
	p, err := d.persona(phone)
	if err != nil {
		return err
	}
	if content == nil {
		content = samplePhoto
	}
	if p.On == PlatformWeCom {
		// A WeCom picture has no caption.
		id := d.wsim.AddMedia("", content)
		return d.wecomSend(p, Bubble{Photo: wecomFile + id}, d.wsim.Image(p.WeCom, id))
	}
	d.record(p.User, d.sim.SendPhotoOf(p.User, caption, content))
	return nil
}

// SendFile plays the person on a phone sending a file chosen on the computer: a picture as a
// photo, anything else as a document under its name, as a Telegram client sends them.
func (d *Demo) SendFile(phone int, name, caption string, content []byte) error {
	ct := http.DetectContentType(content)
	if strings.HasPrefix(ct, "image/") {
		return d.SendPhoto(phone, caption, content)
	}
	p, err := d.persona(phone)
	if err != nil {
		return err
	}
	if byName := mime.TypeByExtension(filepath.Ext(name)); byName != "" {
		ct = byName
	}
	if p.On == PlatformWeCom {
		id := d.wsim.AddMedia(filepath.Base(name), content)
		return d.wecomSend(p, Bubble{Document: wecomFile + id, FileName: filepath.Base(name)}, d.wsim.File(p.WeCom, id))
	}
	d.record(p.User, d.sim.SendDocument(p.User, filepath.Base(name), ct, content))
	return nil
}

// DemoLocation is the place the demo's people share: the middle of the demo county.
var DemoLocation = telegramtest.Location{Latitude: 34.7466, Longitude: 113.6253}

// SendLocation plays the person on a phone sharing DemoLocation.
func (d *Demo) SendLocation(phone int) error {
	p, err := d.persona(phone)
	if err != nil {
		return err
	}
	if p.On == PlatformWeCom {
		loc := DemoLocation
		return d.wecomSend(p, Bubble{Location: &loc}, d.wsim.Location(p.WeCom, loc.Latitude, loc.Longitude, ""))
	}
	d.record(p.User, d.sim.SendLocation(p.User, DemoLocation.Latitude, DemoLocation.Longitude))
	return nil
}

// Press plays the person on a phone pressing a button of the bot's message: only a button
// the message shows now, as a Telegram client allows.
func (d *Demo) Press(phone int, messageID int64, data string) error {
	p, err := d.persona(phone)
	if err != nil {
		return err
	}
	if p.On != PlatformTelegram {
		return fmt.Errorf("the demo's %s is on %s: %w", p.Key, p.On, errNoSuchButton)
	}
	for _, m := range d.sim.Messages(p.User.ID) {
		if m.MessageID != messageID {
			continue
		}
		for _, row := range m.Buttons {
			for _, b := range row {
				if b.CallbackData != "" && b.CallbackData == data {
					upd := d.sim.PressButton(p.User, m, data)
					d.mu.Lock()
					if d.queries[p.User.ID] == nil {
						d.queries[p.User.ID] = map[string]bool{}
					}
					d.queries[p.User.ID][upd.CallbackQuery.ID] = true
					d.mu.Unlock()
					return nil
				}
			}
		}
	}
	return fmt.Errorf("message %d, %q: %w", messageID, data, errNoSuchButton)
}

// Moves are the clock's moves the page offers.
const (
	MoveHour   = "hour"
	MoveDay    = "day"
	MoveMonday = "monday"
)

// MoveClock moves the demo's clock on (an hour, a day, or to the next Monday 09:00), and
// then runs at once what the job queue would run at the new time within the next minute:
// the reminder sweep, the daily board and the weekly bulletin. Each of these looks at the
// store's clock and sends only what is due and not yet sent, so running them early sends
// nothing twice; the queue runs them again on its own schedule, which follows the same clock.
func (d *Demo) MoveClock(ctx context.Context, move string) (time.Time, error) {
	var now time.Time
	switch move {
	case MoveHour:
		now = d.clock.Move(time.Hour)
	case MoveDay:
		now = d.clock.Move(24 * time.Hour)
	case MoveMonday:
		before := d.clock.Now()
		now = d.clock.Move(d.clock.NextMonday(before).Sub(before))
	default:
		return time.Time{}, fmt.Errorf("%q: %w", move, errBadMove)
	}
	d.mu.Lock()
	d.notifyLocked()
	d.mu.Unlock()
	d.log.Info("demo clock moved", "move", move, "now", now.In(d.clock.loc).Format("2006-01-02 15:04 Mon"))
	if _, err := d.jobs.InsertMany(ctx, []river.InsertManyParams{{Args: store.ReminderSweep{}}, {Args: store.OfficeBoard{}},
		{Args: store.WeeklyBulletin{}}, {Args: store.MonthlyReports{}}}); err != nil {
		return now, fmt.Errorf("run the sweeps after moving the clock: %w", err)
	}
	return now, nil
}
