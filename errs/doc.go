// Package errs registers the errors a transaction can be rejected with. Each
// error has a codespace (the module that owns it) and a number that is never
// reused, so clients can match on (codespace, code) while the log, built with
// Wrapf, tells a user in words what was wrong and what to do about it.
package errs
