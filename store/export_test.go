package store

// The queries whose plans the tests check, as the store runs them.
const (
	RecordRefusalSQL = recordRefusalSQL
	TimelineSQL      = timelineSQL
	RefusalsSQL      = refusalsSQL
)
