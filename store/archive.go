package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// ArchiveQueue is the job queue that carries the archive jobs, apart from the messages: a
// download of a 20 MB file does not hold up anyone's notification.
const ArchiveQueue = "archive"

// ArchiveTries is how many times a file is tried (fetched from Telegram and stored) before
// it is given up and flagged on its case. The job's backoff spreads the tries over hours, so
// that an outage of Telegram or of the city's storage does not cost a file.
const ArchiveTries = 10

// ArchiveFile is the durable job that keeps the city's own copy of one attachment: enqueued
// in the transaction that attaches the file, worked by bot/, which fetches it from Telegram,
// checks it and stores it, then records here where it is (RecordArchived) or why it is not
// (RecordNotKept).
type ArchiveFile struct {
	AttachmentID int64 `json:"attachment_id"`
}

// Kind names the job for river.
func (ArchiveFile) Kind() string { return "archive_file" }

// InsertOpts put the job on its queue. The worker gives a file up after ArchiveTries; the
// job's attempts go beyond that, so that a try cut short on the last one (its process died,
// the database was down as it recorded the outcome) is followed by one that flags the file,
// rather than by river discarding the job in silence.
func (ArchiveFile) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: ArchiveQueue, MaxAttempts: ArchiveTries + 5}
}

// Why a file was not kept: larger than a bot may download, not of a type reports take (by
// its bytes, whatever its name or declared type), not downloaded after every try, or not
// stored after every try.
const (
	NotKeptTooLarge  = "too_large"
	NotKeptWrongType = "wrong_type"
	NotKeptDownload  = "download_failed"
	NotKeptStore     = "store_failed"
)

// EventFileNotKept records on a case that one of its files could not be kept by the city, and
// why (internal: the handler and the offices see it, and can ask the reporter for it again).
const EventFileNotKept = "file_not_kept"

// maxArchiveDetail bounds what is kept of what happened to a file that was not kept.
const maxArchiveDetail = 500

// insertAttachments records a case's files, of one event or of the case itself (eventID
// nil), and enqueues in the same transaction one archive job for each: a file attached is a
// file the city will keep, or flag.
func (s *Store) insertAttachments(ctx context.Context, tx pgx.Tx, caseID int64, eventID *int64, files []Attachment) error {
	if len(files) == 0 {
		return nil
	}
	jobs := make([]river.InsertManyParams, 0, len(files))
	for _, f := range files {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO case_attachments (case_id, event_id, kind, file_id, file_unique_id, file_name, mime_type)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, caseID, eventID, f.Kind, f.FileID, f.UniqueID, f.Name, f.MimeType).Scan(&id); err != nil {
			return fmt.Errorf("attachment: %w", err)
		}
		jobs = append(jobs, river.InsertManyParams{Args: ArchiveFile{AttachmentID: id}})
	}
	if _, err := s.jobs.InsertManyTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("archive %d attachments: %w", len(jobs), err)
	}
	return nil
}

// CaseAttachment is a file attached to a case, as it is kept.
type CaseAttachment struct {
	ID      int64  `db:"id"`
	CaseID  int64  `db:"case_id"`
	EventID *int64 `db:"event_id"`
	// Kind is "photo" or "document"; FileID is Telegram's id for it now (after a re-upload,
	// the new one), Name and MimeType what the sender's app declared.
	Kind     string `db:"kind"`
	FileID   string `db:"file_id"`
	UniqueID string `db:"file_unique_id"`
	Name     string `db:"file_name"`
	MimeType string `db:"mime_type"`
	// Once kept: the SHA-256 of its bytes in hex, their size, the key the files storage
	// keeps them under, the content type they were kept with, and when.
	SHA256     *string    `db:"sha256"`
	SizeBytes  *int64     `db:"size_bytes"`
	StoredKey  *string    `db:"stored_key"`
	StoredType *string    `db:"stored_type"`
	ArchivedAt *time.Time `db:"archived_at"`
	// Once given up: why (NotKeptTooLarge…), what happened, and when.
	ArchiveError    *string    `db:"archive_error"`
	ArchiveDetail   string     `db:"archive_detail"`
	ArchiveFailedAt *time.Time `db:"archive_failed_at"`
	CreatedAt       time.Time  `db:"created_at"`
}

const attachmentColumns = `id, case_id, event_id, kind, file_id, file_unique_id, file_name, mime_type, sha256, size_bytes,
	stored_key, stored_type, archived_at, archive_error, archive_detail, archive_failed_at, created_at`

// CaseAttachment finds an attachment by its id. It does not check access: it is for the
// archive job and the sender, not for a person.
func (s *Store) CaseAttachment(ctx context.Context, id int64) (CaseAttachment, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+attachmentColumns+` FROM case_attachments WHERE id = $1`, id)
	if err != nil {
		return CaseAttachment{}, fmt.Errorf("attachment %d: %w", id, err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CaseAttachment])
	if errors.Is(err, pgx.ErrNoRows) {
		return CaseAttachment{}, fmt.Errorf("attachment %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return CaseAttachment{}, fmt.Errorf("attachment %d: %w", id, err)
	}
	return a, nil
}

