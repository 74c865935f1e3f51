package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// archiveJobs are the attachments that have an archive job, in the order enqueued.
func archiveJobs(t *testing.T, s *store.Store) []int64 {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(),
		"SELECT (args->>'attachment_id')::bigint FROM river_job WHERE kind = 'archive_file' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func attachmentIDs(t *testing.T, s *store.Store, caseID int64) []int64 {
	t.Helper()
	as, err := s.CaseAttachments(context.Background(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

func photo(id string) store.Attachment {
	return store.Attachment{Kind: "photo", FileID: id, UniqueID: "U" + id}
}

func pdf(id, name string) store.Attachment {
	return store.Attachment{Kind: "document", FileID: id, UniqueID: "U" + id, Name: name, MimeType: "application/pdf"}
}

// Each of the three ways a file joins a case (the report, a handler's note, the reporter's
// addition) enqueues one archive job a file in its own transaction; a change refused keeps
// neither its files nor their jobs.
func TestEveryAttachedFileGetsAnArchiveJobWithItsChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	unit, region := storetest.UnitID(t, l.s, "E001")
	sub, err := l.s.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, ReporterID: &l.reporter,
		Description: "厂区变压器容量不足，需要增容", Attachments: []store.Attachment{photo("P1"), pdf("D1", "容量核定.pdf")}})
	if err != nil {
		t.Fatal(err)
	}
	no := sub.TicketNo
	if _, err := l.s.Assign(ctx, store.AssignParams{ActParams: act(no, l.office, ""), AssigneeID: l.cadre}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s.Sign(ctx, act(no, l.cadre, "")); err != nil {
		t.Fatal(err)
	}
	refused := act(no, l.other, "不是我的案子")
	refused.Files = []store.Attachment{photo("P-stranger")}
	if _, err := l.s.Progress(ctx, refused); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("progress by another handler: %v", err)
	}
	note := act(no, l.cadre, "现场照片")
	note.Files = []store.Attachment{photo("P2")}
	if _, err := l.s.Progress(ctx, note); err != nil {
		t.Fatal(err)
	}
	if err := l.s.AddInfo(ctx, l.reporter, no, "补充铭牌照片", "add-1", []store.Attachment{photo("P3")}); err != nil {
		t.Fatal(err)
	}
	// The same addition delivered again adds nothing, and enqueues nothing.
	if err := l.s.AddInfo(ctx, l.reporter, no, "补充铭牌照片", "add-1", []store.Attachment{photo("P3")}); err != nil {
		t.Fatal(err)
	}
	ids := attachmentIDs(t, l.s, sub.ID)
	if len(ids) != 4 {
		t.Fatalf("%d attachments, want the report's 2, the note's and the addition's", len(ids))
	}
	if jobs := archiveJobs(t, l.s); !slices.Equal(jobs, ids) {
		t.Fatalf("archive jobs for %v, want one for each of %v", jobs, ids)
	}
	as, _ := l.s.CaseAttachments(ctx, sub.ID)
	if as[0].EventID != nil || as[2].EventID == nil || as[3].EventID == nil || as[1].Name != "容量核定.pdf" || as[2].FileID != "P2" {
		t.Fatalf("attachments %+v", as)
	}
	var queue string
	var max int
	if err := l.s.Pool().QueryRow(ctx, "SELECT queue, max_attempts FROM river_job WHERE kind = 'archive_file' LIMIT 1").Scan(&queue, &max); err != nil {
		t.Fatal(err)
	}
	if queue != store.ArchiveQueue || max <= store.ArchiveTries {
		t.Fatalf("archive job on %q with %d attempts, want %q and more than %d", queue, max, store.ArchiveQueue, store.ArchiveTries)
	}
}

