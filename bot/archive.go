package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/riverqueue/river"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/files"
	"github.com/bangban/bangban/store"
)

// archiveWorker keeps the city's copy of each file attached to a case (DESIGN.md §6: files
// are evidence, archived by the city, not only kept as platform file ids). For each
// attachment the store enqueued, it asks Telegram where the file is (getFile), downloads it,
// checks it is what the report took (its size, and its type by its bytes), stores it under
// its SHA-256, and records on the attachment where it is.
//
// A file is never lost in silence: a failed try (Telegram, the network, the storage) is tried
// again with a backoff that reaches hours, store.ArchiveTries times; then, as at once for a
// file too large or not of an accepted type, the file is given up, with its reason on the
// attachment and an entry in its case's timeline.
//
// The download URL holds the bot's token: it is never logged, nor kept in an error.
type archiveWorker struct {
	river.WorkerDefaults[store.ArchiveFile]
	tg *tgbot.Bot
	// elsewhere fetches the files another platform keeps (Elsewhere.Fetch).
	elsewhere Elsewhere
	client    *http.Client
	files     files.Storage
	st        *store.Store
	retryBase time.Duration
	maxBytes  int64
	log       *slog.Logger
	metrics   *Metrics
}

// refusal is a file that will not be kept whatever is tried again.
type refusal struct {
	reason string // store.NotKeptTooLarge or store.NotKeptWrongType
	detail string
}

func (r *refusal) Error() string { return r.reason + ": " + r.detail }

// storeError is a failure to store a file downloaded whole: the city's storage, not Telegram.
type storeError struct{ err error }

func (e *storeError) Error() string { return "store: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

func (w *archiveWorker) Work(ctx context.Context, job *river.Job[store.ArchiveFile]) error {
	a, err := w.st.CaseAttachment(ctx, job.Args.AttachmentID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.ArchivedAt != nil || a.ArchiveError != nil {
		return nil // done already: a job run twice
	}
	log := w.log.With("case", a.CaseID, "attachment", a.ID, "kind", a.Kind)
	kept, err := w.keep(ctx, a)
	if err == nil {
		if err := w.st.RecordArchived(ctx, a.ID, kept); err != nil {
			return err
		}
		w.metrics.filesArchived.WithLabelValues("kept").Inc()
		log.DebugContext(ctx, "file archived", "sha256", kept.SHA256, "bytes", kept.Size)
		return nil
	}
	var tooMany *tgbot.TooManyRequestsError
	if errors.As(err, &tooMany) {
		// Telegram asks to wait: that is no failed try.
		return river.JobSnooze(time.Duration(max(tooMany.RetryAfter, 1)) * time.Second)
	}
	var refused *refusal
	if errors.As(err, &refused) {
		if err := w.giveUp(ctx, log, a, refused.reason, refused.detail); err != nil {
			return err
		}
		return nil
	}
	if job.Attempt < store.ArchiveTries {
		w.metrics.filesArchived.WithLabelValues("retry").Inc()
		log.WarnContext(ctx, "file not archived yet, will try again", "try", job.Attempt, "error", err)
		return err
	}
	reason := store.NotKeptDownload
	var stored *storeError
	if errors.As(err, &stored) {
		reason = store.NotKeptStore
	}
	if gerr := w.giveUp(ctx, log, a, reason, err.Error()); gerr != nil {
		return gerr
	}
	return river.JobCancel(fmt.Errorf("given up after %d tries: %w", job.Attempt, err))
}

// giveUp flags the file on its case. It records even when the job's own time is up (a
// download that hung to the end of its last try): the outcome must not be lost with it.
func (w *archiveWorker) giveUp(ctx context.Context, log *slog.Logger, a store.CaseAttachment, reason, detail string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	flagged, err := w.st.RecordNotKept(ctx, a.ID, reason, detail)
	if err != nil {
		return err
	}
	if flagged {
		w.metrics.filesArchived.WithLabelValues(reason).Inc()
		log.WarnContext(ctx, "file not archived, flagged on its case", "reason", reason, "detail", detail)
	}
	return nil
}

// keep fetches, checks and stores one file, and says where it is.
func (w *archiveWorker) keep(ctx context.Context, a store.CaseAttachment) (store.Archived, error) {
	var data []byte
	var err error
	switch {
	case w.elsewhere.Keeps != nil && w.elsewhere.Fetch != nil && w.elsewhere.Keeps(a.FileID):
		data, err = w.elsewhere.Fetch(ctx, a.FileID, w.maxBytes)
		if int64(len(data)) > w.maxBytes {
			return store.Archived{}, &refusal{store.NotKeptTooLarge, fmt.Sprintf("more than %d bytes", w.maxBytes)}
		}
	case w.tg == nil:
		err = errNoTelegram
	default:
		data, err = w.fromTelegram(ctx, a)
	}
	if err != nil {
		return store.Archived{}, err
	}
	keepAs, content, ok := conversations.CheckFileContent(a.Kind == "photo", a.MimeType, data)
	if !ok {
		if a.Kind == "photo" {
			return store.Archived{}, &refusal{store.NotKeptWrongType, "a photo whose bytes are " + content}
		}
		return store.Archived{}, &refusal{store.NotKeptWrongType, fmt.Sprintf("declared %q, its bytes are %s", a.MimeType, content)}
	}
	kept, err := files.Keep(ctx, w.files, data, keepAs)
	if err != nil {
		return store.Archived{}, &storeError{err}
	}
	return store.Archived{Key: kept.Key, SHA256: kept.SHA256, Size: kept.Size, ContentType: keepAs}, nil
}

// fromTelegram downloads a file Telegram keeps.
func (w *archiveWorker) fromTelegram(ctx context.Context, a store.CaseAttachment) ([]byte, error) {
	f, err := w.tg.GetFile(ctx, &tgbot.GetFileParams{FileID: a.FileID})
	if err != nil {
		if errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "file is too big") {
			return nil, &refusal{store.NotKeptTooLarge, fmt.Sprintf("Telegram will not let a bot download it (over %d bytes)", w.maxBytes)}
		}
		return nil, fmt.Errorf("getFile: %w", err)
	}
	// Refused on what Telegram says of it, before a byte is downloaded.
	if f.FileSize > w.maxBytes {
		return nil, &refusal{store.NotKeptTooLarge, fmt.Sprintf("%d bytes, more than %d", f.FileSize, w.maxBytes)}
	}
	if f.FilePath == "" {
		return nil, errors.New("getFile gave no file path")
	}
	data, err := w.download(ctx, w.tg.FileDownloadLink(f))
	if err != nil {
		return nil, err
	}
	if f.FileSize > 0 && int64(len(data)) != f.FileSize {
		return nil, fmt.Errorf("download: %d bytes of %d", len(data), f.FileSize)
	}
	return data, nil
}

// download reads the file at link, at most maxBytes of it. link holds the bot's token: no
// error names it.
func (w *archiveWorker) download(ctx context.Context, link string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return nil, errors.New("download: malformed file URL")
	}
	resp, err := w.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, w.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("download: %w", err)
	}
	if int64(len(data)) > w.maxBytes {
		return nil, &refusal{store.NotKeptTooLarge, fmt.Sprintf("the download runs past %d bytes", w.maxBytes)}
	}
	return data, nil
}

