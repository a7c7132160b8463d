package faq

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"
)

// TestHandoffMore: anger without swearing or threats, indirect requests for
// a person, and the ordinary questions that look like them, in the words of
// customers of any business (a shop, a school, a clinic, a salon).
func TestHandoffMore(t *testing.T) {
	m := testMatcher(t)
	angry := []string{
		// Sarcasm and rhetorical questions.
		"вы там вообще работаете или нет?!",
		"вы вообще работаете?!",
		"это что за сервис такой??",
		"что за сервис такой вообще",
		"это нормально вообще?! заказ потеряли",
		"и как это понимать?? деньги списали, заказа нет",
		"а отвечать кто будет?!",
		"мне кто-нибудь ответит или нет?!",
		"вы русский язык понимаете?",
		"у вас совесть есть?",
		"вы нормальные вообще",
		"вы что там, все вымерли?",
		"и это называется сервис?",
		"и за это я заплатила 50 тысяч?!",
		"за что я вам плачу",
		"отличный сервис, ничего не скажешь",
		"кто вас учил так работать?",
		// Verdicts on the business.
		"ужасный сервис",
		"отвратительная школа, деньги на ветер",
		"ужасная клиника, врач опоздал на час",
		"обслуживание отвратительное",
		"худший магазин в моей жизни",
		"хуже сервиса в жизни не видела",
		"шарашкина контора",
		"это не магазин, а шарашкина контора",
		"ну и клиника",
		"позорище, а не школа",
		"безобразие какое-то, платье пришло рваное",
		"это просто издевательство над покупателями",
		"цирк какой-то",
		"уровень сервиса ниже плинтуса",
		"вам вообще наплевать на учеников",
		"никакого уважения к пациентам",
		"не рекомендую никому эту школу",
		"больше к вам ни ногой!!!",
		"так дела не делаются",
		"я в шоке от вашего сервиса",
		"это уже ни в какие ворота",
		"непрофессионалы",
		// Patience, promises, waiting.
		"кормите обещаниями уже месяц",
		"только обещаете и ничего не делаете",
		"терпение лопнуло",
		"моё терпение кончилось, верните деньги",
		"с меня хватит",
		"сколько можно!!!",
		"сколько можно переносить занятия?!",
		"надоело ждать",
		"устала объяснять одно и то же",
		"третью неделю жду возврат денег",
		"второй месяц не могу вернуть деньги за курс",
		"полтора месяца жду посылку, это нормально?",
		"не могу дозвониться два часа!!!",
		"не могу до вас дозвониться уже третий день",
		"сорок минут висю на телефоне",
		"я уже пятый раз пишу одно и то же",
		"сколько раз вам повторять?",
		"ответа ноль",
		"меня игнорируют уже неделю",
		"разбирайтесь сами со своим курьером",
		"вы кого набираете вообще",
		// Rude staff.
		"курьер мне нахамил",
		"ваш менеджер на меня накричал",
		"врач накричал на ребенка",
		"медсестра мне нахамила",
		"ваш администратор нагрубила моей маме",
		"оператор меня послал",
		"курьер бросил трубку",
		"продавец вела себя грубо",
		"сотрудник повел себя по-хамски",
		"ваш сотрудник разговаривал со мной как с собакой",
		// Threats to the authorities of other businesses.
		"обращусь в минздрав",
		"напишу во все инстанции",
		// English.
		"your customer service is a joke",
		"this is a disgrace",
		"unacceptable",
		"worst school ever",
		"the worst clinic I have ever been to",
		"I'm done with you",
		"I want my money back, this is a scam",
		"give me my money back!!!",
		"are you kidding me?",
		"is this some kind of joke?",
		"what kind of service is this?!",
		"shame on you",
		"I've been waiting for three weeks!!!",
		"still waiting after 3 weeks, this is insane",
		"I'm never ordering from you again",
		"the courier was rude to me",
		"your staff is so rude",
		"the receptionist yelled at me",
		"absolutely appalling service",
		"do you even read my messages?",
		"I'll leave a bad review everywhere",
		"you've lost a customer",
		"how many times do I have to ask?!",
		"stop ignoring me",
		"грумер порезал собаку, я это так не оставлю",
		"я этого так не оставлю",
		"какого черта списали деньги дважды",
		"какого хрена заблокировали аккаунт",
		"what the hell is going on with my order",
		// The whole message a verdict ("alone:" rules).
		"отстой",
		"ужас, просто ужас",
		"полный кошмар",
		// Publicity, court, inspections, reckonings.
		"раструблю про вас во всех соцсетях",
		"теперь только через суд",
		"see you in court",
		"пожалуюсь в общество защиты прав потребителей",
		"вы пожалеете",
		"это просто верх наглости",
	}
	request := []string{
		"давайте я лучше с кем то из ваших людей поговорю",
		"пусть мне лучше кто-нибудь из вашей команды напишет",
		"пусть кто-то из персонала мне ответит",
		"саеденити с челом",
		"опер нужен срочно",
		"можно мне обратный звонок?",
		"я пожилой человек, мне трудно писать, пусть мне позвонят",
		"лучше пусть со мной пообщается специалист",
		"хочу подать жалобу руководству",
		"please have a specialist contact me",
		"call me pls",
		"хочу обсудить с человеком, тут долго объяснять",
		"свяжите с методистом",
		"свяжите меня с врачом",
		"соедините с руководством",
		"соедините с регистратурой",
		"позовите мастера",
		"позовите куратора",
		"свяжите меня с бухгалтерией",
		"хочу поговорить с руководителем школы",
		"дайте поговорить с кем-то живым",
		"а можно с кем-нибудь поговорить по телефону?",
		"можно не с ботом",
		"не с роботом пожалуйста",
		"с ботом не хочу",
		"с человеком можно?",
		"мне бы с оператором",
		"позовите кого-нибудь",
		"переключите на кого-то живого",
		"пусть мне позвонит администратор",
		"хочу чтобы мне позвонил менеджер",
		"попросите врача мне перезвонить",
		"наберите меня",
		"можно с вами созвониться?",
		"хочу задать вопрос человеку",
		"как вызвать оператора",
		"а оператор есть?",
		"живой кто-нибудь есть?",
		"ау, люди есть?",
		"отзовитесь кто-нибудь",
		"I'd like to talk to someone",
		"is there a real person",
		"is there anyone I can talk to",
		"please have someone call me",
		"put me through to a doctor",
		"I don't want to talk to a bot",
		"I want to talk to your supervisor",
		"can a human look at this?",
		"I want to speak with customer service",
		"customer service please",
		"live chat please",
	}
	// Ordinary questions that share words with the above.
	ordinary := []string{
		// A real word next to an angry one ("оставлю"/"ославлю"), a typo
		// of another word ("возмут" is "возьмут"), a word that only stems
		// like one ("хамам"), a topic word ("отписка" from a newsletter).
		"беру 2 вещи из 5, остальные оставлю в пвз, так можно?",
		"сын слабо знает математику, боюсь не возмут",
		"есть хамам в клубе?",
		"отписка",
		"так и оставлю заказ в пвз, заберу завтра",
		"какого цвета черта на логотипе",
		"ужас как хочу пиццу, что посоветуете",
		"кошмар на улице вязов есть в подписке?",
		"как связаться с куратором курса",
		"по закону о защите прав потребителей можно вернуть?",
		"суд обязал вернуть деньги, как подать заявление на возврат",
		"где мой заказ?",
		"а курьер позвонит?",
		"курьер позвонит мне или тому кто получает?",
		"как связаться с курьером",
		"можно поговорить о возврате",
		"как оценить работу курьера",
		"отвратительное качество ткани, можно вернуть?",
		"ужасное качество, хочу вернуть куртку",
		"специалист по маникюру работает в субботу?",
		"можно записаться к другому врачу?",
		"как сменить преподавателя",
		"как связаться с куратором курса",
		"менеджер перезвонит мне после оформления?",
		"мне перезвонят после записи?",
		"вы перезвоните мне для подтверждения?",
		"сколько можно хранить заказ в пункте выдачи",
		"сколько раз можно перенести занятие",
		"жду заказ уже неделю, где он?",
		"посылка идет уже неделю, где посмотреть трек?",
		"это нормально что после чистки зубов кровоточат десны?",
		"у меня ребенок плачет после прививки, это нормально?",
		"вы вообще работаете в праздники?",
		"вы работаете с маркетплейсами?",
		"что за сервис доставки вы используете",
		"что за курс такой «Python с нуля», расскажите",
		"что за магазин у вас в Москве, есть адрес?",
		"как оставить отзыв о враче",
		"куда написать жалобу",
		"у вас есть живые растения?",
		"курьер опоздал на час, положена ли компенсация?",
		"деньги списали два раза, верните пожалуйста",
		"можно ли пригласить врача на дом?",
		"можно ли соединить два заказа в один?",
		"ткань грубая, можно вернуть?",
		"ребенок кричал после прививки, это нормально?",
		"в худшем случае сколько идет доставка?",
		"у вас есть лицензия минздрава?",
		"сколько минимум надо набрать чтоб заказ приняли",
		"отписаться от платной подписки где",
		"how do I contact the courier",
		"can you speak english",
		"what is the worst case delivery time",
		"I want my money back for the cancelled order",
		"is it normal that the transfer takes 3 days?",
		"can my friend pick up the order",
		"i want to hear your best joke",
		"how do I file a complaint",
		"can a person who is not a member see my photos?",
	}
	check := func(texts []string, want Reason) {
		t.Helper()
		for _, s := range texts {
			d := m.Match(s)
			if d.Action != Handoff || d.Reason != want {
				t.Errorf("Match(%q) = %s %q, want handoff %q", s, d.Action, d.Reason, want)
			}
		}
	}
	check(angry, ReasonAngry)
	check(request, ReasonRequest)
	for _, s := range ordinary {
		if d := m.Match(s); d.Action == Handoff {
			t.Errorf("Match(%q) handed off (%q), want an answer, a choice or a fallback", s, d.Reason)
		}
	}
}

