// Package handlers is the conversation logic: it stores every incoming event
// in the inbox, decides what to do with it (answer from the FAQ, ask "did you
// mean", hand off to a person, relay to or from an operator), writes replies
// to the outbox in the same transaction, and delivers them through the
// platform channels with retries. It knows no platform SDK.
package handlers
