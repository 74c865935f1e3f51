package conversations

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// /stats: the figures of an office's region (DESIGN.md §5), for a period chosen with buttons
// that edit the message in place ("sx:w0" this week, "sx:w1" last week, "sx:m0", "sx:m1",
// "sx:y0") or given as two dates ("/stats 2026-11-01 2026-11-30", both days included).
// The figures are the store's, defined once there; this only shows them, with a chart of
// them by sub-region after the text.

// statsPeriods are the period buttons, in the order shown.
var statsPeriods = []string{"w0", "w1", "m0", "m1", "y0"}

// statsRates are the rates /stats shows, by their key in the message's data, each with the
// message of its name ("rate_response") and of its definition ("rate_response_def").
var statsRates = map[string]string{"Response": "rate_response", "OnTime": "rate_on_time", "Solution": "rate_solution",
	"Satisfaction": "rate_satisfaction", "RehandleRate": "rate_rehandle", "HandBackRate": "rate_hand_back"}

// statsTop is how many lines each breakdown shows.
const statsTop = 5

type stats struct {
	e  *dialog.Engine
	st *store.Store
}

// register adds /stats and its period buttons.
func (s *stats) register() error {
	if err := s.e.RegisterCommand("stats", s.command); err != nil {
		return err
	}
	return s.e.RegisterButton(store.StatsButton, func(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
		period := strings.TrimPrefix(c.Data, store.StatsButton+":")
		from, to, ok := s.period(period)
		if !ok {
			return nil, &dialog.Refusal{MessageID: dialog.MsgStaleButton}
		}
		return s.show(ctx, c, from, to, period, true)
	})
}

// command answers /stats, with this week or the two dates given.
func (s *stats) command(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
	args := strings.Fields(c.Args)
	if len(args) == 0 {
		from, to, _ := s.period("w0")
		return s.show(ctx, c, from, to, "w0", false)
	}
	loc := s.st.Location()
	if len(args) != 2 {
		return nil, &dialog.Refusal{MessageID: MsgStatsUsage}
	}
	from, err1 := time.ParseInLocation(time.DateOnly, args[0], loc)
	last, err2 := time.ParseInLocation(time.DateOnly, args[1], loc)
	if err1 != nil || err2 != nil || last.Before(from) || last.Sub(from) > 3700*24*time.Hour {
		return nil, &dialog.Refusal{MessageID: MsgStatsUsage}
	}
	return s.show(ctx, c, from, last.AddDate(0, 0, 1), "", false)
}

// period is the span of local days a period button names, as [from, to).
func (s *stats) period(name string) (from, to time.Time, ok bool) {
	today := s.st.Day(s.st.Now())
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	month := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, today.Location())
	switch name {
	case "w0":
		return monday, monday.AddDate(0, 0, 7), true
	case "w1":
		return monday.AddDate(0, 0, -7), monday, true
	case "m0":
		return month, month.AddDate(0, 1, 0), true
	case "m1":
		return month.AddDate(0, -1, 0), month, true
	case "y0":
		year := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, today.Location())
		return year, year.AddDate(1, 0, 0), true
	}
	return time.Time{}, time.Time{}, false
}

