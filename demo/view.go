package demo

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/bangban/bangban/bot/telegramtest"
)

// Bubble is one message of a chat as a phone shows it: sent by the person (Mine) or by the
// bot, with its edits applied.
type Bubble struct {
	ID       int64                   `json:"id"`
	Mine     bool                    `json:"mine,omitempty"`
	Text     string                  `json:"text,omitempty"`
	Caption  string                  `json:"caption,omitempty"`
	Photo    string                  `json:"photo,omitempty"`    // a file id, served at /api/file/
	Document string                  `json:"document,omitempty"` // a file id, served at /api/file/
	FileName string                  `json:"file_name,omitempty"`
	Location *telegramtest.Location  `json:"location,omitempty"`
	Buttons  [][]telegramtest.Button `json:"buttons,omitempty"`
	Edited   bool                    `json:"edited,omitempty"`
	Card     *Card                   `json:"card,omitempty"` // a WeCom template card
}

// Command is one entry of a chat's command menu.
type Command struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// PersonaView is a persona as the page lists it.
type PersonaView struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Where  string `json:"where"`
	UserID int64  `json:"user_id"`
	Lang   string `json:"lang"` // the page's language for the person: zh-CN or en
	// WeCom tells whether the person may be put on WeCom; Platform is the one they are on.
	WeCom    bool   `json:"wecom"`
	Platform string `json:"platform"`
}

// PhoneView is what one phone shows: its person, their chat on the platform they are on,
// their command menu, and the text of the bot's latest answer to one of their presses
// (Telegram shows it as a toast).
type PhoneView struct {
	Phone    int         `json:"phone"`
	Persona  PersonaView `json:"persona"`
	Messages []Bubble    `json:"messages"`
	Commands []Command   `json:"commands"`
	Toast    string      `json:"toast,omitempty"`
	ToastID  string      `json:"toast_id,omitempty"`
}

// State is the page's frame: that it is a demo, the demo's time, the people to choose from
// and who is on each phone.
type State struct {
	Demo     bool          `json:"demo"`
	Now      string        `json:"now"`     // the demo's time in the city: 2026-12-01 09:00
	Weekday  int           `json:"weekday"` // 0 Sunday … 6 Saturday
	Personas []PersonaView `json:"personas"`
	Phones   []string      `json:"phones"` // persona keys
}

func (d *Demo) viewOf(p Persona) PersonaView {
	return PersonaView{Key: p.Key, Name: p.Name, Where: p.Where, UserID: p.User.ID, Lang: pageLanguage(p.User.LanguageCode),
		WeCom: d.wsim != nil && p.WeCom != "", Platform: p.On}
}

// State is the page's frame now.
func (d *Demo) State() State {
	now := d.clock.Now().In(d.clock.loc)
	d.mu.Lock()
	defer d.mu.Unlock()
	s := State{Demo: true, Now: now.Format("2006-01-02 15:04"), Weekday: int(now.Weekday())}
	for _, p := range d.personas {
		s.Personas = append(s.Personas, d.viewOf(p))
	}
	for _, i := range d.phones {
		s.Phones = append(s.Phones, d.personas[i].Key)
	}
	return s
}

// Phone is what a phone shows now.
func (d *Demo) Phone(phone int) (PhoneView, error) {
	p, err := d.persona(phone)
	if err != nil {
		return PhoneView{}, err
	}
	v := PhoneView{Phone: phone, Persona: d.viewOf(p), Messages: []Bubble{}, Commands: d.commands(p.User)}
	if p.On == PlatformWeCom {
		// WeCom's chat: no toast (a pressed card shows the choice itself); the same commands.
		v.Messages = d.wecomMessages(p)
		return v, nil
	}
	d.mu.Lock()
	v.Messages = append(v.Messages, d.sent[p.User.ID]...)
	queries := d.queries[p.User.ID]
	d.mu.Unlock()
	for _, m := range d.sim.Messages(p.User.ID) {
		v.Messages = append(v.Messages, Bubble{ID: m.MessageID, Text: m.Text, Caption: m.Caption, Photo: m.PhotoFileID,
			Document: m.DocumentFileID, FileName: m.FileName, Location: m.Location, Buttons: m.Buttons, Edited: m.Edits > 0})
	}
	// The person's messages and the bot's share one sequence of ids in a chat, as in Telegram.
	slices.SortStableFunc(v.Messages, func(a, b Bubble) int { return cmp.Compare(a.ID, b.ID) })
	if len(queries) > 0 {
		for _, c := range slices.Backward(d.sim.CallbackAnswers()) {
			if queries[c.Params["callback_query_id"]] {
				v.Toast, v.ToastID = c.Params["text"], c.Params["callback_query_id"]
				break
			}
		}
	}
	return v, nil
}

// commands is the command menu Telegram shows u: the one set for u's chat, else the one for
// u's language, else the default.
func (d *Demo) commands(u telegramtest.User) []Command {
	raw := d.sim.ChatCommands(u.ID)
	if raw == "" {
		lang, _, _ := strings.Cut(u.LanguageCode, "-")
		raw = d.sim.Commands(lang)
	}
	if raw == "" {
		raw = d.sim.Commands("")
	}
	cmds := []Command{}
	if raw != "" {
		_ = json.Unmarshal([]byte(raw), &cmds) // the simulator took it as valid JSON
	}
	return cmds
}