// NextRetry spreads a file's tries over hours: from retryBase (a minute by default), doubling
// each try, at most six hours apart, with jitter.
func (w *archiveWorker) NextRetry(job *river.Job[store.ArchiveFile]) time.Time {
	d := w.retryBase << min(job.Attempt-1, 16)
	d = min(d, 6*time.Hour)
	d += time.Duration(rand.Int64N(int64(d)/5 + 1))
	return time.Now().Add(d)
}

// fileCopies finds the city's copy of a file Telegram no longer knows by its id, and records
// the id Telegram gives the copy once uploaded.
type fileCopies interface {
	copyOf(ctx context.Context, fileID string) (data []byte, name string, attachment int64, err error)
	renamed(ctx context.Context, attachment int64, fileID, uniqueID string) error
}

// archiveCopies are the copies the archive worker keeps.
type archiveCopies struct {
	st    *store.Store
	files files.Storage
}

func (a archiveCopies) copyOf(ctx context.Context, fileID string) ([]byte, string, int64, error) {
	c, err := a.st.ArchivedCopy(ctx, fileID)
	if err != nil {
		return nil, "", 0, err
	}
	data, err := a.files.Get(ctx, c.Key)
	if err != nil {
		return nil, "", 0, fmt.Errorf("attachment %d: %w", c.AttachmentID, err)
	}
	name := c.Name
	if name == "" {
		// A photo has no name of its own: its kind, and the extension of its type.
		name = c.Kind + files.Extension(c.MimeType)
	}
	return data, name, c.AttachmentID, nil
}

func (a archiveCopies) renamed(ctx context.Context, attachment int64, fileID, uniqueID string) error {
	return a.st.RecordFileID(ctx, attachment, fileID, uniqueID)
}
