package demo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// The platforms a person on a phone uses: the Telegram bot, or the WeCom app.
const (
	PlatformTelegram = "telegram"
	PlatformWeCom    = "wecom"
)

// wecomFile starts the file id of a picture or file WeCom holds (its media id after it), as
// the page names it in /api/file/.
const wecomFile = "wecom:"

// wecomSent is what a person sent the WeCom app, and how many of the app's messages they had
// been sent before: WeCom numbers neither side's messages in one sequence, so that is how
// the phone puts it among the app's.
type wecomSent struct {
	after  int
	bubble Bubble
}

// Card is a WeCom template card (button_interaction) as a phone shows it: its title and text,
// its buttons, the one pressed, and the text the app replaced them with once it took the press.
type Card struct {
	TaskID   string       `json:"task_id"`
	Title    string       `json:"title,omitempty"`
	Text     string       `json:"text,omitempty"`
	Buttons  []CardButton `json:"buttons"`
	Pressed  string       `json:"pressed,omitempty"`  // the key pressed
	Replaced string       `json:"replaced,omitempty"` // what the card shows instead of its buttons once updated
}

// CardButton is one of a card's buttons.
type CardButton struct {
	Text string `json:"text"`
	Key  string `json:"key"`
}

var (
	errNoWeCom      = errors.New("not a WeCom member in this demo")
	errBadPlatform  = errors.New("unknown platform")
	errNotDelivered = errors.New("the callback was not taken")
)

// onTelegram is a copy of personas, each on Telegram: where a demo starts.
func onTelegram(personas []Persona) []Persona {
	out := slices.Clone(personas)
	for i := range out {
		out[i].On = PlatformTelegram
	}
	return out
}

// SetPlatform puts the person on a phone on a platform: PlatformTelegram, or PlatformWeCom for
// a person the demo made a WeCom member. Their notifications go there from now, as they do
// when a person bound on both writes from one of them.
func (d *Demo) SetPlatform(ctx context.Context, phone int, platform string) error {
	if platform != PlatformTelegram && platform != PlatformWeCom {
		return fmt.Errorf("%q: %w", platform, errBadPlatform)
	}
	d.mu.Lock()
	if phone < 0 || phone >= Phones {
		d.mu.Unlock()
		return fmt.Errorf("phone %d: %w", phone, errNoSuchPhone)
	}
	p := &d.personas[d.phones[phone]]
	if platform == PlatformWeCom && (d.wsim == nil || p.WeCom == "") {
		d.mu.Unlock()
		return fmt.Errorf("the demo's %s: %w", p.Key, errNoWeCom)
	}
	p.On = platform
	persona := *p
	d.notifyLocked()
	d.mu.Unlock()
	return d.use(ctx, persona)
}

// use sends the person's notifications to the platform they are on.
func (d *Demo) use(ctx context.Context, p Persona) error {
	account := p.User.ID
	if p.On == PlatformWeCom {
		var err error
		if account, err = d.st.WeComAccount(ctx, p.WeCom); err != nil {
			return err
		}
	}
	if err := d.st.UsedFrom(ctx, account); err != nil {
		return fmt.Errorf("the demo's %s on %s: %w", p.Key, p.On, err)
	}
	return nil
}

// wecomSend keeps what the person sent, for their phone to show, and delivers its callback
// to the app as WeCom does.
func (d *Demo) wecomSend(p Persona, b Bubble, cb wecomtest.Callback) error {
	if d.wsim == nil || p.WeCom == "" {
		return fmt.Errorf("the demo's %s: %w", p.Key, errNoWeCom)
	}
	b.Mine = true
	after := len(d.wsim.Messages(p.WeCom))
	d.mu.Lock()
	d.wsent[p.WeCom] = append(d.wsent[p.WeCom], wecomSent{after: after, bubble: b})
	d.notifyLocked()
	d.mu.Unlock()
	return d.deliver(cb)
}

func (d *Demo) deliver(cb wecomtest.Callback) error {
	got, err := d.wsim.Deliver(cb)
	if err != nil {
		return fmt.Errorf("deliver to the wecom app: %w", err)
	}
	if got.Status != http.StatusOK {
		return fmt.Errorf("the wecom app answered %d after %d attempts: %w", got.Status, got.Attempts, errNotDelivered)
	}
	return nil
}

// PressCard plays the person on a phone, on WeCom, pressing the button of key on the app's
// card of taskID: only a button the card offers now, as WeCom's client allows.
func (d *Demo) PressCard(phone int, taskID, key string) error {
	p, err := d.persona(phone)
	if err != nil {
		return err
	}
	if p.On != PlatformWeCom {
		return fmt.Errorf("the demo's %s is not on WeCom: %w", p.Key, errNoSuchButton)
	}
	cb, err := d.wsim.Press(p.WeCom, taskID, key)
	if err != nil {
		return fmt.Errorf("%w: %w", errNoSuchButton, err)
	}
	d.mu.Lock()
	d.notifyLocked()
	d.mu.Unlock()
	return d.deliver(cb)
}

