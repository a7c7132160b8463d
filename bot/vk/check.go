package vk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/SevereCloud/vksdk/v2/api"
)

// minEventAPI is the first Long Poll API version whose events carry
// event_id, which the inbox deduplicates on.
const minEventAPI = "5.103"

// longPollEvents are the Long Poll event types the bot needs.
var longPollEvents = []string{"message_new", "message_event", "message_reply"}

// Check verifies the settings against VK before the channel starts and
// says in one sentence what is wrong: a token VK refuses, a token of another
// community, a banned community, a token without the messages permission,
// community messages turned off, and (for long polling, callback false) the
// Bots Long Poll API turned off, an event type it needs not ticked, or an
// API version without event_id. A network failure, HTTP 5xx or VK error 6 or
// 10 comes back as a *bot.RetryError so the caller can retry.
//
// The token permissions and community settings need the token's manage
// permission; when VK refuses to show them, those two checks are skipped
// (with the Callback API, manage is not required).
func (v *VK) Check(ctx context.Context, callback bool) error {
	if err := v.checkGroup(ctx); err != nil {
		return err
	}
	if err := v.checkPermissions(ctx, callback); err != nil {
		return err
	}
	if err := v.checkMessages(ctx); err != nil {
		return err
	}
	if callback {
		return nil
	}
	return v.checkLongPoll(ctx)
}

// tokenError words a permanent API error during Check.
func (v *VK) tokenError(err error) error {
	if isRetry(err) || errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, api.ErrAuth) || errors.Is(err, api.ErrGroupAuth) {
		return fmt.Errorf("vk: VK refused VK_TOKEN (%w); create a new community access token with the messages and manage permissions in the community's Manage → API usage", err)
	}
	return fmt.Errorf("vk: checking VK_TOKEN and VK_GROUP_ID %d failed: %w", v.groupID, err)
}

func (v *VK) checkGroup(ctx context.Context) error {
	// Without group_id, groups.getById answers with the token's own
	// community, which shows a token of another community.
	var raw json.RawMessage
	if err := v.call(ctx, "groups.getById", api.Params{}, &raw); err != nil {
		if !errors.Is(err, api.ErrParam) {
			return v.tokenError(err)
		}
		// Some API servers and proxies insist on the id. Asking for our
		// own community cannot tell whose token it is, but it still shows
		// the community exists and is not banned; a user token is caught
		// by the long-poll settings check or the first send.
		raw = nil
		if err2 := v.call(ctx, "groups.getById", api.Params{"group_id": v.groupID}, &raw); err2 != nil {
			return fmt.Errorf("vk: VK_TOKEN is not a community access token (%w); create one in the community's Manage → API usage", err)
		}
	}
	type group struct {
		ID          int64  `json:"id"`
		Name        string `json:"name"`
		Deactivated string `json:"deactivated"`
	}
	var groups []group
	if err := json.Unmarshal(raw, &groups); err != nil {
		// API 5.194 and later wrap the list.
		var wrapped struct {
			Groups []group `json:"groups"`
		}
		if err := json.Unmarshal(raw, &wrapped); err != nil {
			return fmt.Errorf("vk groups.getById: cannot read the answer: %w", err)
		}
		groups = wrapped.Groups
	}
	if len(groups) == 0 {
		return fmt.Errorf("vk: VK_TOKEN is not a community access token (groups.getById names no community); create one in community %d's Manage → API usage", v.groupID)
	}
	g := groups[0]
	if g.ID != v.groupID {
		return fmt.Errorf("vk: VK_TOKEN belongs to community %d (%s), not to VK_GROUP_ID %d", g.ID, g.Name, v.groupID)
	}
	if g.Deactivated != "" {
		return fmt.Errorf("vk: community VK_GROUP_ID %d is %s on VK and cannot receive messages", v.groupID, g.Deactivated)
	}
	return nil
}

