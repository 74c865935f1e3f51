package store

import "errors"

// Every sentinel error of the store is here. Callers map them to messages with errors.Is (the
// dialogs in conversations/ keep one table per audience); anything else is unexpected, logged
// with its cause, and answered with "try again".

// Expected refusals. Callers map them to localized messages; anything else is unexpected,
// logged with its cause, and answered with "try again".
var (
	// ErrNotFound: no such record, or one the actor may not know exists.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the actor's roles or region do not allow the action.
	ErrForbidden = errors.New("forbidden")
	// ErrIllegalTransition: the case's status does not allow the action (an old button, a
	// second press, a closed case).
	ErrIllegalTransition = errors.New("illegal transition")
	// ErrTooLate: the action's window has passed (a hand-back after two days, an extension
	// asked for after the limit lapsed).
	ErrTooLate = errors.New("too late")
	// ErrInvalid: the input breaks a rule of the domain (an empty description, a bad code).
	ErrInvalid = errors.New("invalid input")
	// ErrChanged: the case changed after the actor looked at it and decided (someone else
	// acted first); nothing was done.
	ErrChanged = errors.New("changed since seen")
)

// Why an invite could not be used or made; each has its own message for the person who tried.
var (
	ErrInviteUnknown  = errors.New("invite unknown")
	ErrInviteUsed     = errors.New("invite used up")
	ErrInviteExpired  = errors.New("invite expired")
	ErrInviteRevoked  = errors.New("invite revoked")
	ErrAccountInUse   = errors.New("telegram account bound to another person")
	ErrPersonIsBound  = errors.New("person bound to another telegram account")
	ErrRoleNotHeld    = errors.New("person does not hold the role")
	ErrRoleNeedsScope = errors.New("role needs a unit or a person")
)

// ErrImportProblems is returned, with the problems, when a file has any: nothing is written.
var ErrImportProblems = errors.New("the files have problems")
