package bot_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/files"
	"github.com/bangban/bangban/files/s3test"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// The bytes reporters send in these tests: two photos (a JPEG and a PNG, as Telegram's are),
// a PDF, and a program dressed as a PDF.
var (
	jpegPhoto = append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"), bytes.Repeat([]byte("transformer"), 300)...)
	pngPhoto  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte("nameplate"), 200)...)
	permitPDF = append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), bytes.Repeat([]byte("1 0 obj << /Type /Page >> endobj\n"), 100)...)
	program   = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0}, 200)...)
)

// keepIn makes the bot keep files in dir, trying a failed file again after a millisecond
// rather than a minute.
func keepIn(t *testing.T, dir string) func(*bot.Options) {
	t.Helper()
	d, err := files.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return func(o *bot.Options) { o.Files, o.ArchiveRetryBase = d, time.Millisecond }
}

// logTo sends the bot's log to w.
func logTo(w *syncBuffer) func(*bot.Options) {
	return func(o *bot.Options) {
		o.Logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// reportWith files a problem for E001 through the dialog, sending the files play sends, and
// returns its ticket.
func (h *harness) reportWith(t *testing.T, owner telegramtest.User, play ...func() telegramtest.Update) string {
	t.Helper()
	contains(t, h.fileVia(t, owner, "用电/用水/用气", "厂区变压器容量不足，新生产线无法投产"), "可以发送照片或文件")
	for i, p := range play {
		contains(t, h.send(t, owner, p, 1)[0], "已收到 "+string(rune('1'+i))+" 个")
	}
	h.press(t, owner, "完成")
	h.press(t, owner, "跳过")
	h.press(t, owner, "普通")
	m, _ := h.press(t, owner, "✔ 确认提交")
	contains(t, m, "已受理，编号")
	return ticketRe.FindString(m.Text)
}

// submitFiles files a problem for E001 as its reporter P025 straight through the store, with
// files the simulator holds, as a test of what the archive does with a file the dialog would
// not let through.
func (h *harness) submitFiles(t *testing.T, as ...store.Attachment) store.Case {
	t.Helper()
	ctx := context.Background()
	unit, region := storetest.UnitID(t, h.store, "E001")
	reporter := h.personID(t, "P025")
	c, err := h.store.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, ReporterID: &reporter, Route: true,
		Description: "厂区变压器容量不足，新生产线无法投产", Attachments: as})
	if err != nil {
		t.Fatal(err)
	}
	return c.Case
}

