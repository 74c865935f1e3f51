package store_test

import (
	"context"
	"testing"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// BenchmarkSubmit measures filing one case: the ticket number, the case, its event and its
// notification job, in one transaction. With -cpu to vary the parallelism it also shows the
// cost of the per-day counter row that serialises concurrent creators.
func BenchmarkSubmit(b *testing.B) {
	s := storetest.NewStore(b, store.Options{})
	region, err := s.PutRegion(context.Background(), store.Region{Code: "bench", Name: "基准县", Level: store.LevelCounty})
	if err != nil {
		b.Fatal(err)
	}
	n := &store.Notification{ChatID: 1, Lang: "zh-CN", MessageID: "case_received"}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Submit(context.Background(), store.SubmitParams{RegionID: region.ID,
				Description: "企业用电线路需要增容改造", Notify: n}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
