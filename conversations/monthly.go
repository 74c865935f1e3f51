package conversations

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/ledger"
	"github.com/bangban/bangban/store"
)

// The monthly report (月报告) as it is sent: the workbook of a region and a month (ledger/),
// its headers and words in the reader's language, its report sheet with the two charts of
// the figures, as a document with a caption. The bot's worker sends it on the 1st of each
// month and when someone asks with /report month; `bangban report month` writes the same
// workbook to a file.

// MonthlyParams are the workbook's of a region and the days [from, to) in lang, with its
// charts: the cases found and resolved week by week, and the cases by sub-region.
func MonthlyParams(ctx context.Context, tr *dialog.Translator, lang string, st *store.Store, region int64, name string, from, to time.Time) ledger.Params {
	return ledger.Params{FiguresParams: store.FiguresParams{RegionID: region, From: from, To: to}, Region: name, Lang: lang,
		T: func(id string, data map[string]any) string { return tr.T(lang, id, data) },
		Charts: func(f store.Figures) ([][]byte, error) {
			weeks, err := st.Trend(ctx, region, f.From, f.To)
			if err != nil {
				return nil, err
			}
			trend, err := trendChart(tr, lang, tr.T(lang, MsgMonthlyTrendTitle, nil), weeks)
			if err != nil {
				return nil, err
			}
			regions, err := regionsChart(tr, lang, name, f)
			if err != nil {
				return nil, err
			}
			return [][]byte{trend, regions}, nil
		}}
}

// MaxDocument is the most a bot may upload to a chat as a file: Telegram's 50 MB.
const MaxDocument = 50 << 20

// MonthlyReport is the report of a region for the month that starts at month, as it is sent
// in lang: the workbook as a document named for the region and the month, its caption
// saying how many cases it lists. A workbook of more than limit bytes (MaxDocument when 0),
// which the chat would refuse, is sent as its report sheet alone (the figures, their
// definitions, the charts), its caption saying why and how large the whole was.
func MonthlyReport(ctx context.Context, tr *dialog.Translator, lang string, st *store.Store, region int64, month time.Time, limit int) (dialog.Reply, error) {
	if limit <= 0 {
		limit = MaxDocument
	}
	name, err := st.RegionName(ctx, region)
	if err != nil {
		return dialog.Reply{}, err
	}
	from := st.MonthStart(month)
	to := from.AddDate(0, 1, 0)
	p := MonthlyParams(ctx, tr, lang, st, region, name, from, to)
	var buf bytes.Buffer
	rows, err := ledger.WriteXLSX(ctx, &buf, st, p)
	if err != nil {
		return dialog.Reply{}, err
	}
	file := FileName(name) + "-" + from.Format("2006-01")
	data := map[string]any{"Region": name, "Month": from.Format("2006-01"),
		"From": from.Format(time.DateOnly), "To": to.AddDate(0, 0, -1).Format(time.DateOnly), "Rows": rows}
	if buf.Len() <= limit {
		return dialog.Reply{MessageID: MsgMonthlyCaption, Data: data, Document: &dialog.Document{Name: file + ".xlsx", Data: buf.Bytes()}}, nil
	}
	slog.InfoContext(ctx, "monthly report: the workbook is too large for a chat, its report sheet goes alone",
		"region", region, "month", from.Format("2006-01"), "bytes", buf.Len(), "limit", limit)
	data["Size"] = fmt.Sprintf("%.1f", float64(buf.Len())/(1<<20))
	data["Limit"] = fmt.Sprintf("%.1f", float64(limit)/(1<<20))
	whole := buf.Len()
	buf = bytes.Buffer{}
	p.ReportOnly = true
	if _, err := ledger.WriteXLSX(ctx, &buf, st, p); err != nil {
		return dialog.Reply{}, err
	}
	if buf.Len() > limit {
		return dialog.Reply{}, fmt.Errorf("monthly report of region %d: its report sheet alone is %d bytes, the whole %d, over %d", region, buf.Len(), whole, limit)
	}
	return dialog.Reply{MessageID: MsgMonthlyTooLarge, Data: data,
		Document: &dialog.Document{Name: file + "-" + FileName(tr.T(lang, MsgMonthlySummaryFile, nil)) + ".xlsx", Data: buf.Bytes()}}, nil
}

// FileName is a name (a region's) made safe for a file's: none of the characters a file
// system or a chat client refuses.
func FileName(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
}
