package vk

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/supportbot/supportbot/bot"
)

// maxCallbackBody bounds a Callback API request body.
const maxCallbackBody = 4 << 20

// CallbackHandler serves the Callback API (VK POSTs one JSON event per
// request). VK counts any answer other than "ok" as a failure and sends the
// event again, so:
//   - type "confirmation" for this community is answered with confirmation
//     (VK_CONFIRMATION) as text/plain; for another community, 403;
//   - any other request must carry secret (VK_CALLBACK_SECRET), compared in
//     constant time, or it is answered 401 and nothing is handled (an empty
//     secret refuses everything);
//   - a message event is converted and handed to h; only when Handle
//     returned nil is "ok" answered, and a Handle error is answered 500 so VK
//     delivers the event again;
//   - a body that is not JSON is answered 400: it did not come from VK and
//     no secret could be checked;
//   - an event with the right secret that cannot be converted is logged and
//     answered "ok", since VK would only send the same bytes again; events
//     the bot does not use (other types, the bot's own message_reply) are
//     answered "ok" too.
func (v *VK) CallbackHandler(secret, confirmation string, h bot.Handler) http.Handler {
	if secret == "" {
		v.log.Error("vk: VK_CALLBACK_SECRET is empty: every Callback API request will be refused")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read request", http.StatusBadRequest)
			return
		}
		var u update
		if err := json.Unmarshal(body, &u); err != nil || u.Type == "" {
			v.log.Warn("vk callback: request is not a VK event", "remote", r.RemoteAddr)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		secretOK := secret != "" && subtle.ConstantTimeCompare([]byte(u.Secret), []byte(secret)) == 1

		if u.Type == "confirmation" {
			if u.GroupID != v.groupID {
				v.log.Warn("vk callback: confirmation for another community refused", "group_id", u.GroupID, "want", v.groupID)
				http.Error(w, "wrong community", http.StatusForbidden)
				return
			}
			if u.Secret != "" && !secretOK {
				v.log.Warn("vk callback: confirmation with a wrong secret refused", "remote", r.RemoteAddr)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, confirmation)
			return
		}
		if !secretOK {
			v.log.Warn("vk callback: wrong secret; request refused", "type", u.Type, "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}

		m, ok, err := v.convertFor(u)
		if err != nil {
			v.log.Error("vk callback: unreadable event skipped", "type", u.Type, "event_id", u.EventID, "err", err)
		}
		if ok {
			msgs := []bot.Message{m}
			v.fillNames(r.Context(), msgs)
			if err := safeHandle(r.Context(), h, msgs[0]); err != nil {
				v.log.Warn("vk callback: event not stored; VK will send it again", "event_id", m.EventID, "err", err)
				http.Error(w, "not stored", http.StatusInternalServerError)
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok")
	})
}