// langTimeout bounds the wait for the app's answer to /lang.
const langTimeout = 10 * time.Second

// wecomLang plays the person on WeCom choosing lang with /lang: they send it, and press the
// language on the card the app answers with.
func (d *Demo) wecomLang(ctx context.Context, p Persona, lang string) error {
	before := len(d.wsim.Messages(p.WeCom))
	if err := d.wecomSend(p, Bubble{Text: "/lang"}, d.wsim.Text(p.WeCom, "/lang")); err != nil {
		return err
	}
	key := "lang:" + lang
	var task string
	_, err := d.wsim.WaitFor(p.WeCom, langTimeout, func(msgs []wecomtest.Message) bool {
		for _, m := range msgs[min(before, len(msgs)):] {
			if m.Card != nil && slices.ContainsFunc(m.Card.Buttons, func(b wecomtest.Button) bool { return b.Key == key }) {
				task = m.Card.TaskID
			}
		}
		return task != ""
	})
	if err != nil {
		return fmt.Errorf("the wecom app did not offer the demo's %s the languages: %w", p.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cb, err := d.wsim.Press(p.WeCom, task, key)
	if err != nil {
		return fmt.Errorf("choose %s for the demo's %s: %w", lang, p.Key, err)
	}
	return d.deliver(cb)
}

// bindWeCom makes each persona with a WeCom userid a member of the simulated corporation and
// binds it by invite, as the person would: "/start <code>" sent to the app. A member bound
// already (the demo's database kept from an earlier run) is left as it is. Everyone starts
// on Telegram: their notifications go there until a phone puts them on WeCom.
func (d *Demo) bindWeCom(ctx context.Context, personas []Persona) error {
	if d.wsim == nil {
		return nil
	}
	n := 0
	for _, p := range personas {
		if p.WeCom == "" || p.PersonCode == "" {
			continue
		}
		d.wsim.AddUser(p.WeCom)
		var bound bool
		err := d.st.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM people p JOIN wecom_accounts w ON w.account_id = p.wecom_account_id
			WHERE p.code = $1 AND w.userid = $2)`, p.PersonCode, p.WeCom).Scan(&bound)
		if err != nil {
			return fmt.Errorf("the demo's %s on wecom: %w", p.Key, err)
		}
		if !bound {
			inv, err := d.st.CreateInvite(ctx, store.InviteParams{Role: p.Role, PersonCode: p.PersonCode})
			if err != nil {
				return fmt.Errorf("wecom invite for the demo's %s: %w", p.Key, err)
			}
			before := len(d.wsim.Messages(p.WeCom))
			text := "/start " + inv.Code
			if err := d.wecomSend(p, Bubble{Text: text}, d.wsim.Text(p.WeCom, text)); err != nil {
				return fmt.Errorf("bind the demo's %s on wecom: %w", p.Key, err)
			}
			if _, err := d.wsim.WaitFor(p.WeCom, bindTimeout, func(m []wecomtest.Message) bool { return len(m) > before }); err != nil {
				return fmt.Errorf("the wecom app did not welcome the demo's %s: %w", p.Key, err)
			}
			n++
		}
		if err := d.use(ctx, p); err != nil {
			return err
		}
	}
	d.log.Info("demo people bound on wecom by invite", "people", n)
	return nil
}

// wecomMessages are the person's chat with the WeCom app: what they sent, among what the app
// sent them in the order sent, each card as it stands now (pressed, updated).
func (d *Demo) wecomMessages(p Persona) []Bubble {
	msgs := d.wsim.Messages(p.WeCom)
	d.mu.Lock()
	sent := slices.Clone(d.wsent[p.WeCom])
	d.mu.Unlock()
	out := make([]Bubble, 0, len(msgs)+len(sent))
	add := func(b Bubble) {
		b.ID = int64(len(out) + 1)
		out = append(out, b)
	}
	for i := 0; i <= len(msgs); i++ {
		for len(sent) > 0 && sent[0].after <= i {
			add(sent[0].bubble)
			sent = sent[1:]
		}
		if i < len(msgs) {
			add(wecomBubble(d.wsim, msgs[i]))
		}
	}
	return out
}

// wecomBubble is one of the app's messages as the phone shows it.
func wecomBubble(sim *wecomtest.Server, m wecomtest.Message) Bubble {
	switch m.Type {
	case "image":
		return Bubble{Photo: wecomFile + m.MediaID}
	case "file":
		return Bubble{Document: wecomFile + m.MediaID, FileName: sim.MediaName(m.MediaID)}
	case "template_card":
		c := &Card{TaskID: m.Card.TaskID, Title: m.Card.Title, Text: m.Card.Text, Pressed: m.Card.Pressed, Replaced: m.Card.Replaced,
			Buttons: []CardButton{}}
		for _, b := range m.Card.Buttons {
			c.Buttons = append(c.Buttons, CardButton{Text: b.Text, Key: b.Key})
		}
		return Bubble{Card: c}
	default:
		return Bubble{Text: m.Text}
	}
}