// decided waits until each of the case's n files is archived or given up, and returns them.
func (h *harness) decided(t *testing.T, caseID int64, n int) []store.CaseAttachment {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		as, err := h.store.CaseAttachments(context.Background(), caseID)
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, a := range as {
			if a.ArchivedAt != nil || a.ArchiveError != nil {
				done++
			}
		}
		if len(as) == n && done == n {
			return as
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d files archived or given up: %+v", done, n, as)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// keptFiles are the files under dir, by their key.
func keptFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantKept checks that an attachment is recorded as kept, with the bytes want, under its
// SHA-256, with the content type.
func wantKept(t *testing.T, a store.CaseAttachment, want []byte, contentType string) {
	t.Helper()
	sum := sha(want)
	if a.ArchivedAt == nil || a.ArchiveError != nil || *a.SHA256 != sum || *a.SizeBytes != int64(len(want)) ||
		*a.StoredKey != files.KeyOf(sum) || *a.StoredType != contentType {
		t.Fatalf("attachment %d (%s %s) recorded as %+v; want kept as %s, %d bytes, %s", a.ID, a.Kind, a.Name, a, sum, len(want), contentType)
	}
}

// A reporter's photos and PDF, filed through the bot, are fetched from Telegram (getFile and
// the file URL) and kept in the city's directory under their SHA-256, each with its bytes;
// each attachment records where it is. Of a photo, the largest size is kept.
func TestAReportsFilesAreKeptInTheCitysDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startDemo(t, keepIn(t, dir))
	owner := telegramtest.User{ID: 9101, FirstName: "周总", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))

	var photos []telegramtest.Update
	no := h.reportWith(t, owner,
		func() telegramtest.Update {
			photos = append(photos, h.sim.SendPhotoOf(owner, "变压器", jpegPhoto))
			return photos[0]
		},
		func() telegramtest.Update {
			photos = append(photos, h.sim.SendPhotoOf(owner, "铭牌", pngPhoto))
			return photos[1]
		},
		func() telegramtest.Update {
			return h.sim.SendDocument(owner, "用电许可.pdf", "application/pdf", permitPDF)
		})
	c, err := h.store.CaseByTicket(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	as := h.decided(t, c.ID, 3)
	wantKept(t, as[0], jpegPhoto, "image/jpeg")
	wantKept(t, as[1], pngPhoto, "image/png")
	wantKept(t, as[2], permitPDF, "application/pdf")
	largest := photos[0].Message.Photo[len(photos[0].Message.Photo)-1].FileID
	if as[0].FileID != largest || h.sim.Downloads(largest) != 1 || as[2].Name != "用电许可.pdf" {
		t.Fatalf("the first photo is kept from %s (downloaded %d times), want its largest size %s", as[0].FileID, h.sim.Downloads(largest), largest)
	}
	kept := keptFiles(t, dir)
	if len(kept) != 3 {
		t.Fatalf("the directory holds %d files, want 3", len(kept))
	}
	for _, want := range [][]byte{jpegPhoto, pngPhoto, permitPDF} {
		if got := kept[files.KeyOf(sha(want))]; !bytes.Equal(got, want) {
			t.Fatalf("%s holds %d bytes, want the %d sent", files.KeyOf(sha(want)), len(got), len(want))
		}
	}
	if h.events(t, no, store.EventFileNotKept) != 0 {
		t.Fatal("a file kept is flagged as not kept")
	}
	if got := h.metricValue(t, `bangban_files_archived_total{outcome="kept"}`); got != 3 {
		t.Fatalf("metric kept = %v, want 3", got)
	}
}

// A download that fails is tried again (getFile is asked anew each time) until it works; a
// 429 on getFile is waited out without costing a try. Nothing the bot logs or the job queue
// keeps holds the token the download URL carries.
func TestAFailedDownloadIsTriedAgain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var logs syncBuffer
	h := startDemo(t, keepIn(t, dir), logTo(&logs))
	id, uid := h.sim.AddFile(permitPDF)
	h.sim.FailDownloads(id, 3)
	h.sim.FailNext("getFile", 1, 429, 1)
	c := h.submitFiles(t, store.Attachment{Kind: "document", FileID: id, UniqueID: uid, Name: "许可.pdf", MimeType: "application/pdf"})
	as := h.decided(t, c.ID, 1)
	wantKept(t, as[0], permitPDF, "application/pdf")
	if n := h.sim.Downloads(id); n != 4 {
		t.Fatalf("%d downloads, want 3 failed and 1 that worked", n)
	}
	var attempt int
	var errs string
	if err := h.store.Pool().QueryRow(context.Background(), `SELECT attempt, coalesce(array_to_string(errors, ' '), '') FROM river_job
		WHERE kind = 'archive_file'`).Scan(&attempt, &errs); err != nil {
		t.Fatal(err)
	}
	if attempt != 4 || strings.Count(errs, "HTTP 502") != 3 {
		t.Fatalf("the job ran %d times with errors %s; want 4 runs, 3 failed downloads (the 429 costs none)", attempt, errs)
	}
	if got := keptFiles(t, dir)[files.KeyOf(sha(permitPDF))]; !bytes.Equal(got, permitPDF) {
		t.Fatal("the file kept is not the one sent")
	}
	for what, text := range map[string]string{"log": logs.String(), "job errors": errs} {
		if strings.Contains(text, "TEST-token") || strings.Contains(text, "/file/bot") {
			t.Fatalf("the %s holds the token or the download URL:\n%s", what, text)
		}
	}
	if !strings.Contains(logs.String(), "will try again") {
		t.Fatalf("the failed tries are not logged:\n%s", logs.String())
	}
}

