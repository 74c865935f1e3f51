// Package store owns everything in bangban that must last: the Postgres schema and its
// migrations, the domain types (regions, units, people, cases and their events), the case
// lifecycle as transactions, ticket numbers, and the durable jobs (notifications, the
// refresh of a person's command menu when their roles change, the archiving of a file
// attached to a case) that a change causes, enqueued in the same transaction as the change.
// Where the city keeps a case's files is recorded here; the files themselves are kept by the
// files package.
//
// The store never imports the bot or the dialogs: they call it, and it answers with domain
// types or with the sentinel errors in errors.go, which the callers turn into messages.
package store
