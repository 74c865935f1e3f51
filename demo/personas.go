package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
)

// Persona is a person of the demo county the demo plays, and the Telegram account it binds
// to them by invite.
type Persona struct {
	// Key names the persona on the page ("owner", "cadre"…); the page's labels say who it is.
	Key string
	// User is the simulated Telegram account. Its first name is the person's, read from the
	// database by Bind.
	User telegramtest.User
	// Role is the role the invite binds.
	Role string
	// PersonCode names the person of the organisation data the invite is for; UnitCode, when
	// set instead, the unit whose reporter the account becomes (a village's secretary, who
	// is not listed as a person).
	PersonCode, UnitCode string
	// Name and Where are the person's name and unit or department, as the page shows them.
	Name, Where string
	// WeCom is the person's userid in the simulated WeCom corporation, bound by invite
	// beside the Telegram account; "" for one who is on Telegram only.
	WeCom string
	// On is the platform the person uses now (PlatformTelegram or PlatformWeCom), which their
	// phone shows and their notifications go to.
	On string
}

// Personas are the demo's people, from the demo county (store/orgfile/demo): the owner of
// 云岭精密机械 (E001), its linked cadre (P001), the county office (P017), and, to switch a
// phone to, the secretary of 石门村 (V-QS01), the county power company's handler (P004), the
// lead of the production factors working group (P022) and the city office (P019). Each but
// the secretary (who joins by the village's invite, as a new person) is a WeCom member too.
func Personas() []Persona {
	user := func(id int64) telegramtest.User {
		return telegramtest.User{ID: id, LanguageCode: telegramLanguage["zh-CN"]}
	}
	return []Persona{
		{Key: "owner", User: user(7100001), Role: store.RoleReporter, PersonCode: "P025", WeCom: "demo-owner"},
		{Key: "cadre", User: user(7100002), Role: store.RoleHandler, PersonCode: "P001", WeCom: "demo-cadre"},
		{Key: "office", User: user(7100003), Role: store.RoleOffice, PersonCode: "P017", WeCom: "demo-office"},
		{Key: "village", User: user(7100004), Role: store.RoleReporter, UnitCode: "V-QS01"},
		{Key: "department", User: user(7100005), Role: store.RoleHandler, PersonCode: "P004", WeCom: "demo-department"},
		{Key: "group", User: user(7100006), Role: store.RoleOffice, PersonCode: "P022", WeCom: "demo-group"},
		{Key: "city", User: user(7100007), Role: store.RoleOffice, PersonCode: "P019", WeCom: "demo-city"},
	}
}

// bindTimeout bounds the wait for the bot's welcome to one invite.
const bindTimeout = 15 * time.Second

// Bind binds each persona's Telegram account by invite, as the person would join: a fresh
// invite, and "/start <code>" sent from the account; then, with a WeCom simulator, each
// persona's WeCom userid the same way. An account bound already (the demo's database kept
// from an earlier run) is left as it is. The bot (and the WeCom app) must be running.
func (d *Demo) Bind(ctx context.Context) error {
	d.mu.Lock()
	personas := append([]Persona(nil), d.personas...)
	d.mu.Unlock()
	for i, p := range personas {
		name, where, bound, err := d.lookup(ctx, p)
		if err != nil {
			return err
		}
		d.mu.Lock()
		d.personas[i].Name, d.personas[i].Where = name, where
		d.personas[i].User.FirstName = name
		p = d.personas[i]
		d.notifyLocked()
		d.mu.Unlock()
		if bound {
			continue
		}
		inv, err := d.st.CreateInvite(ctx, store.InviteParams{Role: p.Role, PersonCode: p.PersonCode, UnitCode: p.UnitCode})
		if err != nil {
			return fmt.Errorf("invite for the demo's %s: %w", p.Key, err)
		}
		n := len(d.sim.Messages(p.User.ID))
		d.record(p.User, d.sim.SendText(p.User, "/start "+inv.Code))
		wait, cancel := context.WithTimeout(ctx, bindTimeout)
		_, err = d.sim.WaitMessages(wait, p.User.ID, n+1)
		cancel()
		if err != nil {
			return fmt.Errorf("the bot did not welcome the demo's %s: %w", p.Key, err)
		}
	}
	d.log.Info("demo people bound by invite", "people", len(personas))
	return d.bindWeCom(ctx, personas)
}

// lookup reads a persona's name and unit or department, and whether its account is bound.
func (d *Demo) lookup(ctx context.Context, p Persona) (name, where string, bound bool, err error) {
	db := d.st.Pool()
	if p.PersonCode != "" {
		var chat *int64
		err = db.QueryRow(ctx, `SELECT p.name, coalesce(u.name, o.name, p.department, ''), p.chat_id FROM people p
			LEFT JOIN person_roles r ON r.person_id = p.id AND r.role = $2
			LEFT JOIN units u ON u.id = r.unit_id LEFT JOIN offices o ON o.id = r.office_id
			WHERE p.code = $1 ORDER BY r.unit_id NULLS LAST, r.office_id NULLS LAST LIMIT 1`, p.PersonCode, p.Role).Scan(&name, &where, &chat)
		if err != nil {
			return "", "", false, fmt.Errorf("the demo's %s (%s): %w", p.Key, p.PersonCode, err)
		}
		return name, where, chat != nil && *chat == p.User.ID, nil
	}
	if err = db.QueryRow(ctx, "SELECT name FROM units WHERE code = $1", p.UnitCode).Scan(&where); err != nil {
		return "", "", false, fmt.Errorf("the demo's %s (%s): %w", p.Key, p.UnitCode, err)
	}
	err = db.QueryRow(ctx, "SELECT name FROM people WHERE chat_id = $1", p.User.ID).Scan(&name)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		// A reporter who joins by a unit's invite is named after their Telegram account.
		return where, where, false, nil
	case err != nil:
		return "", "", false, fmt.Errorf("the demo's %s: %w", p.Key, err)
	}
	return name, where, true, nil
}
