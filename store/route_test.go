package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
)

func unitID(t *testing.T, s *store.Store, code string) (int64, int64) {
	t.Helper()
	var id, region int64
	if err := s.Pool().QueryRow(context.Background(), "SELECT id, region_id FROM units WHERE code = $1", code).Scan(&id, &region); err != nil {
		t.Fatal(err)
	}
	return id, region
}

// A unit's problem goes to its linked cadre, with the one-day sign-for limit; a unit without
// one waits in its region's triage queue.
func TestSubmitRoutesToTheLinkedCadreOrToTriage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, now := demoStore(t)
	e001, r1 := unitID(t, s, "E001")
	got, err := s.Submit(ctx, store.SubmitParams{RegionID: r1, UnitID: &e001, Description: "厂区变压器容量不足，需要增容", Route: true,
		Attachments: []store.Attachment{{Kind: "photo", FileID: "F1", UniqueID: "U1"}, {Kind: "document", FileID: "F2", Name: "申请.pdf", MimeType: "application/pdf"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.StatusAssigned || got.Assignee != "李春梅" || got.SignDueAt == nil || !got.SignDueAt.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("routed %+v (assignee %q)", got.Case, got.Assignee)
	}
	evs, _ := s.Events(ctx, got.ID)
	if len(evs) != 2 || evs[1].Kind != store.EventAssigned {
		t.Fatalf("events %+v", evs)
	}
	var files int
	s.Pool().QueryRow(ctx, "SELECT count(*) FROM case_attachments WHERE case_id = $1", got.ID).Scan(&files)
	if files != 2 {
		t.Fatalf("%d attachments", files)
	}

	e002, r2 := unitID(t, s, "E002")
	if _, err := s.Pool().Exec(ctx, "DELETE FROM links WHERE unit_id = $1", e002); err != nil {
		t.Fatal(err)
	}
	got, err = s.Submit(ctx, store.SubmitParams{RegionID: r2, UnitID: &e002, Description: "招工难，缺少熟练焊工", Route: true})
	if err != nil || got.Status != store.StatusSubmitted || got.Assignee != "" || got.AssigneeID != nil {
		t.Fatalf("no linked cadre: %+v %v", got, err)
	}
}

// A confirm delivered twice (the process died between the commit and the reply) makes one
// case: the second Submit returns the first case.
func TestSubmitIsIdempotentBySource(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	e001, r1 := unitID(t, s, "E001")
	p := store.SubmitParams{RegionID: r1, UnitID: &e001, Description: "道路积水严重", Route: true, SourceKey: "tg:1:4242",
		Notify: &store.Notification{ChatID: 9, MessageID: "case_received"}}
	first, err := s.Submit(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Submit(ctx, p)
	if err != nil || !again.Again || again.TicketNo != first.TicketNo || again.Assignee != first.Assignee {
		t.Fatalf("second submit: %+v %v", again, err)
	}
	var cases, jobs int
	s.Pool().QueryRow(ctx, "SELECT count(*) FROM cases").Scan(&cases)
	s.Pool().QueryRow(ctx, "SELECT count(*) FROM river_job WHERE args->>'msg' = 'case_received'").Scan(&jobs)
	if cases != 1 || jobs != 1 {
		t.Fatalf("%d cases, %d receipts; want one of each", cases, jobs)
	}
}

// Copies of one confirm filed at the same moment (delivered twice, to two replicas) make one
// case: each copy gets that case, and the notices and receipts go out once.
func TestCopiesOfAConfirmFiledAtOnceMakeOneCase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	e001, r1 := unitID(t, s, "E001")
	p := store.SubmitParams{RegionID: r1, UnitID: &e001, Description: "厂区门前道路积水", Route: true, SourceKey: "tg:1:5151",
		Notify: &store.Notification{ChatID: 9, MessageID: "case_received"}}
	const copies = 8
	got := make([]store.Submitted, copies)
	errs := make([]error, copies)
	var wg sync.WaitGroup
	for i := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = s.Submit(ctx, p)
		}()
	}
	wg.Wait()
	firsts := 0
	for i := range copies {
		if errs[i] != nil {
			t.Fatalf("copy %d: %v", i, errs[i])
		}
		if got[i].TicketNo != got[0].TicketNo || got[i].Assignee == "" || got[i].Assignee != got[0].Assignee {
			t.Fatalf("copy %d = %s (assignee %q), copy 0 = %s (assignee %q); want the one case, routed", i,
				got[i].TicketNo, got[i].Assignee, got[0].TicketNo, got[0].Assignee)
		}
		if !got[i].Again {
			firsts++
		}
	}
	if firsts != 1 {
		t.Fatalf("%d copies filed the case; want one, the others answered with it", firsts)
	}
	var cases, receipts, assigned int
	s.Pool().QueryRow(ctx, "SELECT count(*) FROM cases").Scan(&cases)
	s.Pool().QueryRow(ctx, "SELECT count(*) FROM river_job WHERE args->>'msg' = 'case_received'").Scan(&receipts)
	s.Pool().QueryRow(ctx, "SELECT count(*) FROM case_events WHERE kind = 'assigned'").Scan(&assigned)
	if cases != 1 || receipts != 1 || assigned != 1 {
		t.Fatalf("%d cases, %d receipts, %d assignments; want one of each", cases, receipts, assigned)
	}
}

func TestCategoriesPerUnitKind(t *testing.T) {
	t.Parallel()
	s, _ := demoStore(t)
	ent, err := s.Categories(context.Background(), store.UnitEnterprise)
	vil, err2 := s.Categories(context.Background(), store.UnitVillage)
	if err != nil || err2 != nil || len(ent) != 11 || len(vil) != 8 || ent[1].NameZH != "融资" || *ent[1].WorkingGroup != "finance" {
		t.Fatalf("%d enterprise, %d village categories: %+v", len(ent), len(vil), ent)
	}
}