// A file kept is recorded once with where it is; a file given up is flagged once on its case,
// as an internal entry the handler and the offices see and the reporter does not.
func TestAFileKeptOrGivenUpIsRecordedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	unit, region := storetest.UnitID(t, l.s, "E001")
	sub, err := l.s.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, ReporterID: &l.reporter, Route: true,
		Description: "厂区变压器容量不足，需要增容", Attachments: []store.Attachment{photo("P1"), pdf("D1", "setup.pdf")}})
	if err != nil {
		t.Fatal(err)
	}
	ids := attachmentIDs(t, l.s, sub.ID)
	sum := strings.Repeat("ab", 32)
	kept := store.Archived{Key: "ab/ab/" + sum, SHA256: sum, Size: 1234, ContentType: "image/jpeg"}
	for range 2 {
		if err := l.s.RecordArchived(ctx, ids[0], kept); err != nil {
			t.Fatal(err)
		}
	}
	a, err := l.s.CaseAttachment(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if a.ArchivedAt == nil || *a.SHA256 != sum || *a.SizeBytes != 1234 || *a.StoredKey != kept.Key || *a.StoredType != "image/jpeg" || a.ArchiveError != nil {
		t.Fatalf("kept: %+v", a)
	}
	if ok, err := l.s.RecordNotKept(ctx, ids[0], store.NotKeptDownload, "late"); ok || err != nil {
		t.Fatalf("giving up a file kept: %v, %v; want nothing done", ok, err)
	}

	for i, want := range []bool{true, false} {
		ok, err := l.s.RecordNotKept(ctx, ids[1], store.NotKeptWrongType, "declared application/pdf; its bytes are application/octet-stream")
		if err != nil || ok != want {
			t.Fatalf("give up, time %d: %v, %v", i+1, ok, err)
		}
	}
	if err := l.s.RecordArchived(ctx, ids[1], kept); err != nil {
		t.Fatal(err)
	}
	a, _ = l.s.CaseAttachment(ctx, ids[1])
	if a.ArchiveError == nil || *a.ArchiveError != store.NotKeptWrongType || !strings.Contains(a.ArchiveDetail, "octet-stream") || a.ArchiveFailedAt == nil || a.ArchivedAt != nil {
		t.Fatalf("given up: %+v", a)
	}
	if _, err := l.s.RecordNotKept(ctx, ids[1], "lost", ""); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("an unknown reason: %v", err)
	}
	if _, err := l.s.RecordNotKept(ctx, 1<<40, store.NotKeptTooLarge, ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no such attachment: %v", err)
	}
	if err := l.s.RecordArchived(ctx, 1<<40, kept); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no such attachment: %v", err)
	}

	seen := func(person int64) []store.Event {
		v, err := l.s.CaseFor(ctx, person, sub.TicketNo)
		if err != nil {
			t.Fatal(err)
		}
		var out []store.Event
		for _, e := range v.Events {
			if e.Kind == store.EventFileNotKept {
				out = append(out, e)
			}
		}
		return out
	}
	for _, who := range []int64{l.cadre, l.office} {
		evs := seen(who)
		if len(evs) != 1 || !evs[0].Internal || evs[0].Data["Reason"] != store.NotKeptWrongType || evs[0].Data["Name"] != "setup.pdf" ||
			evs[0].Data["Kind"] != "document" {
			t.Fatalf("person %d sees %+v, want one internal entry naming the file and why", who, evs)
		}
	}
	if evs := seen(l.reporter); len(evs) != 0 {
		t.Fatalf("the reporter sees %+v", evs)
	}
}

