package conversations

import (
	"context"
	"strconv"
	"strings"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/intake"
	"github.com/bangban/bangban/store"
)

// evidence sends a case's photos, documents and place to whoever presses its evidence button
// ("ev:<ticket>", or "ev:<ticket>:<event>" for what came with one addition), if they may
// receive them: its reporter, its handler, its offices. Anyone else learns nothing, as for a
// case that does not exist.
func (h *handling) evidence(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
	rest := strings.TrimPrefix(c.Data, store.EvidenceButton+":")
	ticket, event, _ := strings.Cut(rest, ":")
	var eventID int64
	if event != "" {
		id, err := strconv.ParseInt(event, 10, 64)
		if err != nil || id <= 0 {
			return nil, &dialog.Refusal{MessageID: dialog.MsgStaleButton}
		}
		eventID = id
	}
	actor, err := h.actorID(ctx, c.UserID, ticket)
	if err != nil {
		return nil, err
	}
	v, files, err := h.st.CaseFiles(ctx, actor, ticket, eventID)
	if err != nil {
		return nil, h.refusal(ctx, store.ActParams{Ticket: ticket, ActorID: actor}, MsgActEvidence, err)
	}
	replies := evidenceReplies(v.TicketNo, files)
	if eventID == 0 && v.Latitude != nil && v.Longitude != nil {
		replies = append(replies, dialog.Reply{Location: &dialog.Location{Latitude: *v.Latitude, Longitude: *v.Longitude, Name: v.Place}})
	}
	if len(replies) == 0 {
		return []dialog.Reply{{MessageID: MsgEvidenceNone, Data: map[string]any{"TicketNo": v.TicketNo}}}, nil
	}
	return replies, nil
}

// evidenceReplies sends files again by their ids: the photos as albums of up to MaxAlbum, the
// first captioned with the case's ticket, then each document under its name.
func evidenceReplies(ticket string, files []store.Attachment) []dialog.Reply {
	var photos []dialog.Media
	var out []dialog.Reply
	for _, f := range files {
		if f.Kind == "photo" {
			photos = append(photos, dialog.Media{FileID: f.FileID, Photo: true})
		}
	}
	for start := 0; start < len(photos); start += dialog.MaxAlbum {
		r := dialog.Reply{Media: photos[start:min(start+dialog.MaxAlbum, len(photos))]}
		if start == 0 {
			r.MessageID, r.Data = MsgEvidenceCaption, map[string]any{"TicketNo": ticket}
		}
		out = append(out, r)
	}
	for _, f := range files {
		if f.Kind != "photo" {
			out = append(out, dialog.Reply{Media: []dialog.Media{{FileID: f.FileID, Name: f.Name}}, MessageID: MsgEvidenceDocument,
				Data: map[string]any{"TicketNo": ticket, "Name": dialog.Clip(f.Name, viewName)}})
		}
	}
	return out
}

// EvidenceLine sums up a case's photos, documents and place in one line, in lang ("" when
// there is nothing).
func EvidenceLine(tr *dialog.Translator, lang string, ev store.Evidence) string {
	var parts []string
	if ev.Photos > 0 || ev.Documents > 0 {
		parts = append(parts, tr.T(lang, MsgEvidenceFiles, map[string]any{"Photos": ev.Photos, "Documents": ev.Documents}))
	}
	if ev.Latitude != nil && ev.Longitude != nil {
		where := dialog.Clip(ev.Place, intake.MaxPlace)
		if where == "" {
			where = strconv.FormatFloat(*ev.Latitude, 'f', 5, 64) + ", " + strconv.FormatFloat(*ev.Longitude, 'f', 5, 64)
		}
		parts = append(parts, tr.T(lang, MsgEvidencePlace, map[string]any{"Where": where}))
	}
	return strings.Join(parts, " · ")
}

// evidenceButton is the row of the button that sends a case's evidence, for one who may
// receive it, when there is any.
func evidenceButton(tr *dialog.Translator, lang string, v store.CaseView) [][]dialog.Button {
	if !v.Evidence.Any() || (!v.Reporter && !v.Handler && !v.Office) {
		return nil
	}
	return [][]dialog.Button{{{Text: tr.T(lang, store.NoticeBtnEvidence, nil), Data: store.EvidenceButton + ":" + v.TicketNo}}}
}
