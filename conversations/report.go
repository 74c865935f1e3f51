package conversations

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// The limits of a report (DESIGN.md §3, the reporter journey).
const (
	descMin      = 10
	descMax      = store.MaxDescription
	maxFiles     = 9
	maxFileBytes = 20 << 20 // what the Bot API lets a bot download
)

// acceptedDocuments are the document types a report takes: pictures, PDF, office files and
// plain text. Anything else (programs, archives, videos) is refused with a message.
var acceptedDocuments = []string{"image/", "application/pdf", "application/msword", "application/vnd.openxmlformats-officedocument.",
	"application/vnd.ms-excel", "application/vnd.ms-powerpoint", "text/plain"}

// report is /new: a reporter files a problem.
type report struct {
	o    *org
	mu   sync.Mutex
	cats map[string][]store.Category // by unit kind; the dictionaries change rarely
}

// RegisterReport adds the reporter's commands to an engine: /new, /my, /status, /add and
// /rate, with their buttons.
func RegisterReport(e *dialog.Engine, st *store.Store) error {
	r := &report{o: &org{e: e, st: st}, cats: map[string][]store.Category{}}
	if err := r.registerMyCases(e); err != nil {
		return err
	}
	for _, d := range []*dialog.Dialog{r.dialog(), r.feedbackDialog(), r.addDialog()} {
		if err := e.Register(d); err != nil {
			return err
		}
	}
	return nil
}

func (r *report) categories(ctx context.Context, kind string) ([]store.Category, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cs, ok := r.cats[kind]; ok {
		return cs, nil
	}
	cs, err := r.o.st.Categories(ctx, kind)
	if err != nil {
		return nil, err
	}
	r.cats[kind] = cs
	return cs, nil
}

// cached is a dictionary loaded by begin.
func (r *report) cached(kind string) []store.Category {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cats[kind]
}

func (r *report) dialog() *dialog.Dialog {
	return &dialog.Dialog{
		Name: "new", Command: "new", Version: 1,
		Begin: r.begin,
		First: func(s *dialog.Session) string {
			switch {
			case s.Get("unit_id") != "":
				return "category"
			case s.Get("units") != "":
				return "pickunit"
			}
			return "kind"
		},
		Steps: []*dialog.Step{
			{Name: "kind", Prompt: MsgNewAskKind, Choices: func(*dialog.Session) []dialog.Choice {
				return []dialog.Choice{{Label: MsgKindEnterprise, Value: store.UnitEnterprise}, {Label: MsgKindVillage, Value: store.UnitVillage}}
			}},
			{Name: "uname", Prompt: MsgNewAskUnitName, MinLen: 2, MaxLen: store.MaxUnitName,
				Next: func(_ context.Context, s *dialog.Session) string {
					if s.Get("kind") == store.UnitEnterprise {
						return "credit"
					}
					return "category"
				}},
			{Name: "credit", Prompt: MsgNewAskCredit, Optional: true, MaxLen: 18,
				Validate: func(_ context.Context, _ *dialog.Session, in dialog.Input) string {
					if !store.ValidCreditCode(store.NormalizeCreditCode(in.Text)) {
						return MsgNewBadCredit
					}
					return ""
				},
				Save: func(s *dialog.Session, in dialog.Input) { s.Set("credit", store.NormalizeCreditCode(in.Text)) },
				Next: func(context.Context, *dialog.Session) string { return "category" }},
			{Name: "pickunit", Prompt: MsgNewAskUnit, Choices: func(s *dialog.Session) []dialog.Choice {
				var cs []dialog.Choice
				for _, u := range strings.Split(s.Get("units"), "\n") {
					id, name, _ := strings.Cut(u, "|")
					cs = append(cs, dialog.Choice{Label: name, Literal: true, Value: id})
				}
				return cs
			}, Save: func(s *dialog.Session, in dialog.Input) {
				s.Set("unit_id", in.Text)
				for _, u := range strings.Split(s.Get("units"), "\n") {
					if id, rest, _ := strings.Cut(u, "|"); id == in.Text {
						kind, name, _ := strings.Cut(rest, "|")
						s.Set("kind", kind)
						s.Set("uname", name)
					}
				}
			}},
			{Name: "category", Prompt: MsgNewAskCategory, Choices: func(s *dialog.Session) []dialog.Choice {
				var cs []dialog.Choice
				for _, c := range r.cached(s.Get("kind")) {
					label := c.NameZH
					if s.Lang == dialog.LangEN {
						label = c.NameEN
					}
					cs = append(cs, dialog.Choice{Label: label, Literal: true, Value: strconv.FormatInt(c.ID, 10)})
				}
				return cs
			}},
			{Name: "desc", Prompt: MsgNewAskDesc, MinLen: descMin, MaxLen: descMax,
				PromptData: func(*dialog.Session) map[string]any { return map[string]any{"Min": descMin, "Max": descMax} },
				Next:       r.afterDesc},
			{Name: "dup", Prompt: MsgNewAskDup, PromptData: func(s *dialog.Session) map[string]any { return map[string]any{"TicketNo": s.Get("dup")} },
				Choices: func(s *dialog.Session) []dialog.Choice {
					return []dialog.Choice{
						{Label: r.o.e.Translator().T(s.Lang, MsgNewDupAdd, map[string]any{"TicketNo": s.Get("dup")}), Literal: true, Value: "add"},
						{Label: MsgNewDupNew, Value: "new"}}
				},
				Save: func(s *dialog.Session, in dialog.Input) { s.Set("dupchoice", in.Text) }},
			{Name: "files", Prompt: MsgNewAskFiles, Optional: true, Accepts: []dialog.Kind{dialog.KindPhoto, dialog.KindDocument},
				PromptData: func(s *dialog.Session) map[string]any {
					return map[string]any{"Count": len(s.Files["files"]), "Max": maxFiles}
				},
				Validate: validateFiles,
				More:     func(*dialog.Session) bool { return true },
				Next: func(_ context.Context, s *dialog.Session) string {
					if s.Get("dupchoice") == "add" {
						return dialog.ToConfirm // adding to a case: where and how urgent are known already
					}
					return ""
				}},
			{Name: "where", Prompt: MsgNewAskWhere, Optional: true, Accepts: []dialog.Kind{dialog.KindLocation}},
			{Name: "urgency", Prompt: MsgNewAskUrgency, Choices: func(*dialog.Session) []dialog.Choice {
				return []dialog.Choice{{Label: MsgUrgencyNormal, Value: store.Normal}, {Label: MsgUrgencyUrgent, Value: store.Urgent}}
			}},
		},
		Summary: r.summary,
		Receipt: r.receipt,
		Done:    r.file,
	}
}