// When Telegram no longer takes a file id, the kept copy is found by it, and the id Telegram
// gives the copy uploaded again replaces it on every attachment that held it.
func TestAFileIDTelegramRefusesFindsTheKeptCopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	unit, region := storetest.UnitID(t, l.s, "E001")
	sub, err := l.s.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &unit, ReporterID: &l.reporter,
		Description: "厂区变压器容量不足，需要增容", Attachments: []store.Attachment{pdf("OLD", "核定.pdf"), photo("P1")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.s.AddInfo(ctx, l.reporter, sub.TicketNo, "", "add-1", []store.Attachment{pdf("OLD", "核定.pdf")}); err != nil {
		t.Fatal(err)
	}
	ids := attachmentIDs(t, l.s, sub.ID)
	if _, err := l.s.ArchivedCopy(ctx, "OLD"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a copy before any was kept: %v", err)
	}
	sum := strings.Repeat("cd", 32)
	if err := l.s.RecordArchived(ctx, ids[0], store.Archived{Key: "cd/cd/" + sum, SHA256: sum, Size: 99, ContentType: "application/pdf"}); err != nil {
		t.Fatal(err)
	}
	c, err := l.s.ArchivedCopy(ctx, "OLD")
	if err != nil {
		t.Fatal(err)
	}
	if c.AttachmentID != ids[0] || c.Kind != "document" || c.Name != "核定.pdf" || c.MimeType != "application/pdf" || c.Key != "cd/cd/"+sum || c.SHA256 != sum || c.Size != 99 {
		t.Fatalf("copy %+v", c)
	}
	for range 2 {
		if err := l.s.RecordFileID(ctx, c.AttachmentID, "NEW", "UNEW"); err != nil {
			t.Fatal(err)
		}
	}
	as, _ := l.s.CaseAttachments(ctx, sub.ID)
	if as[0].FileID != "NEW" || as[0].UniqueID != "UNEW" || as[2].FileID != "NEW" || as[1].FileID != "P1" {
		t.Fatalf("after the upload: %+v", as)
	}
	for _, id := range []string{"OLD", "NEW"} {
		if got, err := l.s.ArchivedCopy(ctx, id); err != nil || got.Key != c.Key {
			t.Fatalf("copy by %s: %+v, %v", id, got, err)
		}
	}
	if _, err := l.s.ArchivedCopy(ctx, "P1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a photo not kept: %v", err)
	}
	if err := l.s.RecordFileID(ctx, 1<<40, "X", ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("no such attachment: %v", err)
	}
}

// Files with no archive job (attached before the city kept copies, or whose job was lost) get
// one from the sweep, once; files kept or given up, or with a job waiting, do not.
func TestTheArchiveSweepGivesEveryFileAJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := newLifecycle(t)
	c := l.file(t)
	var old int64
	if err := l.s.Pool().QueryRow(ctx, `INSERT INTO case_attachments (case_id, kind, file_id) VALUES ($1, 'photo', 'BEFORE') RETURNING id`,
		c.ID).Scan(&old); err != nil {
		t.Fatal(err)
	}
	if err := l.s.AddInfo(ctx, l.reporter, c.TicketNo, "", "add-1", []store.Attachment{photo("LOST"), photo("GIVEN-UP"), photo("WAITING")}); err != nil {
		t.Fatal(err)
	}
	ids := attachmentIDs(t, l.s, c.ID)
	lost, givenUp := ids[1], ids[2]
	if _, err := l.s.Pool().Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now()
		WHERE kind = 'archive_file' AND (args->>'attachment_id')::bigint = $1`, lost); err != nil {
		t.Fatal(err)
	}
	if _, err := l.s.RecordNotKept(ctx, givenUp, store.NotKeptTooLarge, ""); err != nil {
		t.Fatal(err)
	}
	before := len(archiveJobs(t, l.s))
	n, err := l.s.ArchiveOrphans(ctx, 100)
	if err != nil || n != 2 {
		t.Fatalf("swept %d, %v; want the file from before and the lost one", n, err)
	}
	jobs := archiveJobs(t, l.s)
	if got := jobs[before:]; !slices.Equal(got, []int64{old, lost}) {
		t.Fatalf("new jobs for %v, want %v", got, []int64{old, lost})
	}
	if n, err := l.s.ArchiveOrphans(ctx, 100); err != nil || n != 0 {
		t.Fatalf("second sweep: %d, %v", n, err)
	}
}