// A file whose download fails every time is given up after store.ArchiveTries: the attachment
// says why, and its case's timeline says so to the handler (not to the reporter).
func TestAFileThatCannotBeDownloadedIsFlaggedOnItsCase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var logs syncBuffer
	h := startDemo(t, keepIn(t, dir), logTo(&logs))
	cadreU := telegramtest.User{ID: 9301, FirstName: "李春梅", LanguageCode: "zh-hans"}
	h.join(t, cadreU, "P001", store.RoleHandler)
	gone, gid := h.sim.AddFile(jpegPhoto)
	fine, fid := h.sim.AddFile(pngPhoto)
	h.sim.FailDownloads(gone, -1)
	c := h.submitFiles(t, store.Attachment{Kind: "photo", FileID: gone, UniqueID: gid}, store.Attachment{Kind: "photo", FileID: fine, UniqueID: fid})
	as := h.decided(t, c.ID, 2)
	wantKept(t, as[1], pngPhoto, "image/png")
	a := as[0]
	if a.ArchiveError == nil || *a.ArchiveError != store.NotKeptDownload || a.ArchivedAt != nil || !strings.Contains(a.ArchiveDetail, "HTTP 502") {
		t.Fatalf("attachment recorded as %+v; want given up as download_failed", a)
	}
	if n := h.sim.Downloads(gone); n != store.ArchiveTries {
		t.Fatalf("%d downloads, want %d tries", n, store.ArchiveTries)
	}
	if n := h.events(t, c.TicketNo, store.EventFileNotKept); n != 1 {
		t.Fatalf("%d file_not_kept events, want 1", n)
	}
	if len(keptFiles(t, dir)) != 1 {
		t.Fatal("the directory holds more than the file downloaded")
	}
	contains(t, h.say(t, cadreU, "/status "+c.TicketNo), "文件未能存档：一张照片（多次下载失败）")
	// The job queue records the job given up as cancelled, a moment after the file is flagged.
	for deadline := time.Now().Add(10 * time.Second); ; {
		var state string
		if err := h.store.Pool().QueryRow(context.Background(), `SELECT state FROM river_job WHERE kind = 'archive_file'
			AND (args->>'attachment_id')::bigint = $1`, a.ID).Scan(&state); err != nil {
			t.Fatal(err)
		}
		if state == "cancelled" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the given-up job is %s, want cancelled", state)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(logs.String(), "TEST-token") || strings.Contains(a.ArchiveDetail, "TEST-token") {
		t.Fatal("the token was logged or recorded")
	}
	if !strings.Contains(logs.String(), "flagged on its case") {
		t.Fatalf("the file given up is not logged:\n%s", logs.String())
	}
}

// A "PDF" that is a program is refused by its bytes, through the report dialog, which took it
// by its declared type; a file over 20 MB is refused on getFile's word, before any download;
// a "photo" that is no picture is refused. Each is flagged at once with its reason, and
// nothing of them is stored.
func TestFilesOfTheWrongTypeOrTooLargeAreRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startDemo(t, keepIn(t, dir))
	owner := telegramtest.User{ID: 9401, FirstName: "周总", LanguageCode: "zh-hans"}
	cadreU := telegramtest.User{ID: 9402, FirstName: "李春梅", LanguageCode: "en"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cadreU, "P001", store.RoleHandler)

	var exe string
	no := h.reportWith(t, owner, func() telegramtest.Update {
		u := h.sim.SendDocument(owner, "整改报告.pdf", "application/pdf", program)
		exe = u.Message.Document.FileID
		return u
	})
	c, err := h.store.CaseByTicket(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	a := h.decided(t, c.ID, 1)[0]
	if a.ArchiveError == nil || *a.ArchiveError != store.NotKeptWrongType || !strings.Contains(a.ArchiveDetail, `declared "application/pdf"`) ||
		!strings.Contains(a.ArchiveDetail, "application/octet-stream") || h.sim.Downloads(exe) != 1 {
		t.Fatalf("the program named a PDF is recorded as %+v (downloaded %d times)", a, h.sim.Downloads(exe))
	}
	h.settled(t)
	contains(t, h.say(t, cadreU, "/status "+no), "File not archived: 整改报告.pdf (its content is not of a type reports take)")
	if strings.Contains(h.say(t, owner, "/status "+no).Text, "文件未能存档") {
		t.Fatal("the reporter is shown an internal entry")
	}

	big, bid := h.sim.AddBigFile(25 << 20)
	fake, kid := h.sim.AddFile(program)
	c2 := h.submitFiles(t, store.Attachment{Kind: "document", FileID: big, UniqueID: bid, Name: "全厂图纸.pdf", MimeType: "application/pdf"},
		store.Attachment{Kind: "photo", FileID: fake, UniqueID: kid})
	as := h.decided(t, c2.ID, 2)
	if as[0].ArchiveError == nil || *as[0].ArchiveError != store.NotKeptTooLarge || h.sim.Downloads(big) != 0 {
		t.Fatalf("the 25 MB file is recorded as %+v (downloaded %d times)", as[0], h.sim.Downloads(big))
	}
	if as[1].ArchiveError == nil || *as[1].ArchiveError != store.NotKeptWrongType || !strings.Contains(as[1].ArchiveDetail, "a photo whose bytes are") {
		t.Fatalf("the photo that is a program is recorded as %+v", as[1])
	}
	h.settled(t) // the cadre's notice of the assignment first, not taken for the view
	view := h.say(t, cadreU, "/status "+c2.TicketNo)
	contains(t, view, "File not archived: 全厂图纸.pdf (over 20 MB)", "File not archived: a photo (its content is not a picture)")
	if n := len(keptFiles(t, dir)); n != 0 {
		t.Fatalf("the directory holds %d files refused", n)
	}
	var tries int
	if err := h.store.Pool().QueryRow(context.Background(), "SELECT max(attempt) FROM river_job WHERE kind = 'archive_file'").Scan(&tries); err != nil {
		t.Fatal(err)
	}
	if tries != 1 {
		t.Fatalf("a refused file was tried %d times; a refusal is final", tries)
	}
}

