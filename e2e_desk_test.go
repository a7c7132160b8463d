package main

// End-to-end tests of the handoff to people: the operators' desk (a
// Telegram forum supergroup, one topic per handed-off conversation) and VK
// admins taking over in VK's own screen. Operators and customers act only
// through the fakes' wire formats; the database is read only to know when
// the bot has finished with an event (so that "the bot said nothing" is
// checked after the fact, not after a sleep).

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supportbot/supportbot/faq"
)

// The operators' group and the people in it.
const (
	deskChat   int64 = -1001987654321
	deskChatID       = "-1001987654321"
	// otherForum is another forum group the bot is in (a message there must
	// never act on a conversation).
	otherForum int64 = -1002000000001
)

var (
	opOlga   = tgCustomer{ID: 501001, FirstName: "Ольга", LastName: "Смирнова", Username: "olga_listok"}
	opPavel  = tgCustomer{ID: 501002, FirstName: "Павел", LastName: "Орлов", Username: "pavel_listok"}
	stranger = tgCustomer{ID: 501099, FirstName: "Гость", LastName: "Чата", Username: "guest_in_desk"}
)

// goodForum is a desk set up as README says: a supergroup with Topics on,
// the bot an administrator allowed to manage topics.
func goodForum() tgForum {
	return tgForum{ChatID: deskChat, Type: "supergroup", IsForum: true, BotStatus: "administrator", CanManageTopics: true}
}

// deskRig is the bot with a desk, Telegram and optionally VK.
type deskRig struct {
	t  *testing.T
	tg *tgFake
	vk *vkFake
	b  *botProc
	db *sql.DB
}

// startDesk starts the bot with Telegram, the desk (operators Olga and
// Pavel) and, when withVK, VK by long poll; env adds settings.
func startDesk(t *testing.T, withVK bool, env map[string]string) *deskRig {
	t.Helper()
	r := &deskRig{t: t, tg: newTGFake(t)}
	r.tg.setForum(goodForum())
	all := map[string]string{
		"TELEGRAM_TOKEN": tgToken, "TELEGRAM_API_URL": r.tg.URL(),
		"SUPPORTBOT_OPERATOR_CHAT": deskChatID,
		"SUPPORTBOT_OPERATORS":     fmt.Sprintf("%d, %d", opOlga.ID, opPavel.ID),
	}
	if withVK {
		r.vk = newVKFake(t)
		all["VK_TOKEN"], all["VK_GROUP_ID"], all["VK_API_URL"] = vkToken, strconv.Itoa(vkGroupID), r.vk.URL()
	}
	for k, v := range env {
		all[k] = v
	}
	r.b = newBot(t, all)
	r.b.start()
	r.b.waitReady()
	if withVK {
		r.vk.waitPolling()
	}
	r.db = openDBReadOnly(t, r.b.DB)
	return r
}

// handoffTG has Telegram customer c ask for a person and returns the topic
// opened for them (the n-th topic of the desk) and its card.
func (r *deskRig) handoffTG(c tgCustomer, n int) (tgTopic, tgSent) {
	r.t.Helper()
	chat := strconv.FormatInt(c.ID, 10)
	before := len(r.tg.sentTo(chat))
	r.tg.push(tgText(r.t, c, "позовите оператора"))
	r.tg.waitSent(chat, before+1)
	topic := r.tg.waitTopics(n)[n-1]
	return topic, r.card(topic)
}

// card waits for the first post in topic and returns it.
func (r *deskRig) card(topic tgTopic) tgSent {
	r.t.Helper()
	var posts []tgSent
	if !eventually(e2eDeadline, func() bool { posts = r.tg.topicPosts(deskChatID, topic.ThreadID); return len(posts) > 0 }) {
		r.t.Fatalf("nothing was posted in topic %d %q\n400s: %v", topic.ThreadID, topic.Name, r.tg.errors400())
	}
	return posts[0]
}

// say is operator u writing text in topic.
func (r *deskRig) say(u tgCustomer, topic tgTopic, text string) int64 {
	return r.tg.push(tgTopicText(r.t, deskChat, topic.ThreadID, u, text))[0]
}