// show answers with the figures of the person's region for [from, to): an office's, or the
// city's for an admin; anyone else is refused.
func (s *stats) show(ctx context.Context, c dialog.Call, from, to time.Time, chosen string, edit bool) ([]dialog.Reply, error) {
	a, err := s.st.ActorByAccount(ctx, c.UserID)
	if err != nil {
		return nil, refusal(statsRefusals, err)
	}
	region, name, err := s.st.FiguresRegion(ctx, a)
	if err != nil {
		return nil, refusal(statsRefusals, err)
	}
	f, err := s.st.Figures(ctx, store.FiguresParams{RegionID: region, From: from, To: to})
	if err != nil {
		return nil, err
	}
	t := func(id string, d map[string]any) string { return s.e.Translator().T(c.Lang, id, d) }
	data := map[string]any{
		"Region": name, "From": f.From.Format(time.DateOnly), "To": f.To.AddDate(0, 0, -1).Format(time.DateOnly),
		"Found": f.Found, "Assigned": f.Assigned, "Signed": f.Signed, "Resolved": f.Resolved, "Closed": f.Closed,
		"Rejected": f.Rejected, "Merged": f.Merged, "HandedBack": f.HandedBack, "Rehandled": f.Rehandled,
		"Open": f.Open(), "Submitted": f.OpenSubmitted, "OpenAssigned": f.OpenAssigned, "InProgress": f.OpenInProgress,
		"Unrated": f.OpenResolved, "Overdue": f.Overdue,
		"Response": rate(f.Response()), "OnTime": rate(f.OnTimeResolution()), "Solution": rate(f.Solution()),
		"Satisfaction": rate(f.Satisfaction()), "RehandleRate": rate(f.RehandleRate()), "HandBackRate": rate(f.HandBackRate()),
		"BySubRegion":    s.breakdown(c.Lang, f.BySubRegion, MsgStatsNone),
		"ByCategory":     s.breakdown(c.Lang, f.ByCategory, MsgStatsNoCategory),
		"ByWorkingGroup": s.breakdown(c.Lang, f.ByWorkingGroup, MsgStatsNoGroup),
		"ByHandlingUnit": s.breakdown(c.Lang, f.ByHandlingUnit, MsgStatsUnassigned),
	}
	// Each rate's name and one-line definition are the messages the monthly workbook shows
	// beside it, so the two never say different things.
	for key, id := range statsRates {
		data[key+"Name"], data[key+"Def"] = t(id, nil), t(id+"_def", nil)
	}
	var row []dialog.Button
	for _, p := range statsPeriods {
		label := t("stats_btn_"+p, nil)
		if p == chosen {
			label = "• " + label
		}
		row = append(row, dialog.Button{Text: label, Data: store.StatsButton + ":" + p})
	}
	// The chart by sub-region follows the text, drawn again for each period chosen: one
	// chart of the figures already counted, some tens of milliseconds.
	png, err := regionsChart(s.e.Translator(), c.Lang, name, f)
	if err != nil {
		return nil, err
	}
	return []dialog.Reply{{MessageID: MsgStats, Data: data, Edit: edit, Buttons: [][]dialog.Button{row[:3], row[3:]}},
		{MessageID: MsgStatsChartCaption, Data: map[string]any{"Region": name, "From": data["From"], "To": data["To"]}, Photo: png}}, nil
}

// rate shows a rate as "87.5% (7/8)", or "—" when it has no denominator.
func rate(r store.Rate) string {
	if !r.Defined() {
		return "—"
	}
	return fmt.Sprintf("%.1f%% (%d/%d)", r.Percent(), r.Num, r.Den)
}

// breakdown is a breakdown's first lines, one a line, with how many more there are; none
// names the line of cases without a key.
func (s *stats) breakdown(lang string, rows []store.FigureRow, none string) string {
	var b strings.Builder
	for i, r := range rows {
		if i == statsTop {
			b.WriteString("\n" + s.e.Translator().T(lang, MsgStatsMore, map[string]any{"Count": len(rows) - statsTop}))
			break
		}
		name := r.Name
		if lang == "en" && r.NameEn != "" {
			name = r.NameEn
		}
		switch {
		case r.Self:
			name = s.e.Translator().T(lang, MsgStatsSelf, map[string]any{"Name": name})
		case r.Key == "":
			name = s.e.Translator().T(lang, none, nil)
		}
		b.WriteString("\n" + s.e.Translator().T(lang, MsgStatsLine, map[string]any{"Name": dialog.Clip(name, 24), "Found": r.Found,
			"Resolved": r.Resolved, "Open": r.Open, "Overdue": r.Overdue}))
	}
	return b.String()
}