// CaseAttachments are a case's files, in the order they were attached. It does not check
// access.
func (s *Store) CaseAttachments(ctx context.Context, caseID int64) ([]CaseAttachment, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+attachmentColumns+` FROM case_attachments WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("attachments of case %d: %w", caseID, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[CaseAttachment])
	if err != nil {
		return nil, fmt.Errorf("attachments of case %d: %w", caseID, err)
	}
	return out, nil
}

// Archived is where the city keeps a file: its storage key, the SHA-256 of its bytes in hex,
// their size, and the content type they were kept with.
type Archived struct {
	Key         string
	SHA256      string
	Size        int64
	ContentType string
}

// RecordArchived records that an attachment's file is kept. Recording it again (a job run
// twice) writes the same. A file already given up stays given up: its case says so, and a
// later copy would contradict it. ErrNotFound when there is no such attachment.
func (s *Store) RecordArchived(ctx context.Context, id int64, a Archived) error {
	if a.Key == "" || len(a.SHA256) != 64 || a.Size < 0 {
		return fmt.Errorf("record archived attachment %d: %+v: %w", id, a, ErrInvalid)
	}
	var recorded bool
	err := s.pool.QueryRow(ctx, `
		WITH u AS (UPDATE case_attachments SET sha256 = $2, size_bytes = $3, stored_key = $4, stored_type = $5,
				archived_at = coalesce(archived_at, $6)
			WHERE id = $1 AND archive_error IS NULL RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM u) OR EXISTS (SELECT 1 FROM case_attachments WHERE id = $1)`,
		id, a.SHA256, a.Size, a.Key, a.ContentType, s.now()).Scan(&recorded)
	if err != nil {
		return fmt.Errorf("record archived attachment %d: %w", id, err)
	}
	if !recorded {
		return fmt.Errorf("record archived attachment %d: %w", id, ErrNotFound)
	}
	return nil
}

// RecordNotKept gives an attachment's file up, with the reason (NotKeptTooLarge…) and what
// happened (detail, clipped; never a URL with the bot's token in it), and appends to its case
// an internal EventFileNotKept, for the handler and the offices to see, in one transaction. It
// reports whether it did: a file already kept, or already given up, is left as it is (a job
// run twice flags it once). ErrNotFound when there is no such attachment.
func (s *Store) RecordNotKept(ctx context.Context, id int64, reason, detail string) (bool, error) {
	switch reason {
	case NotKeptTooLarge, NotKeptWrongType, NotKeptDownload, NotKeptStore:
	default:
		return false, fmt.Errorf("give up attachment %d: reason %q: %w", id, reason, ErrInvalid)
	}
	detail = clipBytes(detail, maxArchiveDetail)
	var flagged bool
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		now := s.now()
		var caseID int64
		var kind, name string
		err := tx.QueryRow(ctx, `UPDATE case_attachments SET archive_error = $2, archive_detail = $3, archive_failed_at = $4
			WHERE id = $1 AND archived_at IS NULL AND archive_error IS NULL RETURNING case_id, kind, file_name`,
			id, reason, detail, now).Scan(&caseID, &kind, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			var exists bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM case_attachments WHERE id = $1)", id).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return ErrNotFound
			}
			return nil // decided already
		}
		if err != nil {
			return err
		}
		if _, err := appendEvent(ctx, tx, Event{CaseID: caseID, At: now, Kind: EventFileNotKept, Internal: true,
			Data: map[string]any{"Reason": reason, "Kind": kind, "Name": name, "Attachment": id}}); err != nil {
			return err
		}
		flagged = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("give up attachment %d: %w", id, err)
	}
	return flagged, nil
}

// clipBytes cuts s to at most n bytes, between characters.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// ArchivedCopy is the city's copy of a file, to upload in place of a file id Telegram no
// longer accepts: where the files storage keeps it, and what to send it as.
type ArchivedCopy struct {
	AttachmentID int64
	// Kind is "photo" or "document"; Name the file's name (documents); MimeType its type.
	Kind, Name, MimeType string
	Key, SHA256          string
	Size                 int64
}

// ArchivedCopy finds the kept copy of the file Telegram knew as fileID (the file id an
// attachment has, or had before it was uploaded again), for the sender to upload the bytes
// (files.Storage's Get of Key) when Telegram refuses the id. ErrNotFound when no attachment
// with that id has been kept.
func (s *Store) ArchivedCopy(ctx context.Context, fileID string) (ArchivedCopy, error) {
	var c ArchivedCopy
	err := s.pool.QueryRow(ctx, `
		SELECT id, kind, file_name, coalesce(nullif(mime_type, ''), stored_type, ''), stored_key, sha256, size_bytes
		FROM case_attachments
		WHERE (file_id = $1 OR replaced_file_id = $1) AND archived_at IS NOT NULL
		ORDER BY file_id = $1 DESC, archived_at DESC, id DESC LIMIT 1`, fileID).Scan(
		&c.AttachmentID, &c.Kind, &c.Name, &c.MimeType, &c.Key, &c.SHA256, &c.Size)
	if errors.Is(err, pgx.ErrNoRows) {
		return ArchivedCopy{}, fmt.Errorf("kept copy of a file: %w", ErrNotFound)
	}
	if err != nil {
		return ArchivedCopy{}, fmt.Errorf("kept copy of a file: %w", err)
	}
	return c, nil
}

// RecordFileID records the file id (and unique id, when given) Telegram gave the kept copy of
// attachment id when it was uploaded again: on that attachment and on every other that held
// the same refused id, so that each is sent by the new one from now on. The refused id is
// kept as replaced_file_id, and ArchivedCopy still finds the copy by it. Recording the same
// id again changes nothing. ErrNotFound when there is no such attachment.
func (s *Store) RecordFileID(ctx context.Context, id int64, fileID, uniqueID string) error {
	if fileID == "" {
		return fmt.Errorf("new file id of attachment %d: empty: %w", id, ErrInvalid)
	}
	var found bool
	err := s.pool.QueryRow(ctx, `
		WITH old AS (SELECT file_id FROM case_attachments WHERE id = $1),
		u AS (UPDATE case_attachments a SET replaced_file_id = a.file_id, file_id = $2,
				file_unique_id = CASE WHEN $3 = '' THEN a.file_unique_id ELSE $3 END
			FROM old WHERE a.file_id = old.file_id AND a.file_id <> $2 RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM old), (SELECT count(*) FROM u)`, id, fileID, uniqueID).Scan(&found, new(int64))
	if err != nil {
		return fmt.Errorf("new file id of attachment %d: %w", id, err)
	}
	if !found {
		return fmt.Errorf("new file id of attachment %d: %w", id, ErrNotFound)
	}
	return nil
}

// ArchiveSweep is the hourly job that makes sure every file neither kept nor given up has an
// archive job waiting or running: files attached before the city kept copies, and any whose
// job was lost (discarded by the job queue after a crash on its last attempt). River runs it
// on its elected leader only.
type ArchiveSweep struct{}

// Kind names the job for river.
func (ArchiveSweep) Kind() string { return "archive_sweep" }

// InsertOpts put the sweep on the lifecycle queue, which every bot works.
func (ArchiveSweep) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: LifecycleQueue, MaxAttempts: 3}
}

// ArchiveOrphans enqueues an archive job for up to limit files that are neither kept nor given
// up and have no archive job waiting or running, and returns how many it enqueued.
func (s *Store) ArchiveOrphans(ctx context.Context, limit int) (int, error) {
	n := 0
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT a.id FROM case_attachments a
			WHERE a.archived_at IS NULL AND a.archive_error IS NULL
				AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'archive_file'
					AND j.args @> jsonb_build_object('attachment_id', a.id)
					AND j.state IN ('available', 'pending', 'running', 'retryable', 'scheduled'))
			ORDER BY a.id LIMIT $1`, limit)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(ids) == 0 {
			return err
		}
		jobs := make([]river.InsertManyParams, len(ids))
		for i, id := range ids {
			jobs[i] = river.InsertManyParams{Args: ArchiveFile{AttachmentID: id}}
		}
		if _, err := s.jobs.InsertManyTx(ctx, tx, jobs); err != nil {
			return err
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("archive files without a job: %w", err)
	}
	return n, nil
}