func (v *VK) checkPermissions(ctx context.Context, callback bool) error {
	var perms struct {
		Mask        int64 `json:"mask"`
		Permissions []struct {
			Name string `json:"name"`
		} `json:"permissions"`
	}
	if err := v.call(ctx, "groups.getTokenPermissions", api.Params{}, &perms); err != nil {
		if isRetry(err) || errors.Is(err, context.Canceled) {
			return err
		}
		v.log.Debug("vk: token permissions not checked", "err", err)
		return nil
	}
	has := map[string]bool{}
	for _, p := range perms.Permissions {
		has[p.Name] = true
	}
	const maskMessages, maskManage = 1 << 12, 1 << 18
	if len(perms.Permissions) == 0 {
		has["messages"] = perms.Mask&maskMessages != 0
		has["manage"] = perms.Mask&maskManage != 0
	}
	var missing []string
	if !has["messages"] {
		missing = append(missing, "messages")
	}
	if !callback && !has["manage"] {
		missing = append(missing, "manage (needed for the Bots Long Poll API)")
	}
	if len(missing) > 0 {
		noun, it := "permission", "it"
		if len(missing) > 1 {
			noun, it = "permissions", "them"
		}
		return fmt.Errorf("vk: VK_TOKEN lacks the %s %s; create a new community access token that has %s in community %d's Manage → API usage", strings.Join(missing, " and "), noun, it, v.groupID)
	}
	return nil
}

func (v *VK) checkMessages(ctx context.Context) error {
	var settings map[string]json.RawMessage
	if err := v.call(ctx, "groups.getSettings", api.Params{"group_id": v.groupID}, &settings); err != nil {
		if isRetry(err) || errors.Is(err, context.Canceled) {
			return err
		}
		v.log.Debug("vk: community settings not checked", "err", err)
		return nil
	}
	raw, ok := settings["messages"]
	if !ok {
		return nil
	}
	var on flexBool
	if err := json.Unmarshal(raw, &on); err == nil && !bool(on) {
		return fmt.Errorf("vk: community messages are turned off in community VK_GROUP_ID %d; turn them on in Manage → Messages", v.groupID)
	}
	return nil
}

func (v *VK) checkLongPoll(ctx context.Context) error {
	var s struct {
		IsEnabled  flexBool            `json:"is_enabled"`
		APIVersion string              `json:"api_version"`
		Events     map[string]flexBool `json:"events"`
	}
	if err := v.call(ctx, "groups.getLongPollSettings", api.Params{"group_id": v.groupID}, &s); err != nil {
		if isRetry(err) || errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("vk: cannot read the Bots Long Poll settings of community VK_GROUP_ID %d with VK_TOKEN (%w); give the token the manage permission, or set VK_CALLBACK_SECRET and VK_CONFIRMATION to use the Callback API", v.groupID, err)
	}
	where := fmt.Sprintf("community VK_GROUP_ID %d's Manage → API usage → Long Poll API", v.groupID)
	if !s.IsEnabled {
		return fmt.Errorf("vk: the Bots Long Poll API is off; turn it on in %s (or set VK_CALLBACK_SECRET and VK_CONFIRMATION to use the Callback API)", where)
	}
	var missing []string
	for _, e := range longPollEvents {
		if !s.Events[e] {
			missing = append(missing, e)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("vk: the Bots Long Poll API does not send %s; tick them in %s → Event types", strings.Join(missing, ", "), where)
	}
	if s.APIVersion != "" && versionLess(s.APIVersion, minEventAPI) {
		return fmt.Errorf("vk: the Bots Long Poll API uses API version %s, whose events have no event_id; choose %s or later in %s", s.APIVersion, apiVersion, where)
	}
	return nil
}

// versionLess compares "5.103"-style versions.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// CheckConfirmation compares confirmation (VK_CONFIRMATION) with the string
// VK expects for the community's Callback API server
// (groups.getCallbackConfirmationCode), so a typo is reported at start
// rather than as a failed confirmation in VK's settings page. It needs the
// token's manage permission; when VK refuses, the check is skipped. Temporary
// failures come back as a *bot.RetryError.
func (v *VK) CheckConfirmation(ctx context.Context, confirmation string) error {
	var resp struct {
		Code string `json:"code"`
	}
	if err := v.call(ctx, "groups.getCallbackConfirmationCode", api.Params{"group_id": v.groupID}, &resp); err != nil {
		if isRetry(err) || errors.Is(err, context.Canceled) {
			return err
		}
		v.log.Debug("vk: callback confirmation string not checked", "err", err)
		return nil
	}
	if resp.Code != "" && resp.Code != confirmation {
		return fmt.Errorf("vk: VK_CONFIRMATION is %q but VK expects %q from community VK_GROUP_ID %d's Callback API server", confirmation, resp.Code, v.groupID)
	}
	return nil
}
