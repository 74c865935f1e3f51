package ledger

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/bangban/bangban/store"
)

// WriteCSV writes the ledger's rows of p to w as CSV in UTF-8, the headers in the reader's
// language and the dates in the city's time as "2026-11-24 09:30", and returns how many
// rows it wrote. It starts with a byte order mark, without which Excel reads the Chinese as
// another encoding.
func WriteCSV(ctx context.Context, w io.Writer, st *store.Store, p Params) (int, error) {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(bw)
	if err := cw.Write(headers(p.T)); err != nil {
		return 0, err
	}
	wd, loc := newWords(p), st.Location()
	rec := make([]string, len(columns))
	n := 0
	err := st.Ledger(ctx, store.LedgerParams{FiguresParams: p.FiguresParams}, func(r store.LedgerRow) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i, c := range columns {
			rec[i] = text(c.value(&r, wd), loc)
		}
		n++
		return cw.Write(rec)
	})
	if err != nil {
		return n, err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// text is a cell's value as the CSV writes it.
func text(v any, loc *time.Location) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case *time.Time:
		if v == nil {
			return ""
		}
		return v.In(loc).Format(dateFormat)
	}
	return fmt.Sprint(v)
}
