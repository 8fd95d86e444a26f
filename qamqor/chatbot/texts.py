"""What the bot says to a child, in Kazakh, Russian and English.

Kept here as data, not in the gettext catalogs: these are conversation texts written for
children in each language (not translations of an English original), and they must exist
in all three from the first day. ``{code}``-style fields are filled with ``str.format``."""

from __future__ import annotations

LANGUAGES = ("kk", "ru", "en")

# Shown before the child has chosen: all three languages in one message.
CHOOSE_LANGUAGE = (
    "Сәлем! Бұл — Qamqor, балаларға көмек көрсететін қызмет.\n"
    "Здравствуй! Это Qamqor — служба помощи детям.\n"
    "Hello! This is Qamqor, a service that helps children.\n\n"
    "Тілді таңда / Выбери язык / Choose your language:"
)
LANGUAGE_BUTTONS = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

TEXTS: dict[str, dict[str, str]] = {
    "kk": {
        "ask_narrative": (
            "Не болғанын өз сөзіңмен жаз: кім, қайда, қашан. "
            "Сен бұл туралы айтқаның дұрыс, сенің кінәң жоқ."
        ),
        "narrative_too_short": "Тағы бірнеше сөз жазшы (кемінде 10 әріп), біз түсіну үшін.",
        "ask_place": (
            "Бұл қай жерде болды? Мектептегі QR-плакатта жазылған мектеп кодын жібер "
            "немесе төменнен өңіріңді таңда."
        ),
        "place_unknown": (
            "Мұндай мектеп не өңір табылмады. Плакаттағы кодты тексер немесе өңірді тізімнен таңда."
        ),
        "ask_anonymous": "Атыңды айтпай-ақ (анонимді) жазғың келе ме?",
        "yes_anonymous": "Иә, анонимді",
        "no_give_name": "Жоқ, атымды айтамын",
        "ask_name": "Атың кім? Қаласаң, сенімен қалай байланысуға болатынын да жаз.",
        "ask_danger": (
            "Дәл қазір саған қауіп төніп тұр ма? Әлде өзіңе зиян келтіру туралы ойлап жүрсің бе?"
        ),
        "self_harm": "Өзіме зиян келтіруім мүмкін",
        "self_harm_now": (
            "Айтқаның үшін рақмет. Сен жалғыз емессің. Егер дәл қазір өзіңе зиян келтіруің "
            "мүмкін болса, 112 нөміріне немесе біреумен сөйлесу үшін 111 нөміріне қоңырау шал — "
            "бұл тегін, күндіз де, түнде де. Біз хабарламаңды қазір жіберіп, көмектесе алатын "
            "кезекші мамандарға хабарлаймыз."
        ),
        "yes_danger": "Иә, қазір қауіпті",
        "no_danger": "Жоқ",
        "danger_now": (
            "Егер қазір қауіпті болса, дереу 112 нөміріне қоңырау шал. "
            "Біз хабарламаңды қазір жіберіп, полицияның кезекші бөліміне хабарлаймыз."
        ),
        "confirm": "Міне, не жазғаның:\n\n{summary}\n\nЖіберейік пе?",
        "send": "Жіберу",
        "start_over": "Басынан бастау",
        "received": (
            "Рақмет, хабарламаң қабылданды. Сен дұрыс істедің.\n\n"
            "Сенің кодың: {code}\n"
            "Оны сақтап қой және ешкімге көрсетпе: осы код арқылы өтінішіңнің қалай "
            "қаралып жатқанын біле аласың. Тіркеу нөмірін осы жерге жазамыз.\n"
            "Тағы бірдеңе айтқың келсе, осында жаза бер — хабарламаларың сол адамдарға жетеді."
        ),
        "received_urgent": (
            "Рақмет, хабарламаң қабылданды. Сен дұрыс істедің.\n\n"
            "Қазір не болып жатыр: полицияның кезекші бөлімі мен психологиялық қолдау "
            "орталығының кезекші маманы дабыл хабарламасын дәл қазір алды. Олар бір күн ішінде "
            "емес, дереу әрекет етуі керек. Мүмкін болса, басқа адамдардың қасында бол; қауіп "
            "төнсе, 112 нөміріне қоңырау шал.\n\n"
            "Сенің кодың: {code}\n"
            "Оны сақтап қой және ешкімге көрсетпе: осы код арқылы өтінішіңнің қалай "
            "қаралып жатқанын біле аласың. Тіркеу нөмірін осы жерге жазамыз.\n"
            "Тағы бірдеңе айтқың келсе, осында жаза бер — хабарламаларың сол адамдарға жетеді."
        ),
        "added_to_thread": "Хабарламаң жеткізілді. Саған осы жерде жауап береміз.",
        "registered": "Өтінішің тіркелді, нөмірі: {number}. Көмек көрсетуге кірістік.",
        "help": "Жаңадан бастау үшін /start деп жаз. Қауіп төнсе, 112 нөміріне қоңырау шал.",
        "choose_from_buttons": "Төмендегі батырмалардың бірін таңдашы.",
    },
    "ru": {
        "ask_narrative": (
            "Напиши своими словами, что случилось: кто, где, когда. "
            "Ты правильно делаешь, что рассказываешь. Ты ни в чём не виноват(а)."
        ),
        "narrative_too_short": "Напиши ещё пару слов (хотя бы 10 букв), чтобы мы поняли.",
        "ask_place": (
            "Где это произошло? Пришли код школы с QR-плаката в твоей школе "
            "или выбери свой регион ниже."
        ),
        "place_unknown": (
            "Не нашли такую школу или регион. Проверь код на плакате или выбери регион из списка."
        ),
        "ask_anonymous": "Хочешь написать анонимно, не называя своего имени?",
        "yes_anonymous": "Да, анонимно",
        "no_give_name": "Нет, назову имя",
        "ask_name": "Как тебя зовут? Если хочешь, напиши, как с тобой связаться.",
        "ask_danger": (
            "Тебе угрожает опасность прямо сейчас? Или ты думаешь о том, чтобы причинить себе вред?"
        ),
        "self_harm": "Я могу навредить себе",
        "self_harm_now": (
            "Спасибо, что рассказываешь. Ты не один (не одна). Если ты можешь навредить себе "
            "прямо сейчас, позвони 112 или 111, чтобы поговорить с кем-то, — это бесплатно, "
            "днём и ночью. Мы отправляем твоё сообщение немедленно и сообщаем дежурным, "
            "которые могут помочь."
        ),
        "yes_danger": "Да, мне опасно сейчас",
        "no_danger": "Нет",
        "danger_now": (
            "Если тебе опасно прямо сейчас, сразу позвони 112. "
            "Мы отправляем твоё сообщение немедленно и сообщаем дежурной части полиции."
        ),
        "confirm": "Вот что ты написал(а):\n\n{summary}\n\nОтправляем?",
        "send": "Отправить",
        "start_over": "Начать сначала",
        "received": (
            "Спасибо, твоё сообщение получено. Ты поступил(а) правильно.\n\n"
            "Твой код: {code}\n"
            "Сохрани его и никому не показывай: по нему можно узнать, что происходит с "
            "твоим обращением. Регистрационный номер мы пришлём сюда.\n"
            "Если захочешь что-то добавить, просто пиши сюда — сообщения дойдут до тех же людей."
        ),
        "received_urgent": (
            "Спасибо, твоё сообщение получено. Ты поступил(а) правильно.\n\n"
            "Что происходит сейчас: дежурная часть полиции и дежурный специалист центра "
            "психологической поддержки уже получили тревожное сообщение и должны действовать "
            "сразу, а не в течение дня. Если можешь, будь рядом с другими людьми; если тебе "
            "опасно — звони 112.\n\n"
            "Твой код: {code}\n"
            "Сохрани его и никому не показывай: по нему можно узнать, что происходит с "
            "твоим обращением. Регистрационный номер мы пришлём сюда.\n"
            "Если захочешь что-то добавить, просто пиши сюда — сообщения дойдут до тех же людей."
        ),
        "added_to_thread": "Сообщение передано. Мы ответим тебе здесь.",
        "registered": "Твоё обращение зарегистрировано, номер: {number}. Мы уже занимаемся им.",
        "help": "Чтобы начать заново, напиши /start. Если тебе опасно, звони 112.",
        "choose_from_buttons": "Выбери, пожалуйста, одну из кнопок ниже.",
    },
    "en": {
        "ask_narrative": (
            "Tell us in your own words what happened: who, where, when. "
            "You are right to tell us. It is not your fault."
        ),
        "narrative_too_short": "Please write a few more words (at least 10 letters).",
        "ask_place": (
            "Where did it happen? Send the school code from the QR poster at your school, "
            "or choose your region below."
        ),
        "place_unknown": (
            "We could not find that school or region. Check the code on the poster, "
            "or choose a region from the list."
        ),
        "ask_anonymous": "Do you want to stay anonymous, without giving your name?",
        "yes_anonymous": "Yes, stay anonymous",
        "no_give_name": "No, I will give my name",
        "ask_name": "What is your name? If you like, add how we can reach you.",
        "ask_danger": "Are you in danger right now? Or are you thinking about hurting yourself?",
        "self_harm": "I might hurt myself",
        "self_harm_now": (
            "Thank you for telling us. You are not alone. If you might hurt yourself right now, "
            "call 112, or 111 to talk to someone: it is free, day and night. We are sending "
            "your message now and telling the people on duty who can help."
        ),
        "yes_danger": "Yes, I am in danger now",
        "no_danger": "No",
        "danger_now": (
            "If you are in danger right now, call 112 at once. "
            "We are sending your message now and telling the police duty unit."
        ),
        "confirm": "This is what you wrote:\n\n{summary}\n\nShall we send it?",
        "send": "Send",
        "start_over": "Start again",
        "received": (
            "Thank you, we have your message. You did the right thing.\n\n"
            "Your code: {code}\n"
            "Keep it safe and do not show it to anyone: with it you can see what happens "
            "with your report. We will send the registration number here.\n"
            "If you want to add something, just write here: it reaches the same people."
        ),
        "received_urgent": (
            "Thank you, we have your message. You did the right thing.\n\n"
            "What happens now: the police duty unit and the psychological support centre on "
            "duty have just been alerted and must act at once, not within a day. If you can, "
            "stay near other people; if you are in danger, call 112.\n\n"
            "Your code: {code}\n"
            "Keep it safe and do not show it to anyone: with it you can see what happens "
            "with your report. We will send the registration number here.\n"
            "If you want to add something, just write here: it reaches the same people."
        ),
        "added_to_thread": "Your message has been passed on. We will answer you here.",
        "registered": "Your report is registered, number {number}. We are working on it.",
        "help": "To start again, write /start. If you are in danger, call 112.",
        "choose_from_buttons": "Please choose one of the buttons below.",
    },
}


def text(language: str, key: str, **fields: str) -> str:
    """The text in ``language`` (Russian if the language is unknown)."""
    template = TEXTS.get(language, TEXTS["ru"])[key]
    return template.format(**fields) if fields else template


def all_languages(key: str, **fields: str) -> str:
    """The text in Kazakh, Russian and English, one after another (for email replies)."""
    return "\n\n".join(text(language, key, **fields) for language in LANGUAGES)
