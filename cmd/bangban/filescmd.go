package main

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/files"
	"github.com/bangban/bangban/store"
)

// exportFiles is `bangban files --from DATE --to DATE --out FILE.zip`: the kept files of the
// cases filed in those days, one folder per ticket, with a manifest of every file (kept, given
// up, or still waiting) and its SHA-256. Each file is checked against its SHA-256 as it is
// written: a copy that changed in storage stops the export, naming it.
func exportFiles(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("files", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fromS := fs.String("from", "", "the first day of the period (2026-11-01), in the city's time zone")
	toS := fs.String("to", "", "the last day of the period (2026-11-30)")
	out := fs.String("out", "", "the ZIP file to write")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return 2
	}
	tr, err := dialog.NewTranslator(cfg.Lang)
	if err != nil {
		fmt.Fprintf(stderr, "bangban files: %v\n", err)
		return 1
	}
	from, err1 := time.ParseInLocation(time.DateOnly, *fromS, cfg.Location)
	to, err2 := time.ParseInLocation(time.DateOnly, *toS, cfg.Location)
	if err1 != nil || err2 != nil || to.Before(from) || *out == "" {
		fmt.Fprintln(stderr, tr.T(cfg.Lang, "files_usage", nil))
		return 2
	}
	log := newLogger(cfg, stderr)
	pool, err := openMigrated(ctx, cfg, log)
	if err != nil {
		log.Error("files failed", "error", err)
		return 1
	}
	defer pool.Close()
	st, err := store.New(pool, store.Options{Location: cfg.Location})
	if err != nil {
		log.Error("files failed", "error", err)
		return 1
	}
	kept, err := files.Open(ctx, cfg.Files)
	if err != nil {
		log.Error("files failed", "error", err)
		return 1
	}
	list, err := st.FilesFiledBetween(ctx, from, to.AddDate(0, 0, 1))
	if err != nil {
		log.Error("files failed", "error", err)
		return 1
	}
	n, err := writeFilesZip(ctx, *out, list, kept, tr, cfg.Lang)
	if err != nil {
		_ = os.Remove(*out)
		log.Error("files failed", "error", err)
		return 1
	}
	fmt.Fprintln(stdout, tr.T(cfg.Lang, "files_written", map[string]any{"Kept": n, "All": len(list), "File": *out}))
	return 0
}

// writeFilesZip writes the files of list that are kept into a new ZIP at name, under
// "<ticket>/<n>-<name>", and manifest.csv for all of them; it returns how many it wrote.
func writeFilesZip(ctx context.Context, name string, list []store.FiledFile, kept files.Storage, tr *dialog.Translator, lang string) (int, error) {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	z := zip.NewWriter(f)
	rows := [][]string{strings.Split(tr.T(lang, "files_manifest_header", nil), ",")}
	written, seq, last := 0, 0, ""
	for _, a := range list {
		if a.TicketNo != last {
			seq, last = 0, a.TicketNo
		}
		seq++
		entry, status := "", ""
		switch {
		case a.StoredKey != nil && a.SHA256 != nil:
			entry = path.Join(a.TicketNo, strconv.Itoa(seq)+"-"+entryName(a.CaseAttachment))
			if err := copyKept(ctx, z, entry, *a.StoredKey, *a.SHA256, kept); err != nil {
				return written, fmt.Errorf("%s: %w", entry, err)
			}
			written++
			status = tr.T(lang, "files_status_kept", nil)
		case a.ArchiveError != nil:
			status = tr.T(lang, "files_status_not_kept", map[string]any{"Reason": *a.ArchiveError})
		default:
			status = tr.T(lang, "files_status_waiting", nil)
		}
		sum, size := "", ""
		if a.SHA256 != nil {
			sum = *a.SHA256
		}
		if a.SizeBytes != nil {
			size = strconv.FormatInt(*a.SizeBytes, 10)
		}
		rows = append(rows, []string{a.TicketNo, entry, a.Kind, a.Name, sum, size, status})
	}
	// The manifest last: a ZIP writes one entry at a time.
	mf, err := z.Create("manifest.csv")
	if err != nil {
		return written, err
	}
	if err := csv.NewWriter(mf).WriteAll(rows); err != nil {
		return written, err
	}
	if err := z.Close(); err != nil {
		return written, err
	}
	return written, f.Close()
}

// copyKept writes the kept copy under key into the ZIP as entry, checking it is still the file
// it was: its SHA-256 as recorded.
func copyKept(ctx context.Context, z *zip.Writer, entry, key, want string, kept files.Storage) error {
	data, err := kept.Get(ctx, key)
	if err != nil {
		return err
	}
	if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != want {
		return errors.New("the kept copy no longer matches its SHA-256")
	}
	w, err := z.Create(entry)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// entryName is a file's name in the ZIP: its own, made safe for a path, or for a photo its
// kind and the extension of its type.
func entryName(a store.CaseAttachment) string {
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, a.Name)
	if name == "" || name == "." || name == ".." {
		name = a.Kind
		typ := a.MimeType
		if a.StoredType != nil {
			typ = *a.StoredType
		}
		name += files.Extension(typ)
	}
	return name
}
