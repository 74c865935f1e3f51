package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/files"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// `bangban files` takes away the kept files of a period: each under its ticket with its bytes,
// a manifest of all of them (one given up, one waiting), nothing of another period; a copy
// that changed in storage stops it, naming the file, and leaves no ZIP behind.
func TestFilesExportTheKeptFilesOfAPeriod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, dbURL := storetest.NewDB(t)
	dir := t.TempDir()
	env := envOf(map[string]string{"DATABASE_URL": dbURL, "BANGBAN_LANG": "en", "LOG_LEVEL": "error", "BANGBAN_FILES_DIR": dir})
	var out, errs bytes.Buffer
	if code := run([]string{"seed-demo"}, env, nil, &out, &errs); code != 0 {
		t.Fatalf("seed-demo: %s", errs.String())
	}
	st, err := store.New(pool, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := files.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var unit, region int64
	if err := pool.QueryRow(ctx, "SELECT id, region_id FROM units WHERE code = 'E001'").Scan(&unit, &region); err != nil {
		t.Fatal(err)
	}
	photo, pdf := []byte("\xff\xd8\xff\xe0 a photo of the transformer"), []byte("%PDF-1.4 the permit")
	c, err := st.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, Description: "厂区变压器容量不足，新生产线无法投产",
		Attachments: []store.Attachment{{Kind: "photo", FileID: "P1"}, {Kind: "document", FileID: "D1", Name: "许可/证.pdf"},
			{Kind: "document", FileID: "D2", Name: "big.pdf"}, {Kind: "photo", FileID: "P2"}}})
	if err != nil {
		t.Fatal(err)
	}
	old, err := st.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, Description: "上个月的问题，附件不在本期",
		Attachments: []store.Attachment{{Kind: "photo", FileID: "P0"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "UPDATE cases SET created_at = created_at - interval '40 days' WHERE id = $1", old.ID); err != nil {
		t.Fatal(err)
	}
	as, err := st.CaseAttachments(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	keep := func(id int64, data []byte, typ string) {
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		if err := kept.Put(ctx, files.KeyOf(h), data, typ); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordArchived(ctx, id, store.Archived{Key: files.KeyOf(h), SHA256: h, Size: int64(len(data)), ContentType: typ}); err != nil {
			t.Fatal(err)
		}
	}
	keep(as[0].ID, photo, "image/jpeg")
	keep(as[1].ID, pdf, "application/pdf")
	if _, err := st.RecordNotKept(ctx, as[2].ID, store.NotKeptTooLarge, "25 MB"); err != nil {
		t.Fatal(err)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	day := c.CreatedAt.In(shanghai).Format("2006-01-02")
	zipPath := filepath.Join(t.TempDir(), "files.zip")
	out.Reset()
	if code := run([]string{"files", "--from", day, "--to", day, "--out", zipPath}, env, nil, &out, &errs); code != 0 {
		t.Fatalf("files: %d %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "2 of 4 files") {
		t.Fatalf("files printed %q", out.String())
	}
	z, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	got := map[string][]byte{}
	for _, f := range z.File {
		r, _ := f.Open()
		got[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	if len(got) != 3 || !bytes.Equal(got[c.TicketNo+"/1-photo.jpg"], photo) ||
		!bytes.Equal(got[c.TicketNo+"/2-许可_证.pdf"], pdf) {
		names := []string{}
		for n := range got {
			names = append(names, n)
		}
		t.Fatalf("the ZIP holds %q", names)
	}
	rows, err := csv.NewReader(bytes.NewReader(got["manifest.csv"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0][0] != "ticket" || rows[1][6] != "kept" || rows[3][6] != "not kept (over 20 MB)" ||
		rows[4][6] != "waiting to be kept" || rows[2][4] != hex.EncodeToString(func() []byte { s := sha256.Sum256(pdf); return s[:] }()) {
		t.Fatalf("manifest %q", rows)
	}

	// A copy changed in storage: the export stops, names it, and leaves nothing.
	sum := sha256.Sum256(pdf)
	if err := os.WriteFile(filepath.Join(dir, files.KeyOf(hex.EncodeToString(sum[:]))), []byte("tampered"), 0o600); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "again.zip")
	errs.Reset()
	if code := run([]string{"files", "--from", day, "--to", day, "--out", again}, env, nil, &out, &errs); code != 1 ||
		!strings.Contains(errs.String(), "no longer matches its SHA-256") || !strings.Contains(errs.String(), c.TicketNo+"/2-") {
		t.Fatalf("a tampered copy: %d %s", code, errs.String())
	}
	if _, err := os.Stat(again); !os.IsNotExist(err) {
		t.Fatalf("a ZIP was left behind: %v", err)
	}
	if code := run([]string{"files", "--from", day}, env, nil, &out, &errs); code != 2 {
		t.Fatalf("no --to or --out: %d", code)
	}
}