// TestHandoffElements: an element may mix words and classes, a class may
// hold phrases and other classes, and "word=" is that word only.
func TestHandoffElements(t *testing.T) {
	m := testMatcher(t)
	for _, s := range []string{"кто-нибудь из соседей заберет посылку?", "перезвонят после записи?"} {
		if d := m.Match(s); d.Action == Handoff {
			t.Errorf("Match(%q) handed off: a rule's \"@a|@b\" element was dropped", s)
		}
	}
	if !emphatic("вы вообще работаете?!") || emphatic("где мой заказ?") || emphatic("спасибо!!") {
		t.Error("emphatic punctuation misread")
	}
}

// TestHandoffStress scores the built-in lexicon on a corpus of 400
// messages written apart from it (testdata/handoff/stress.jsonl): 150
// requests for a person and 150 angry messages in many wordings, slang and
// typos, and 100 ordinary questions that use the same words ("оператор
// связи", "менеджер паролей", "живой корм"). None of the ordinary ones may
// be handed off; of the others, at least 97% and 92% must be (measured at
// 100% and 94% when the rules were written from it).
func TestHandoffStress(t *testing.T) {
	m := testMatcher(t)
	f, err := os.Open("testdata/handoff/stress.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, total := map[string]int{}, map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var row struct{ Text, Kind string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		d := m.Match(row.Text)
		total[row.Kind]++
		switch {
		case row.Kind == "none" && d.Action == Handoff:
			t.Errorf("Match(%q) handed off (%q), want an answer, a choice or a fallback", row.Text, d.Reason)
		case row.Kind != "none" && d.Action == Handoff:
			got[row.Kind]++
		case row.Kind != "none":
			t.Logf("not handed off (%s): %q", row.Kind, row.Text)
		}
	}
	if total["explicit"] != 150 || total["angry"] != 150 || total["none"] != 100 {
		t.Fatalf("corpus has %v lines by kind", total)
	}
	for kind, min := range map[string]float64{"explicit": 0.97, "angry": 0.92} {
		if share := float64(got[kind]) / float64(total[kind]); share < min {
			t.Errorf("%s: %.1f%% handed off, want at least %.0f%%", kind, 100*share, 100*min)
		}
	}
}
