// Package ledger writes the campaign's monthly report: the ledger (问题台账) of a region and a
// period as a workbook, with the figures of DESIGN.md §5 on its first sheet and one sheet per
// sub-region, or as a CSV of the ledger's rows. Both are written as the store streams the
// rows, one at a time, so a city's hundreds of thousands of cases never sit in memory.
//
// The figures and the rows are the store's (store.Figures, store.Ledger), defined once
// there; this package only lays them out, in the reader's language, with the messages of
// locales/.
package ledger

import (
	"unicode"

	"github.com/bangban/bangban/store"
)

// Translate renders a message of locales/ in the reader's language.
type Translate func(id string, data map[string]any) string

// Params ask for the report of a region and a period.
type Params struct {
	// RegionID is the region, its sub-regions included; 0 is the whole city. From and To
	// are days: the period runs from the start of From up to, not including, To.
	store.FiguresParams
	// Region names the region in the title.
	Region string
	// Lang is the reader's language ("zh-CN" or "en"), for the names of categories and
	// working groups; T renders every other word in it.
	Lang string
	T    Translate
	// Charts, when set, draws the pictures the report sheet shows beside the figures (PNG),
	// from the figures the workbook is made of.
	Charts func(store.Figures) ([][]byte, error)
	// ReportOnly writes the report sheet alone, without the ledger's: for a workbook too
	// large to send whole.
	ReportOnly bool
}

// dateFormat is how a date and time shows, in the workbook's cells and in the CSV alike.
const (
	dateFormat  = "2006-01-02 15:04"
	excelFormat = "yyyy-mm-dd hh:mm"
)

// column is one column of the ledger: its header's message, the width of its widest
// ordinary value, and its value in a row.
type column struct {
	id    string
	width int
	date  bool
	value func(r *store.LedgerRow, w *words) any
}

// columns are the ledger's, in order.
var columns = []column{
	{"ledger_col_ticket", 17, false, func(r *store.LedgerRow, _ *words) any { return r.TicketNo }},
	{"ledger_col_unit", 24, false, func(r *store.LedgerRow, _ *words) any { return r.Unit }},
	{"ledger_col_credit_code", 18, false, func(r *store.LedgerRow, _ *words) any { return r.CreditCode }},
	{"ledger_col_region", 12, false, func(r *store.LedgerRow, _ *words) any { return r.Region }},
	{"ledger_col_category", 14, false, func(r *store.LedgerRow, w *words) any { return w.pick(r.Category, r.CategoryEn) }},
	{"ledger_col_working_group", 12, false, func(r *store.LedgerRow, w *words) any { return w.pick(r.WorkingGroup, r.WorkingGroupEn) }},
	{"ledger_col_complexity", 8, false, func(r *store.LedgerRow, w *words) any { return w.of["complexity_"+r.Complexity] }},
	{"ledger_col_urgency", 6, false, func(r *store.LedgerRow, w *words) any { return w.of["urgency_"+r.Urgency] }},
	{"ledger_col_status", 10, false, func(r *store.LedgerRow, w *words) any { return w.of["ledger_status_"+string(r.Status)] }},
	{"ledger_col_handler", 10, false, func(r *store.LedgerRow, _ *words) any { return r.Handler }},
	{"ledger_col_filed", 16, true, func(r *store.LedgerRow, _ *words) any { return &r.FiledAt }},
	{"ledger_col_assigned", 16, true, func(r *store.LedgerRow, _ *words) any { return r.AssignedAt }},
	{"ledger_col_signed", 16, true, func(r *store.LedgerRow, _ *words) any { return r.SignedAt }},
	{"ledger_col_first_feedback", 16, true, func(r *store.LedgerRow, _ *words) any { return r.FirstFeedbackAt }},
	{"ledger_col_resolved", 16, true, func(r *store.LedgerRow, _ *words) any { return r.ResolvedAt }},
	{"ledger_col_closed", 16, true, func(r *store.LedgerRow, _ *words) any { return r.ClosedAt }},
	{"ledger_col_sign_limit", 6, false, func(r *store.LedgerRow, w *words) any { return w.limit(r.Sign) }},
	{"ledger_col_feedback_limit", 6, false, func(r *store.LedgerRow, w *words) any { return w.limit(r.Feedback) }},
	{"ledger_col_resolve_limit", 6, false, func(r *store.LedgerRow, w *words) any { return w.limit(r.Resolve) }},
	{"ledger_col_urges", 4, false, func(r *store.LedgerRow, _ *words) any { return r.Urges }},
	{"ledger_col_extensions", 4, false, func(r *store.LedgerRow, _ *words) any { return r.Extensions }},
	{"ledger_col_rehandles", 4, false, func(r *store.LedgerRow, _ *words) any { return r.Rehandles }},
	{"ledger_col_handbacks", 4, false, func(r *store.LedgerRow, _ *words) any { return r.HandBacks }},
	{"ledger_col_solved", 4, false, func(r *store.LedgerRow, w *words) any {
		if r.Solved == nil {
			return ""
		}
		if *r.Solved {
			return w.of["ledger_yes"]
		}
		return w.of["ledger_no"]
	}},
	{"ledger_col_satisfaction", 8, false, func(r *store.LedgerRow, w *words) any {
		if r.Satisfaction == nil {
			return ""
		}
		return w.of["sat_"+*r.Satisfaction]
	}},
}

// words are the few words the rows repeat, rendered once rather than once a row.
type words struct {
	lang string
	of   map[string]string
}

func newWords(p Params) *words {
	w := &words{lang: p.Lang, of: map[string]string{}}
	for _, id := range []string{"complexity_ordinary", "complexity_complex", "urgency_normal", "urgency_urgent",
		"ledger_status_submitted", "ledger_status_assigned", "ledger_status_in_progress", "ledger_status_resolved",
		"ledger_status_closed", "ledger_status_rejected", "ledger_status_merged",
		"ledger_limit_met", "ledger_limit_missed", "ledger_limit_open", "ledger_yes", "ledger_no",
		"sat_satisfied", "sat_basic", "sat_unsatisfied"} {
		w.of[id] = p.T(id, nil)
	}
	return w
}

// pick is a dictionary's name in the reader's language, the Chinese when it has no other.
func (w *words) pick(zh, en string) string {
	if w.lang == "en" && en != "" {
		return en
	}
	return zh
}

func (w *words) limit(o store.LimitOutcome) string {
	if o == store.LimitNone {
		return ""
	}
	return w.of["ledger_limit_"+string(o)]
}

// headers are the ledger's column headers in the reader's language.
func headers(t Translate) []string {
	h := make([]string, len(columns))
	for i, c := range columns {
		h[i] = t(c.id, nil)
	}
	return h
}

// displayWidth is how many columns of a fixed-width font s takes: two for a Chinese
// character, one for the rest, as a spreadsheet's column width counts them.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hangul, unicode.Hiragana, unicode.Katakana) || (r >= 0xFF00 && r <= 0xFFEF) || (r >= 0x3000 && r <= 0x303F) {
			n += 2
		} else {
			n++
		}
	}
	return n
}
