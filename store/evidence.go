package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// NoticeBtnEvidence labels EvidenceButton on a notification.
const NoticeBtnEvidence = "btn_evidence"

// Evidence sums up what a case holds besides its words: the photos and documents attached to
// it (at filing, added later, or by its handler), and where the problem is.
type Evidence struct {
	Photos    int      `json:"photos,omitempty"`
	Documents int      `json:"documents,omitempty"`
	Latitude  *float64 `json:"lat,omitempty"`
	Longitude *float64 `json:"lon,omitempty"`
	// Place is the name of the place, when the reporter shared a named one.
	Place string `json:"place,omitempty"`
}

// Any tells whether there is anything to show.
func (e Evidence) Any() bool {
	return e.Photos > 0 || e.Documents > 0 || e.Latitude != nil
}

// filesEvidence counts files as Evidence, with no place.
func filesEvidence(files []Attachment) Evidence {
	var e Evidence
	for _, f := range files {
		if f.Kind == "photo" {
			e.Photos++
		} else {
			e.Documents++
		}
	}
	return e
}

// evidenceButtons is the row of the evidence button, when there is evidence to send.
func evidenceButtons(ticket string, e Evidence) [][]NotificationButton {
	if !e.Any() {
		return nil
	}
	return [][]NotificationButton{{{MessageID: NoticeBtnEvidence, Data: EvidenceButton + ":" + ticket}}}
}

// attachmentsSQL are a case's files, oldest first; those of internal events (a handler's
// internal note) only with $2; only those of event $3 when it is not 0.
const attachmentsSQL = `SELECT a.kind, a.file_id, a.file_unique_id, a.file_name, a.mime_type
	FROM case_attachments a LEFT JOIN case_events e ON e.id = a.event_id
	WHERE a.case_id = $1 AND (e.id IS NULL OR NOT e.internal OR $2) AND ($3 = 0 OR a.event_id = $3) ORDER BY a.id`

// evidenceOf counts a case's files, with internal ones for staff, and adds its place.
func evidenceOf(ctx context.Context, q querier, c Case, staff bool) (Evidence, error) {
	e := Evidence{Latitude: c.Latitude, Longitude: c.Longitude, Place: c.Place}
	err := q.QueryRow(ctx, `SELECT count(*) FILTER (WHERE f.kind = 'photo'), count(*) FILTER (WHERE f.kind <> 'photo')
		FROM (`+attachmentsSQL+`) f`, c.ID, staff, 0).Scan(&e.Photos, &e.Documents)
	if err != nil {
		return e, fmt.Errorf("evidence of case %s: %w", c.TicketNo, err)
	}
	return e, nil
}

// CaseFiles are the photos and documents of a case that a person may receive, oldest first,
// with the case as they see it: its reporter, its handler and its offices (the files of
// internal notes only for the last two). For anyone else it is ErrNotFound, as for a case
// that does not exist. With event not 0, only the files that came with that event of the
// case (an addition).
func (s *Store) CaseFiles(ctx context.Context, personID int64, ticket string, event int64) (CaseView, []Attachment, error) {
	v, err := s.CaseFor(ctx, personID, ticket)
	if err != nil {
		return v, nil, err
	}
	if !v.Reporter && !v.Handler && !v.Office {
		// A reporter of a case merged into this one follows it, but its files are not theirs.
		return v, nil, fmt.Errorf("files of case %s: %w", ticket, ErrNotFound)
	}
	rows, err := s.pool.Query(ctx, attachmentsSQL, v.ID, v.Handler || v.Office, event)
	if err != nil {
		return v, nil, fmt.Errorf("files of case %s: %w", ticket, err)
	}
	files, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Attachment, error) {
		var a Attachment
		err := r.Scan(&a.Kind, &a.FileID, &a.UniqueID, &a.Name, &a.MimeType)
		return a, err
	})
	if err != nil {
		return v, nil, fmt.Errorf("files of case %s: %w", ticket, err)
	}
	return v, files, nil
}