// processed waits until the bot has finished with the event (stored and
// processed, or set aside), so that what it would have sent is in the
// outbox.
func (r *deskRig) processed(platform, eventID string) {
	r.t.Helper()
	var done bool
	ok := eventually(e2eDeadline, func() bool {
		err := r.db.QueryRow(`SELECT processed_at IS NOT NULL OR error <> '' FROM inbox WHERE platform = ? AND event_id = ?`,
			platform, eventID).Scan(&done)
		return err == nil && done
	})
	if !ok {
		r.t.Fatalf("the bot did not process %s event %s within %s", platform, eventID, e2eDeadline)
	}
}

// outboxTo counts the replies the bot ever queued for chat on platform.
func (r *deskRig) outboxTo(platform, chat string) int {
	r.t.Helper()
	var n int
	if err := r.db.QueryRow(`SELECT count(*) FROM outbox WHERE platform = ? AND chat_id = ?`, platform, chat).Scan(&n); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// button returns the callback_data of the button labelled label under s.
func button(t *testing.T, s tgSent, label string) string {
	t.Helper()
	var labels []string
	if s.Markup != nil {
		for _, row := range s.Markup.InlineKeyboard {
			for _, b := range row {
				if b.Text == label {
					return b.CallbackData
				}
				labels = append(labels, b.Text)
			}
		}
	}
	t.Fatalf("no button %q under %q (buttons: %q)", label, s.Plain, labels)
	return ""
}

// containsText reports whether a contains b, ignoring differences in
// whitespace.
func containsText(a, b string) bool {
	return strings.Contains(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// handoffNotice is what the customer is told when handed off at place pos.
func handoffNotice(t *testing.T, pos int) string {
	f, _ := loadE2EFAQ(t)
	return faq.Fill(f.TextsFor("ru").Handoff, map[string]string{"position": strconv.Itoa(pos)})
}

// queryIDOf is the callback_query id tgTopicPress gives u's press in
// update id.
func queryIDOf(u tgCustomer, id int64) string { return fmt.Sprintf("%d%06d", u.ID, id%1000000) }

// 1. A Telegram customer asks for a person: they are told their place in
// the queue; a topic named with the platform and the customer's name is
// opened in the desk, its first post a card with the transcript and the
// take and close buttons. A second customer is second in the queue and
// gets a topic of their own.
func TestE2EDeskTelegramHandoff(t *testing.T) {
	t.Parallel()
	r := startDesk(t, false, nil)
	alice := customer(21001)
	topic, card := r.handoffTG(alice, 1)

	if got := r.tg.sentTo("21001"); !containsText(got[0].Plain, handoffNotice(t, 1)) {
		t.Errorf("the customer is told %q, want the handoff notice with place 1 (%q)", got[0].Plain, handoffNotice(t, 1))
	}
	if c := r.tg.callsTo("createForumTopic"); len(c) == 0 || c[0].Params["chat_id"] != deskChatID {
		t.Errorf("createForumTopic calls %v, want one in the desk %s", c, deskChatID)
	}
	for _, want := range []string{"#", "Telegram", "Ирина К."} {
		if !strings.Contains(topic.Name, want) {
			t.Errorf("topic name %q does not contain %q", topic.Name, want)
		}
	}
	if card.Method != "sendMessage" || card.ChatID != deskChatID || card.ThreadID != topic.ThreadID {
		t.Errorf("the card went by %s to chat %s thread %d, want a message in topic %d of %s", card.Method, card.ChatID, card.ThreadID, topic.ThreadID, deskChatID)
	}
	for _, want := range []string{"Telegram", alice.FirstName + " " + alice.LastName, "https://t.me/" + alice.Username, "позовите оператора"} {
		if !strings.Contains(card.Plain, want) {
			t.Errorf("the card does not show %q:\n%s", want, card.Plain)
		}
	}
	take, closeData := button(t, card, "Взять"), button(t, card, "Закрыть")
	if take == "" || closeData == "" || take == closeData {
		t.Errorf("card buttons take %q close %q", take, closeData)
	}

	bob := customer(21002)
	topic2, card2 := r.handoffTG(bob, 2)
	if got := r.tg.sentTo("21002"); !containsText(got[0].Plain, handoffNotice(t, 2)) {
		t.Errorf("the second customer is told %q, want place 2 (%q)", got[0].Plain, handoffNotice(t, 2))
	}
	if topic2.ThreadID == topic.ThreadID {
		t.Errorf("both customers got topic %d", topic.ThreadID)
	}
	if !strings.Contains(card2.Plain, bob.FirstName+" "+bob.LastName) {
		t.Errorf("the second card does not name the second customer:\n%s", card2.Plain)
	}

	// A photo the waiting customer sends is copied into their topic.
	r.tg.push(func(id int64) []byte {
		return fixture(t, "tg_photo", map[string]any{"UpdateID": id, "MessageID": 9, "Date": time.Now().Unix(), "Customer": alice,
			"FileID": "receipt", "Caption": "вот чек об оплате"})
	})
	photo := r.tg.waitTopicPost(deskChatID, topic.ThreadID, "вот чек об оплате")
	if photo.Method != "sendPhoto" || photo.Media != "AgACAgIAAxkBAAE-large-receipt" {
		t.Errorf("the customer's photo reached the topic by %s with %q, want sendPhoto with the largest size's file_id", photo.Method, photo.Media)
	}

	// /queue in the group's General topic lists both, in order.
	r.tg.push(tgTopicText(t, deskChat, 0, opPavel, "/queue"))
	queue := r.tg.waitTopicPost(deskChatID, 0, "#2")
	if i, j := strings.Index(queue.Plain, "#1"), strings.Index(queue.Plain, "#2"); i < 0 || j < i {
		t.Errorf("/queue in the General topic says %q, want #1 then #2", queue.Plain)
	}
	checkNo400(t, r.tg)
}

// 2. A VK customer asks for a person: a topic in the same desk. An
// operator's message in the topic reaches the VK customer by messages.send
// (with a random_id), as the brand (not signed with the operator's name);
// the customer's next VK message appears in the topic.
func TestE2EDeskVKRelay(t *testing.T) {
	t.Parallel()
	r := startDesk(t, true, nil)
	const peer = 31001
	r.vk.push("message_new", vkText(t, peer, 1, "позовите оператора", "", ""))
	got := r.vk.waitSent(peer, 1)
	if !containsText(got[0].Message, handoffNotice(t, 1)) {
		t.Errorf("the VK customer is told %q, want the handoff notice with place 1", got[0].Message)
	}
	topic := r.tg.waitTopics(1)[0]
	for _, want := range []string{"VK", "Ирина К."} {
		if !strings.Contains(topic.Name, want) {
			t.Errorf("topic name %q does not contain %q", topic.Name, want)
		}
	}
	card := r.card(topic)
	for _, want := range []string{"VK", "vk.com/id31001", "позовите оператора"} {
		if !strings.Contains(card.Plain, want) {
			t.Errorf("the card does not show %q:\n%s", want, card.Plain)
		}
	}

	reply := "Добрый день! Заказ №1234 уже у курьера, привезём завтра до 18:00."
	r.say(opOlga, topic, reply)
	got = r.vk.waitSent(peer, 2)
	if got[1].Message != reply {
		t.Errorf("the VK customer got %q, want exactly the operator's words %q", got[1].Message, reply)
	}
	if got[1].RandomID == 0 {
		t.Error("the operator's message went without a random_id")
	}
	if strings.Contains(got[1].Message, opOlga.FirstName) {
		t.Errorf("the operator's name reached the customer: %q", got[1].Message)
	}
	r.tg.waitTopicPost(deskChatID, topic.ThreadID, "Разговор ведёт "+opOlga.FirstName)

	r.vk.push("message_new", vkText(t, peer, 3, "Спасибо! А можно привезти после 19:00?", "", ""))
	post := r.tg.waitTopicPost(deskChatID, topic.ThreadID, "можно привезти после 19:00")
	if post.ThreadID != topic.ThreadID {
		t.Errorf("the customer's message went to thread %d, want %d", post.ThreadID, topic.ThreadID)
	}
	if n := len(r.vk.sentTo(peer)); n != 2 {
		t.Errorf("the VK customer got %d messages, want 2 (the bot does not answer while an operator has the conversation)", n)
	}

	// The customer closed their messages: VK refuses with 901, and the
	// operator is told in the topic.
	r.vk.block(peer)
	r.say(opOlga, topic, "Уточните, пожалуйста, адрес доставки.")
	r.tg.waitTopicPost(deskChatID, topic.ThreadID, "не дошло")
	checkNo400(t, r.tg)
	checkVKRefusals(t, r.vk, 901)
}

// 3. Two operators press "take" at once: exactly one owns the
// conversation, the other is told who; both presses are acknowledged; the
// customer is told once that an operator joined.
func TestE2EDeskTakeRace(t *testing.T) {
	t.Parallel()
	f, _ := loadE2EFAQ(t)
	r := startDesk(t, false, nil)
	c := customer(22001)
	topic, card := r.handoffTG(c, 1)
	take := button(t, card, "Взять")
	ids := r.tg.push(tgTopicPress(t, card, opOlga, take), tgTopicPress(t, card, opPavel, take))
	want := map[string]bool{queryIDOf(opOlga, ids[0]): true, queryIDOf(opPavel, ids[1]): true}
	if !eventually(e2eDeadline, func() bool {
		n := 0
		for _, call := range r.tg.callsTo("answerCallbackQuery") {
			if want[call.Params["callback_query_id"]] && call.Status == 200 {
				n++
			}
		}
		return n == 2
	}) {
		t.Fatalf("answerCallbackQuery calls %v, want both presses %v acknowledged", r.tg.callsTo("answerCallbackQuery"), want)
	}
	var won, lost []string
	if !eventually(e2eDeadline, func() bool {
		won, lost = nil, nil
		for _, p := range r.tg.topicPosts(deskChatID, topic.ThreadID)[1:] {
			switch {
			case strings.HasPrefix(p.Plain, "Разговор ведёт "):
				won = append(won, p.Plain)
			case strings.HasPrefix(p.Plain, "Разговор уже ведёт "):
				lost = append(lost, p.Plain)
			}
		}
		return len(won)+len(lost) >= 2
	}) {
		t.Fatalf("the topic says %q after two presses", plains(r.tg.topicPosts(deskChatID, topic.ThreadID)))
	}
	if len(won) != 1 || len(lost) != 1 {
		t.Fatalf("after two presses the topic says won %q, lost %q; want exactly one of each", won, lost)
	}
	owner := strings.TrimSuffix(strings.TrimPrefix(won[0], "Разговор ведёт "), ".")
	if owner != opOlga.FirstName+" "+opOlga.LastName && owner != opPavel.FirstName+" "+opPavel.LastName {
		t.Errorf("the owner is %q, want one of the operators", owner)
	}
	if !strings.Contains(lost[0], owner) {
		t.Errorf("the second operator is told %q, want the owner's name %q", lost[0], owner)
	}
	got := r.tg.waitSent("22001", 2)
	taken := f.TextsFor("ru").OperatorTaken
	n := 0
	for _, s := range got {
		if sameText(s.Plain, taken) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the customer was told %d times that an operator joined (%q), want once", n, plains(got))
	}
	checkNo400(t, r.tg)
}

// 4. /close in the topic: the customer gets the closing message and the
// 1–5 rating keyboard, the topic is closed; the customer's rating is shown
// in the topic and their next question is answered by the bot again.
func TestE2EDeskClose(t *testing.T) {
	t.Parallel()
	f, _ := loadE2EFAQ(t)
	texts := f.TextsFor("ru")
	r := startDesk(t, false, nil)
	c := customer(23001)
	topic, _ := r.handoffTG(c, 1)

	r.say(opOlga, topic, "/close@"+tgUsername)
	got := r.tg.waitSent("23001", 3)
	if !sameText(got[1].Plain, texts.Closed) {
		t.Errorf("after /close the customer sees %q, want %q", got[1].Plain, texts.Closed)
	}
	rate := got[2]
	if !sameText(rate.Plain, texts.RatePrompt) {
		t.Errorf("after /close the customer sees %q, want the rating request %q", rate.Plain, texts.RatePrompt)
	}
	var labels []string
	if rate.Markup != nil {
		for _, row := range rate.Markup.InlineKeyboard {
			for _, b := range row {
				labels = append(labels, b.Text)
			}
		}
	}
	if strings.Join(labels, ",") != "1,2,3,4,5" {
		t.Errorf("rating keyboard %q, want 1 to 5", labels)
	}
	if !eventually(e2eDeadline, func() bool {
		for _, call := range r.tg.callsTo("closeForumTopic") {
			if call.Params["chat_id"] == deskChatID && call.Params["message_thread_id"] == strconv.Itoa(topic.ThreadID) && call.Status == 200 {
				return true
			}
		}
		return false
	}) {
		t.Errorf("closeForumTopic was not called for topic %d: %v", topic.ThreadID, r.tg.callsTo("closeForumTopic"))
	}
	r.tg.waitTopicPost(deskChatID, topic.ThreadID, "закрыто")
	// An operator who writes in the closed topic is told so; nothing
	// reaches the customer.
	late := r.say(opPavel, topic, "Ещё что-нибудь подсказать?")
	r.tg.waitTopicPost(deskChatID, topic.ThreadID, "клиенту ничего не отправлено")
	r.processed("telegram", strconv.FormatInt(late, 10))
	if n := r.outboxTo("telegram", "23001"); n != 3 {
		t.Errorf("after an operator wrote in the closed topic %d replies were queued for the customer, want 3 (notice, closing, rating request)", n)
	}

	if len(labels) == 5 {
		ids := r.tg.push(tgPress(t, c, rate.MessageID, button(t, rate, "5")))
		r.tg.waitTopicPost(deskChatID, topic.ThreadID, "5/5")
		r.processed("telegram", strconv.FormatInt(ids[0], 10))
	}
	// Whatever the rating was answered with is in the outbox: the answer
	// to the question comes after it.
	before := r.outboxTo("telegram", "23001")
	r.tg.push(tgText(t, c, "Сколько стоит доставка?"))
	got = r.tg.waitSent("23001", before+1)
	if want := e2eEntry(t, "delivery_cost").Answer; !sameText(got[before].Plain, want) {
		t.Errorf("after the close the customer's question gets %q, want the FAQ answer %q", got[before].Plain, want)
	}
	checkNo400(t, r.tg)
}

// 5. /faq ID sends the entry's answer to the customer; /faq with a wrong id
// is answered in the topic with ids that exist; /note never reaches the
// customer.
func TestE2EDeskFAQAndNote(t *testing.T) {
	t.Parallel()
	f, _ := loadE2EFAQ(t)
	r := startDesk(t, false, nil)
	c := customer(24001)
	topic, _ := r.handoffTG(c, 1)

	note := "клиент VIP, звонил вчера по поводу самовара"
	r.say(opOlga, topic, "/note "+note)
	r.say(opOlga, topic, "/faq delivery_cost")
	got := r.tg.waitSent("24001", 2)
	if want := e2eEntry(t, "delivery_cost").Answer; !sameText(got[1].Plain, want) {
		t.Errorf("/faq delivery_cost: the customer sees %q, want %q", got[1].Plain, want)
	}

	r.say(opOlga, topic, "/faq nosuch")
	post := r.tg.waitTopicPost(deskChatID, topic.ThreadID, "nosuch")
	suggests := false
	for _, e := range f.Entries {
		suggests = suggests || strings.Contains(post.Plain, e.ID)
	}
	if !suggests {
		t.Errorf("/faq nosuch is answered %q, want ids that exist", post.Plain)
	}

	// A message that does reach the customer after all three: the outbox
	// sends one chat's replies in order, so anything the commands sent the
	// customer came before it.
	last := "Подскажу что-нибудь ещё?"
	r.say(opOlga, topic, last)
	got = r.tg.waitSent("24001", 3)
	if !sameText(got[2].Plain, last) || len(got) != 3 {
		t.Errorf("the customer got %q, want the handoff notice, the answer and %q", plains(got), last)
	}
	for _, s := range got {
		if strings.Contains(s.Plain, "VIP") || strings.Contains(s.Plain, "nosuch") {
			t.Errorf("an operators' command reached the customer: %q", s.Plain)
		}
	}
	checkNo400(t, r.tg)
}

// 6. Someone in the desk who is not in SUPPORTBOT_OPERATORS: their message
// in the topic is not sent to the customer, their /close and "take" are
// answered with a line saying only operators act and change nothing. A
// message from another chat (even an operator's, even with the same thread
// id) does nothing to the conversation.
func TestE2EDeskNonOperators(t *testing.T) {
	t.Parallel()
	r := startDesk(t, false, nil)
	c := customer(25001)
	topic, card := r.handoffTG(c, 1)

	r.say(stranger, topic, "Я тоже клиент, ответьте мне тут!")
	r.say(stranger, topic, "/close")
	r.tg.waitTopicPost(deskChatID, topic.ThreadID, "только операторы")
	ids := r.tg.push(tgTopicPress(t, card, stranger, button(t, card, "Взять")))
	if !eventually(e2eDeadline, func() bool {
		for _, call := range r.tg.callsTo("answerCallbackQuery") {
			if call.Params["callback_query_id"] == queryIDOf(stranger, ids[0]) {
				return true
			}
		}
		return false
	}) {
		t.Error("a non-operator's press was never acknowledged")
	}
	other := r.tg.push(tgTopicText(t, otherForum, topic.ThreadID, opOlga, "Текст из другого чата"))
	// An operator's plain message in the General topic is the operators'
	// own talk.
	general := r.tg.push(tgTopicText(t, deskChat, 0, opOlga, "Коллеги, кто сегодня на смене?"))
	r.processed("telegram", strconv.FormatInt(ids[0], 10))
	r.processed("telegram", strconv.FormatInt(other[0], 10))
	r.processed("telegram", strconv.FormatInt(general[0], 10))
	if n := len(r.tg.topicPosts(deskChatID, 0)); n != 0 {
		t.Errorf("the bot posted %d messages in the General topic in answer to the operators' talk", n)
	}
	if n := r.outboxTo("telegram", "25001"); n != 1 {
		t.Errorf("after a non-operator's message, /close and take, and a message in another chat, %d replies were queued for the customer, want 1 (the handoff notice)", n)
	}
	if n := r.outboxTo("telegram", strconv.FormatInt(otherForum, 10)); n != 0 {
		t.Errorf("the bot wrote %d messages in the other chat", n)
	}

	// The real operator can still take it: nobody else did.
	last := "Здравствуйте, это оператор магазина."
	r.say(opOlga, topic, last)
	got := r.tg.waitSent("25001", 2)
	if len(got) != 2 || !sameText(got[1].Plain, last) {
		t.Errorf("the customer got %q, want the handoff notice and %q only", plains(got), last)
	}
	r.tg.waitTopicPost(deskChatID, topic.ThreadID, "Разговор ведёт "+opOlga.FirstName)
	for _, p := range r.tg.topicPosts(deskChatID, topic.ThreadID) {
		if strings.Contains(p.Plain, stranger.FirstName) && !strings.Contains(p.Plain, strconv.FormatInt(stranger.ID, 10)) {
			t.Errorf("the topic names the non-operator as if they acted: %q", p.Plain)
		}
	}
	if n := len(r.tg.callsTo("closeForumTopic")); n != 0 {
		t.Errorf("a non-operator's /close closed the topic (%d closeForumTopic calls)", n)
	}
	checkNo400(t, r.tg)
}

// 7. A desk set up wrong stops the bot at start with one sentence naming
// SUPPORTBOT_OPERATOR_CHAT and what to fix.
func TestE2EDeskMisconfigured(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		forum *tgForum
		want  string
	}{
		{"topics off", &tgForum{ChatID: deskChat, Type: "supergroup", BotStatus: "administrator", CanManageTopics: true}, "Topics"},
		{"basic group", &tgForum{ChatID: deskChat, Type: "group", BotStatus: "administrator", CanManageTopics: true}, "Topics"},
		{"bot not admin", &tgForum{ChatID: deskChat, Type: "supergroup", IsForum: true, BotStatus: "member"}, "administrator"},
		{"no manage topics", &tgForum{ChatID: deskChat, Type: "supergroup", IsForum: true, BotStatus: "administrator"}, "Manage Topics"},
		{"bot not in group", nil, "add the bot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := newTGFake(t)
			if tc.forum != nil {
				tg.setForum(*tc.forum)
			}
			b := newBot(t, map[string]string{
				"TELEGRAM_TOKEN": tgToken, "TELEGRAM_API_URL": tg.URL(), "SUPPORTBOT_OPERATOR_CHAT": deskChatID,
				"SUPPORTBOT_LOG_LEVEL": "info",
			})
			b.start()
			code, ok := b.wait(e2eDeadline)
			if !ok {
				t.Fatal("the bot keeps running with a misconfigured desk")
			}
			if code == 0 {
				t.Error("exit status 0 with a misconfigured desk")
			}
			out := b.logs.String()
			last := lastLine(out)
			if !strings.Contains(last, "SUPPORTBOT_OPERATOR_CHAT") || !strings.Contains(last, tc.want) {
				t.Errorf("the last line should name SUPPORTBOT_OPERATOR_CHAT and say %q: %q", tc.want, last)
			}
			t.Logf("%s: %s", tc.name, last)
			if strings.Contains(strings.TrimSuffix(last, "."), ". ") {
				t.Errorf("the reason is more than one sentence: %q", last)
			}
			if strings.Contains(out, tgToken) {
				t.Error("the token appears in the output")
			}
			if n := len(tg.callsTo("createForumTopic")) + len(tg.callsTo("getUpdates")); n > 0 {
				t.Errorf("%d getUpdates/createForumTopic calls with a misconfigured desk", n)
			}
		})
	}
}

// 8. A VK admin answers in VK's own screen (message_reply with
// admin_author_id, not one the bot sent): the bot stays silent to that
// customer and opens no desk topic for them (they are answered in VK).
func TestE2EDeskVKAdminTakeover(t *testing.T) {
	t.Parallel()
	r := startDesk(t, true, nil)
	const peer = 32001
	r.vk.push("message_new", vkText(t, peer, 1, "Где мой заказ?", "", ""))
	r.vk.waitSent(peer, 1)

	adm := r.vk.push("message_reply", vkAdminReply(t, peer, 777001, 3, "Ирина, это Мария из магазина, сейчас проверю ваш заказ."))
	r.processed("vk", adm[0])
	var evs []string
	for i, q := range []string{"Сколько стоит доставка?", "Где мой заказ?", "позовите оператора"} {
		evs = append(evs, r.vk.push("message_new", vkText(t, peer, int64(4+i), q, "", ""))...)
	}
	for _, ev := range evs {
		r.processed("vk", ev)
	}
	if n := r.outboxTo("vk", strconv.Itoa(peer)); n != 1 {
		t.Errorf("while a VK admin has the conversation the bot queued %d replies for the customer, want 1 (the answer before the admin wrote)", n)
	}
	// The bot's own messages come back as message_reply too (without
	// admin_author_id): they must not count as an admin's.
	other := int64(32002)
	r.vk.push("message_new", vkText(t, other, 1, "Где мой заказ?", "", ""))
	r.vk.waitSent(other, 1)
	r.vk.push("message_new", vkText(t, other, 3, "Сколько стоит доставка?", "", ""))
	if got := r.vk.waitSent(other, 2); !sameText(got[1].Message, e2eEntry(t, "delivery_cost").Answer) {
		t.Errorf("a customer the bot answered (its own message_reply echoed) got %q, want the FAQ answer", got[1].Message)
	}
	if n := len(r.tg.callsTo("createForumTopic")); n != 0 {
		t.Errorf("a conversation a VK admin took over got %d desk topics, want none (it is answered in VK)", n)
	}
	checkVKRefusals(t, r.vk)
}

// 8b. With SUPPORTBOT_VK_QUIET=2s, a customer who writes once the admin
// has been quiet that long is answered by the bot again.
func TestE2EDeskVKAdminQuietPeriod(t *testing.T) {
	t.Parallel()
	const quiet = 2 * time.Second
	r := startDesk(t, true, map[string]string{"SUPPORTBOT_VK_QUIET": quiet.String()})
	const peer = 33001
	r.vk.push("message_new", vkText(t, peer, 1, "Где мой заказ?", "", ""))
	r.vk.waitSent(peer, 1)

	adminAt := time.Now()
	adm := r.vk.push("message_reply", vkAdminReply(t, peer, 777001, 3, "Ирина, это Мария из магазина, сейчас проверю ваш заказ."))
	r.processed("vk", adm[0])
	ev := r.vk.push("message_new", vkText(t, peer, 4, "Сколько стоит доставка?", "", ""))
	r.processed("vk", ev[0])
	if time.Since(adminAt) < quiet {
		if n := r.outboxTo("vk", strconv.Itoa(peer)); n != 1 {
			t.Errorf("within the quiet period the bot queued %d replies for the customer, want 1", n)
		}
	}

	time.Sleep(time.Until(adminAt.Add(quiet + 500*time.Millisecond))) // let the quiet period pass; not an assertion
	before := len(r.vk.sentTo(peer))
	r.vk.push("message_new", vkText(t, peer, 5, "Сколько стоит доставка?", "", ""))
	want := e2eEntry(t, "delivery_cost").Answer
	if !eventually(e2eDeadline, func() bool {
		got := r.vk.sentTo(peer)
		return len(got) > before && sameText(got[len(got)-1].Message, want)
	}) {
		var texts []string
		for _, s := range r.vk.sentTo(peer) {
			texts = append(texts, s.Message)
		}
		t.Errorf("%s after the admin's last message (quiet period %s) the customer's question is not answered: they got %q",
			time.Since(adminAt).Round(time.Second), quiet, texts)
	}
	checkVKRefusals(t, r.vk)
}

// 9. The bot is killed while an operator has a conversation and started
// again: the operator's next message in the topic still reaches the
// customer, and the bot still leaves the customer to the operator (their
// question goes to the topic, not answered from the FAQ).
func TestE2EDeskRestartAssigned(t *testing.T) {
	t.Parallel()
	f, _ := loadE2EFAQ(t)
	r := startDesk(t, false, nil)
	c := customer(26001)
	topic, card := r.handoffTG(c, 1)
	r.tg.push(tgTopicPress(t, card, opOlga, button(t, card, "Взять")))
	got := r.tg.waitSent("26001", 2)
	if !sameText(got[1].Plain, f.TextsFor("ru").OperatorTaken) {
		t.Errorf("after take the customer sees %q, want %q", got[1].Plain, f.TextsFor("ru").OperatorTaken)
	}
	r.tg.waitTopicPost(deskChatID, topic.ThreadID, "Разговор ведёт "+opOlga.FirstName)

	r.b.kill()
	r.b.start()
	r.b.waitReady()

	msg := "Проверила: заказ передан курьеру, он позвонит за час."
	r.say(opOlga, topic, msg)
	got = r.tg.waitSent("26001", 3)
	if !sameText(got[2].Plain, msg) {
		t.Errorf("after the restart the customer sees %q, want the operator's %q", got[2].Plain, msg)
	}
	q := r.tg.push(tgText(t, c, "Сколько стоит доставка?"))
	r.tg.waitTopicPost(deskChatID, topic.ThreadID, "Сколько стоит доставка?")
	r.processed("telegram", strconv.FormatInt(q[0], 10))
	if n := r.outboxTo("telegram", "26001"); n != 3 {
		t.Errorf("after the restart the bot queued %d replies for the customer, want 3 (notice, operator joined, the operator's message): it answered while the operator has the conversation", n)
	}
	if n := len(r.tg.forumTopics()); n != 1 {
		t.Errorf("%d topics after the restart, want the same one", n)
	}
	checkNo400(t, r.tg)
}