// validateFiles takes photos and accepted documents of a permitted size, up to maxFiles in
// the step "files".
func validateFiles(_ context.Context, s *dialog.Session, in dialog.Input) string {
	for _, f := range in.Files {
		if !f.Photo && !acceptedType(f.MimeType) {
			return MsgNewFileType
		}
		if f.Size > maxFileBytes {
			return MsgNewFileTooBig
		}
	}
	if len(s.Files["files"]) >= maxFiles {
		return MsgNewTooManyFiles
	}
	return ""
}

// attachments are a session's files as the store keeps them.
func attachments(fs []dialog.File) []store.Attachment {
	var out []store.Attachment
	for _, f := range fs {
		kind := "document"
		if f.Photo {
			kind = "photo"
		}
		out = append(out, store.Attachment{Kind: kind, FileID: f.ID, UniqueID: f.UniqueID, Name: f.Name, MimeType: f.MimeType})
	}
	return out
}

// sourceKey names the run of a dialog that completes, so that its confirm acts once however
// often it is applied.
func sourceKey(s *dialog.Session) string {
	return fmt.Sprintf("chat:%d:dialog:%s", s.ChatID, s.Instance)
}

func acceptedType(mime string) bool {
	for _, a := range acceptedDocuments {
		if strings.HasPrefix(mime, a) {
			return true
		}
	}
	return false
}