type archiveSweepWorker struct {
	river.WorkerDefaults[ArchiveSweep]
	s *Store
}

// sweepArchiveBatch is how many files one transaction of the sweep gives a job.
const sweepArchiveBatch = 500

func (w *archiveSweepWorker) Work(ctx context.Context, _ *river.Job[ArchiveSweep]) error {
	for {
		n, err := w.s.ArchiveOrphans(ctx, sweepArchiveBatch)
		if err != nil || n < sweepArchiveBatch {
			return err
		}
	}
}

// FiledFile is a file of a case filed in a period, with the case's ticket.
type FiledFile struct {
	TicketNo string `db:"ticket_no"`
	CaseAttachment
}

// FilesFiledBetween are the files of the cases filed from from up to to, by ticket and in the
// order they were attached: kept, given up or still waiting, for the city to take away with
// the ledger.
func (s *Store) FilesFiledBetween(ctx context.Context, from, to time.Time) ([]FiledFile, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.ticket_no, `+prefixed("a.", attachmentColumns)+`
		FROM case_attachments a JOIN cases c ON c.id = a.case_id
		WHERE c.created_at >= $1 AND c.created_at < $2 ORDER BY c.ticket_no, a.id`, from, to)
	if err != nil {
		return nil, fmt.Errorf("files filed from %s to %s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[FiledFile])
	if err != nil {
		return nil, fmt.Errorf("files filed from %s to %s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return out, nil
}

// prefixed qualifies each of a comma list of columns with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
