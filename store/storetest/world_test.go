package storetest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// The factories build what they say: a case reaches each status through the store's verbs,
// and a county comes with its office and a member who holds that office's role.
func TestTheFactoriesBuildWhatTheySay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	s := storetest.NewStore(t, store.Options{Now: func() time.Time { return now }})
	if _, probs, err := s.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("demo: %v %+v", err, probs)
	}
	unit, region := storetest.UnitID(t, s, "E001")
	cast := storetest.Cast{UnitID: unit, RegionID: region, Office: storetest.PersonID(t, s, "P017"), Handler: storetest.PersonID(t, s, "P001"),
		Reporter: storetest.AddReporter(t, s, unit, "王厂长", 880001, true)}
	for _, status := range []store.Status{store.StatusSubmitted, store.StatusAssigned, store.StatusInProgress, store.StatusResolved,
		store.StatusClosed, store.StatusRejected, store.StatusMerged} {
		t.Run(string(status), func(t *testing.T) {
			no := storetest.CaseIn(t, s, cast, status)
			c, err := s.CaseByTicket(ctx, no)
			if err != nil || c.Status != status {
				t.Fatalf("%s is %s (%v), want %s", no, c.Status, err, status)
			}
			if status == store.StatusClosed && (c.Satisfaction == nil || *c.Satisfaction != store.Satisfied) {
				t.Errorf("closed without the reporter's rating: %+v", c)
			}
			if status == store.StatusMerged && c.MergedIntoID == nil {
				t.Errorf("merged into nothing: %+v", c)
			}
		})
	}

	county := storetest.AddCounty(t, s, "XX", "邻县", storetest.Person{Name: "邻县干部", ChatID: 99})
	var office, member int64
	var parent string
	if err := s.Pool().QueryRow(ctx, `SELECT o.region_id, r.person_id, p.code FROM offices o
		JOIN person_roles r ON r.office_id = o.id AND r.role = 'office'
		JOIN regions g ON g.id = o.region_id JOIN regions p ON p.id = g.parent_id
		WHERE o.id = $1`, county.OfficeID).Scan(&office, &member, &parent); err != nil {
		t.Fatal(err)
	}
	if office != county.RegionID || member != county.MemberID || parent != "HQ" {
		t.Errorf("county %+v: office of region %d, member %d, under %s", county, office, member, parent)
	}
}