// A file bigger than the bot's limit is refused on the size getFile gives, without a byte
// downloaded.
func TestAFileOverTheLimitIsNotDownloaded(t *testing.T) {
	t.Parallel()
	h := startDemo(t, keepIn(t, t.TempDir()), func(o *bot.Options) { o.FileMaxBytes = 1000 })
	id, uid := h.sim.AddFile(permitPDF)
	small, sid := h.sim.AddFile(permitPDF[:900])
	c := h.submitFiles(t, store.Attachment{Kind: "document", FileID: id, UniqueID: uid, Name: "a.pdf", MimeType: "application/pdf"},
		store.Attachment{Kind: "document", FileID: small, UniqueID: sid, Name: "b.pdf", MimeType: "application/pdf"})
	as := h.decided(t, c.ID, 2)
	if as[0].ArchiveError == nil || *as[0].ArchiveError != store.NotKeptTooLarge || h.sim.Downloads(id) != 0 ||
		!strings.Contains(as[0].ArchiveDetail, "more than 1000") {
		t.Fatalf("the file over the limit is recorded as %+v (downloaded %d times)", as[0], h.sim.Downloads(id))
	}
	wantKept(t, as[1], permitPDF[:900], "application/pdf")
}

// With the files in S3-compatible storage (an in-process server, through minio-go), a
// report's files are kept as objects under the configured prefix, with their bytes and types.
func TestAReportsFilesAreKeptInTheCitysBucket(t *testing.T) {
	t.Parallel()
	srv := s3test.New(t, "evidence", "xc")
	s3, err := files.OpenS3(context.Background(), srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	h := startDemo(t, func(o *bot.Options) { o.Files, o.ArchiveRetryBase = s3, time.Millisecond })
	owner := telegramtest.User{ID: 9501, FirstName: "周总", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	no := h.reportWith(t, owner,
		func() telegramtest.Update { return h.sim.SendPhotoOf(owner, "", jpegPhoto) },
		func() telegramtest.Update {
			return h.sim.SendDocument(owner, "用电许可.pdf", "application/pdf", permitPDF)
		})
	c, err := h.store.CaseByTicket(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	as := h.decided(t, c.ID, 2)
	wantKept(t, as[0], jpegPhoto, "image/jpeg")
	wantKept(t, as[1], permitPDF, "application/pdf")
	if names := srv.Objects(t); len(names) != 2 {
		t.Fatalf("the bucket holds %v, want 2 objects", names)
	}
	for _, f := range []struct {
		data []byte
		ct   string
	}{{jpegPhoto, "image/jpeg"}, {permitPDF, "application/pdf"}} {
		got, ct, ok := srv.Object(t, "xc/"+files.KeyOf(sha(f.data)))
		if !ok || !bytes.Equal(got, f.data) || ct != f.ct {
			t.Fatalf("object for %s: %d bytes, %q, present %v", f.ct, len(got), ct, ok)
		}
	}
	// What the sender uploads when Telegram no longer takes the file id: the kept copy.
	cp, err := h.store.ArchivedCopy(context.Background(), as[1].FileID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s3.Get(context.Background(), cp.Key); err != nil || !bytes.Equal(got, permitPDF) || cp.Name != "用电许可.pdf" {
		t.Fatalf("the kept copy of the PDF: %+v, %d bytes, %v", cp, len(got), err)
	}
}

// When Telegram no longer knows the files by the ids kept (the bot's token changed), the 📎
// button uploads them from the city's copies, with their bytes, and keeps the ids Telegram
// gives them: the next press sends by id again, uploading nothing.
func TestFilesTelegramForgotAreUploadedFromTheCitysCopies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startDemo(t, keepIn(t, dir))
	owner := telegramtest.User{ID: 9121, FirstName: "周总", LanguageCode: "zh-hans"}
	cadre := telegramtest.User{ID: 9122, FirstName: "李春梅", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	h.join(t, cadre, "P001", store.RoleHandler)
	nc := len(h.sim.Messages(cadre.ID))
	no := h.reportWith(t, owner,
		func() telegramtest.Update { return h.sim.SendPhotoOf(owner, "变压器", jpegPhoto) },
		func() telegramtest.Update { return h.sim.SendPhotoOf(owner, "铭牌", pngPhoto) },
		func() telegramtest.Update {
			return h.sim.SendDocument(owner, "用电许可.pdf", "application/pdf", permitPDF)
		})
	c, err := h.store.CaseByTicket(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	before := h.decided(t, c.ID, 3)
	assigned := h.next(t, cadre, nc, 1)[0]
	h.sim.ForgetFileIDs()

	press := func() []telegramtest.Message {
		t.Helper()
		n := len(h.sim.Messages(cadre.ID))
		h.sim.PressButton(cadre, assigned, button(t, assigned, "📎 照片和文件"))
		got := h.next(t, cadre, n, 3)
		h.settled(t)
		return got
	}
	got := press()
	for i, want := range [][]byte{jpegPhoto, pngPhoto} {
		if got[i].MediaGroupID == "" || !bytes.Equal(h.sim.FileContent(got[i].PhotoFileID), want) {
			t.Fatalf("album item %d is %+v, not the photo's copy", i, got[i])
		}
	}
	if !bytes.Equal(h.sim.FileContent(got[2].DocumentFileID), permitPDF) {
		t.Fatalf("the document sent is not the PDF's copy: %+v", got[2])
	}
	// The new ids are recorded once Telegram's answer is back, a moment after the messages.
	var after []store.CaseAttachment
	waitFor(t, func() bool {
		after, err = h.store.CaseAttachments(context.Background(), c.ID)
		return err == nil && after[2].FileID != before[2].FileID && after[0].FileID != before[0].FileID && after[1].FileID != before[1].FileID
	})
	for i, a := range after {
		want := []string{got[0].PhotoFileID, got[1].PhotoFileID, got[2].DocumentFileID}[i]
		if a.FileID != want || a.FileID == before[i].FileID {
			t.Fatalf("attachment %d now has id %s, want the new %s (was %s)", i, a.FileID, want, before[i].FileID)
		}
	}
	// The ids kept work: nothing is uploaded again.
	uploads := len(h.sim.CallsTo("sendMediaGroup")) + len(h.sim.CallsTo("sendDocument"))
	again := press()
	if again[0].PhotoFileID != got[0].PhotoFileID || again[2].DocumentFileID != got[2].DocumentFileID {
		t.Fatalf("the second press sent %+v, want the ids kept", again)
	}
	if n := len(h.sim.CallsTo("sendMediaGroup")) + len(h.sim.CallsTo("sendDocument")); n != uploads+2 {
		t.Fatalf("%d calls for the second press, want 2 (by id, once each)", n-uploads)
	}
}