// begin finds who is reporting: a bound reporter of one unit goes straight to the category;
// of several, chooses the unit; anyone else names their enterprise or village.
func (r *report) begin(ctx context.Context, s *dialog.Session) error {
	for _, kind := range []string{store.UnitEnterprise, store.UnitVillage} {
		if _, err := r.categories(ctx, kind); err != nil {
			return err
		}
	}
	person, units, err := r.o.st.ReporterUnits(ctx, s.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s.Set("person_id", strconv.FormatInt(person, 10))
	switch len(units) {
	case 0:
	case 1:
		s.Set("unit_id", strconv.FormatInt(units[0].ID, 10))
		s.Set("kind", units[0].Kind)
		s.Set("uname", units[0].Name)
	default:
		var lines []string
		for _, u := range units {
			lines = append(lines, fmt.Sprintf("%d|%s|%s", u.ID, u.Kind, u.Name))
		}
		s.Set("units", strings.Join(lines, "\n"))
	}
	return nil
}

// dupDays is how far back a report of the same unit and category counts as the same problem.
const dupDays = 30

// afterDesc offers, when the reporter has a recent open case of the same unit and category,
// to add this report to it instead of opening another.
func (r *report) afterDesc(ctx context.Context, s *dialog.Session) string {
	s.Set("dup", "")
	s.Set("dupchoice", "")
	person, err1 := strconv.ParseInt(s.Get("person_id"), 10, 64)
	unit, err2 := strconv.ParseInt(s.Get("unit_id"), 10, 64)
	cat, err3 := strconv.ParseInt(s.Get("category"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return "files"
	}
	no, found, err := r.o.st.RecentOpenCase(ctx, person, unit, cat, dupDays)
	if err != nil || !found {
		// Without the offer the report is still filed; a failed look-up costs nothing more.
		return "files"
	}
	s.Set("dup", no)
	return "dup"
}

func (r *report) categoryName(s *dialog.Session) string {
	for _, c := range r.cached(s.Get("kind")) {
		if strconv.FormatInt(c.ID, 10) == s.Get("category") {
			if s.Lang == dialog.LangEN {
				return c.NameEN
			}
			return c.NameZH
		}
	}
	return ""
}

func (r *report) summary(s *dialog.Session) dialog.Reply {
	t := func(id string) string { return r.o.e.Translator().T(s.Lang, id, nil) }
	if s.Get("dupchoice") == "add" {
		return dialog.Reply{MessageID: MsgNewSummaryAdd, Data: map[string]any{"TicketNo": s.Get("dup"),
			"Description": s.Get("desc"), "Files": len(s.Files["files"])}}
	}
	where := t(MsgNewNoLocation)
	if s.Get("where") != "" {
		where = s.Get("where")
		if name := s.Place("where"); name != "" {
			where = name + " (" + where + ")"
		}
	}
	urgency := t(MsgUrgencyNormal)
	if s.Get("urgency") == store.Urgent {
		urgency = t(MsgUrgencyUrgent)
	}
	unit := s.Get("uname")
	return dialog.Reply{MessageID: MsgNewSummary, Data: map[string]any{"Unit": unit, "Category": r.categoryName(s),
		"Description": s.Get("desc"), "Files": len(s.Files["files"]), "Where": where, "Urgency": urgency}}
}

// receipt is the summary worded as filed: it stays under the ticket number in the message the
// reporter confirmed.
func (r *report) receipt(s *dialog.Session) dialog.Reply {
	rep := r.summary(s)
	rep.MessageID = MsgNewReceipt
	if s.Get("dupchoice") == "add" {
		rep.MessageID = MsgNewReceiptAdd
	}
	return rep
}

// reporter is the person behind an account that files: an account bound to no one may not
// act for a unit. Any other failure (the database unreachable) is not a refusal: the person is
// asked to try again.
func (r *report) reporter(ctx context.Context, userID int64) (store.Actor, error) {
	a, err := r.o.st.ActorByAccount(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return a, &dialog.Refusal{MessageID: MsgNotAllowed}
	}
	return a, err
}

// file submits the report: one transaction that files the case, routes it, and for a new
// reporter registers them and their unit. The update that confirmed is the case's source,
// so a redelivered confirm answers with the same ticket.
func (r *report) file(ctx context.Context, s *dialog.Session) (dialog.Reply, error) {
	p := store.SubmitParams{Description: s.Get("desc"), Urgent: s.Get("urgency") == store.Urgent, Route: true,
		SourceKey: sourceKey(s)}
	if id, err := strconv.ParseInt(s.Get("category"), 10, 64); err == nil {
		p.CategoryID = &id
	}
	if lat, lon, ok := strings.Cut(s.Get("where"), ","); ok {
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		if err1 == nil && err2 == nil {
			p.Latitude, p.Longitude, p.Place = &la, &lo, s.Place("where")
		}
	}
	p.Attachments = attachments(s.Files["files"])
	if s.Get("dupchoice") == "add" {
		a, err := r.reporter(ctx, s.UserID)
		if err != nil {
			return dialog.Reply{}, err
		}
		// AddInfo checks on the server that the case is theirs and still open.
		err = r.o.st.AddInfo(ctx, a.PersonID, s.Get("dup"), s.Get("desc"), p.SourceKey, p.Attachments)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrIllegalTransition) {
			return dialog.Reply{}, &dialog.Refusal{MessageID: MsgNewAddGone, Data: map[string]any{"TicketNo": s.Get("dup")}, Final: true}
		}
		if err != nil {
			return dialog.Reply{}, err
		}
		return dialog.Reply{MessageID: MsgNewAdded, Data: map[string]any{"TicketNo": s.Get("dup")}}, nil
	}
	if s.Get("unit_id") != "" {
		// The reporter's right to report for the unit is checked again now, on the server.
		person, units, err := r.o.st.ReporterUnits(ctx, s.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return dialog.Reply{}, &dialog.Refusal{MessageID: MsgNotAllowed}
		}
		if err != nil {
			return dialog.Reply{}, err
		}
		for _, u := range units {
			if strconv.FormatInt(u.ID, 10) == s.Get("unit_id") {
				p.UnitID, p.RegionID, p.ReporterID = &u.ID, u.RegionID, &person
			}
		}
		if p.UnitID == nil {
			return dialog.Reply{}, &dialog.Refusal{MessageID: MsgNotAllowed}
		}
	} else {
		p.NewUnit = &store.NewUnit{Kind: s.Get("kind"), Name: s.Get("uname"), CreditCode: s.Get("credit"),
			Account: store.Account{UserID: s.UserID, ChatID: s.ChatID, Name: s.FirstName, Lang: s.Lang}}
	}
	c, err := r.o.st.Submit(ctx, p)
	if err != nil {
		return dialog.Reply{}, err
	}
	// A first report makes a newcomer a reporter: the store's job sets their menu.
	if c.Assignee != "" {
		return dialog.Reply{MessageID: MsgNewFiledAssigned, Data: map[string]any{"TicketNo": c.TicketNo, "Assignee": c.Assignee,
			"Due": c.SignDueAt.In(r.o.st.Location()).Format("2006-01-02 15:04")}}, nil
	}
	return dialog.Reply{MessageID: MsgNewFiledTriage, Data: map[string]any{"TicketNo": c.TicketNo}}, nil
}
