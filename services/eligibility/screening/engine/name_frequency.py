"""How common a Russian name part is: the share of people in Russia who bear it, as an order of magnitude.

Sources and method (estimates, good to about a factor of two, which is all the weighting needs):

- Family names: the ranking of the most widespread Russian surnames compiled by E. V. Balanovskaya et al.,
  "Family portraits of five Russian regions" (Medical Genetics, 2005) and its later edition by A. F. Zhuravlev.
  Shares are anchored on the published figures for the two most common (Smirnov about 1.8 %, Ivanov about
  1.3 % of the population) and follow Zipf's law by rank below them: share(rank) = 1.8 % x rank^-0.8. Each
  form (male `-ов`, female `-ова`) carries half the share of the surname.
- Given names: rounded shares among adults born 1950-2005, from the published rankings of Russian given names
  (Rosstat and the civil registry offices' yearly lists); a name's share of the whole population is half its
  share within its sex.
- Patronymics: the share of the father's given name among men.
- Anything else: a name part outside these tables is taken to be borne by about 1,500 people (1e-5), a
  patronymic by about 150,000 (1e-3).
"""

from functools import lru_cache

from services.eligibility.screening.engine.translit import spelling_skeletons

POPULATION = 146_000_000

UNKNOWN_FAMILY_SHARE = 1e-5
UNKNOWN_PATRONYMIC_SHARE = 1e-3

# Share of men bearing each name (per cent), most common first.
MALE_GIVEN_NAMES = {
    "Александр": 7.5,
    "Сергей": 7.0,
    "Андрей": 5.0,
    "Алексей": 5.0,
    "Дмитрий": 4.5,
    "Владимир": 4.5,
    "Евгений": 3.5,
    "Николай": 3.0,
    "Михаил": 3.0,
    "Иван": 2.5,
    "Игорь": 2.5,
    "Юрий": 2.5,
    "Виктор": 2.5,
    "Олег": 2.0,
    "Максим": 2.0,
    "Павел": 2.0,
    "Денис": 1.5,
    "Роман": 1.5,
    "Анатолий": 1.2,
    "Валерий": 1.2,
    "Виталий": 1.2,
    "Константин": 1.2,
    "Антон": 1.2,
    "Артём": 1.2,
    "Вячеслав": 1.0,
    "Василий": 1.0,
    "Илья": 1.0,
    "Вадим": 1.0,
    "Владислав": 0.8,
    "Никита": 0.8,
    "Кирилл": 0.8,
    "Геннадий": 0.8,
    "Пётр": 0.6,
    "Борис": 0.6,
    "Леонид": 0.6,
    "Станислав": 0.6,
    "Руслан": 0.6,
    "Егор": 0.5,
    "Григорий": 0.4,
    "Георгий": 0.4,
    "Даниил": 0.4,
    "Эдуард": 0.4,
    "Артур": 0.4,
    "Тимур": 0.4,
    "Фёдор": 0.3,
    "Валентин": 0.3,
    "Степан": 0.2,
    "Ярослав": 0.2,
    "Глеб": 0.2,
    "Матвей": 0.2,
    "Тимофей": 0.2,
    "Семён": 0.2,
    "Аркадий": 0.2,
    "Филипп": 0.1,
    "Яков": 0.1,
    "Лев": 0.1,
    "Марк": 0.1,
    "Богдан": 0.1,
    "Ростислав": 0.1,
    "Всеволод": 0.1,
    "Святослав": 0.1,
}
FEMALE_GIVEN_NAMES = {
    "Елена": 7.5,
    "Ольга": 6.5,
    "Татьяна": 6.0,
    "Наталья": 6.0,
    "Ирина": 5.5,
    "Светлана": 4.5,
    "Анна": 4.0,
    "Марина": 3.0,
    "Мария": 3.0,
    "Екатерина": 3.0,
    "Юлия": 3.0,
    "Людмила": 2.5,
    "Галина": 2.5,
    "Надежда": 2.0,
    "Валентина": 2.0,
    "Любовь": 1.5,
    "Оксана": 1.5,
    "Анастасия": 2.0,
    "Евгения": 1.0,
    "Нина": 1.2,
    "Вера": 1.0,
    "Лариса": 1.0,
    "Виктория": 1.2,
    "Дарья": 1.0,
    "Ксения": 0.8,
    "Алёна": 0.6,
    "Кристина": 0.6,
    "Александра": 0.8,
    "Маргарита": 0.5,
    "Полина": 0.5,
    "Софья": 0.4,
    "Валерия": 0.4,
    "Алина": 0.5,
    "Елизавета": 0.4,
    "Тамара": 0.6,
    "Зоя": 0.2,
    "Раиса": 0.4,
    "Лидия": 0.4,
    "Жанна": 0.3,
    "Инна": 0.4,
    "Яна": 0.3,
    "Вероника": 0.3,
    "Диана": 0.3,
}
# Ranked as in the sources above.
FAMILY_NAMES_RANKED = [
    "Смирнов",
    "Иванов",
    "Кузнецов",
    "Соколов",
    "Попов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Петров",
    "Волков",
    "Соловьёв",
    "Васильев",
    "Зайцев",
    "Павлов",
    "Семёнов",
    "Голубев",
    "Виноградов",
    "Богданов",
    "Воробьёв",
    "Фёдоров",
    "Михайлов",
    "Беляев",
    "Тарасов",
    "Белов",
    "Комаров",
    "Орлов",
    "Киселёв",
    "Макаров",
    "Андреев",
    "Ковалёв",
    "Ильин",
    "Гусев",
    "Титов",
    "Кузьмин",
    "Кудрявцев",
    "Баранов",
    "Куликов",
    "Алексеев",
    "Степанов",
    "Яковлев",
    "Сорокин",
    "Сергеев",
    "Романов",
    "Захаров",
    "Борисов",
    "Королёв",
    "Герасимов",
    "Пономарёв",
    "Григорьев",
    "Лазарев",
    "Медведев",
    "Ершов",
    "Никитин",
    "Соболев",
    "Рябов",
    "Поляков",
    "Цветков",
    "Данилов",
    "Жуков",
    "Фролов",
    "Журавлёв",
    "Николаев",
    "Крылов",
    "Максимов",
    "Сидоров",
    "Осипов",
    "Белоусов",
    "Федотов",
    "Дорофеев",
    "Егоров",
    "Матвеев",
    "Бобров",
    "Дмитриев",
    "Калинин",
    "Анисимов",
    "Петухов",
    "Антонов",
    "Тимофеев",
    "Никифоров",
    "Веселов",
    "Филиппов",
    "Марков",
    "Большаков",
    "Суханов",
    "Миронов",
    "Ширяев",
    "Александров",
    "Коновалов",
    "Шестаков",
    "Казаков",
    "Ефимов",
    "Денисов",
    "Громов",
    "Фомин",
    "Давыдов",
    "Мельников",
    "Щербаков",
    "Блинов",
    "Колесников",
    "Карпов",
    "Афанасьев",
    "Власов",
    "Маслов",
    "Исаков",
    "Тихонов",
    "Аксёнов",
    "Гаврилов",
    "Родионов",
    "Котов",
    "Горбунов",
    "Кудряшов",
    "Быков",
    "Зуев",
    "Третьяков",
    "Савельев",
    "Панов",
    "Рыбаков",
    "Суворов",
    "Абрамов",
    "Воронов",
    "Мухин",
    "Архипов",
    "Трофимов",
    "Мартынов",
    "Емельянов",
    "Горшков",
    "Чернов",
    "Овчинников",
    "Селезнёв",
    "Панфилов",
    "Копылов",
    "Михеев",
    "Галкин",
    "Назаров",
    "Лобанов",
    "Лукин",
    "Беляков",
    "Потапов",
    "Некрасов",
    "Хохлов",
    "Жданов",
    "Наумов",
    "Шилов",
    "Воронцов",
    "Ермаков",
    "Дроздов",
    "Игнатьев",
    "Савин",
    "Логинов",
    "Сафонов",
    "Капустин",
    "Кириллов",
    "Моисеев",
    "Елисеев",
    "Кошелев",
    "Костин",
    "Горбачёв",
    "Орехов",
    "Ефремов",
    "Исаев",
    "Евдокимов",
    "Калашников",
    "Кабанов",
    "Носков",
    "Юдин",
    "Кулагин",
    "Лапин",
    "Прохоров",
    "Нестеров",
    "Харитонов",
    "Агафонов",
    "Муравьёв",
    "Ларионов",
    "Федосеев",
    "Зимин",
    "Пахомов",
    "Шубин",
    "Игнатов",
    "Филатов",
    "Крюков",
    "Рогов",
    "Кулаков",
    "Терентьев",
    "Молчанов",
    "Владимиров",
    "Артемьев",
    "Гурьев",
    "Зиновьев",
    "Гришин",
    "Кононов",
    "Дементьев",
    "Ситников",
    "Симонов",
    "Мишин",
    "Фадеев",
    "Комиссаров",
    "Мамонтов",
    "Носов",
    "Гуляев",
    "Шаров",
    "Устинов",
    "Вишняков",
    "Евсеев",
    "Лаврентьев",
    "Брагин",
    "Константинов",
    "Корнилов",
    "Авдеев",
    "Зыков",
    "Бирюков",
    "Шарапов",
    "Никонов",
    "Щукин",
    "Дьячков",
    "Одинцов",
    "Сазонов",
    "Якушев",
    "Красильников",
    "Гордеев",
    "Самойлов",
    "Князев",
    "Беспалов",
    "Уваров",
    "Шашков",
    "Бобылёв",
    "Доронин",
    "Белозёров",
    "Рожков",
    "Самсонов",
    "Мясников",
    "Лихачёв",
    "Буров",
    "Сысоев",
    "Фомичёв",
    "Русаков",
    "Стрелков",
    "Гущин",
    "Тетерин",
    "Колобов",
    "Субботин",
    "Фокин",
    "Блохин",
    "Селиверстов",
    "Пестов",
    "Кондратьев",
    "Силин",
    "Меркушев",
    "Лыткин",
    "Туров",
]


def feminine_family_name(family: str) -> str:
    """The female form of a family name in -ов, -ев, -ин (`Петров`, `Петрова`)."""
    return family + "а"


def patronymics_of(given: str) -> list[str]:
    """The male and female patronymics formed from a father's given name (`Сергей`: `Сергеевич`, `Сергеевна`)."""
    irregular = {"Илья": ["Ильич", "Ильинична"], "Никита": ["Никитич", "Никитична"], "Лев": ["Львович", "Львовна"]}
    if given in irregular:
        return irregular[given]
    if given == "Дмитрий":
        return ["Дмитриевич", "Дмитриевна"]
    if given.endswith("ий"):
        stem = given[:-2] + "ь"
    elif given.endswith(("й", "ь")):
        stem = given[:-1]
    else:
        stem = given
    suffix = ("евич", "евна") if given.endswith(("й", "ь")) else ("ович", "овна")
    return [stem + suffix[0], stem + suffix[1]]


def _skeleton(word: str) -> str:
    (only,) = spelling_skeletons(word)
    return only


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Build the share tables keyed by skeleton: given names, family names, patronymics."""
    given: dict[str, float] = {}
    for table in (MALE_GIVEN_NAMES, FEMALE_GIVEN_NAMES):
        for name, percent in table.items():
            skeleton = _skeleton(name)
            given[skeleton] = given.get(skeleton, 0.0) + percent / 100 / 2
    family: dict[str, float] = {}
    for rank, name in enumerate(FAMILY_NAMES_RANKED, start=1):
        share = 0.018 * rank**-0.8
        for form in (name, feminine_family_name(name)):
            skeleton = _skeleton(form)
            family[skeleton] = family.get(skeleton, 0.0) + share / 2
    patronymic: dict[str, float] = {}
    for name, percent in MALE_GIVEN_NAMES.items():
        for form in patronymics_of(name):
            skeleton = _skeleton(form)
            patronymic[skeleton] = patronymic.get(skeleton, 0.0) + percent / 100 / 2
    return given, family, patronymic


def is_given_name(skeletons: frozenset[str]) -> bool:
    """Tell whether a name part is one of the common Russian given names."""
    given, _, _ = _tables()
    return any(skeleton in given for skeleton in skeletons)


def name_part_share(skeletons: frozenset[str], *, patronymic: bool) -> float:
    """Return the share of people bearing this name part in its role (patronymic, given or family name)."""
    given, family, patronymics = _tables()
    if patronymic:
        return max((patronymics.get(s, 0.0) for s in skeletons), default=0.0) or UNKNOWN_PATRONYMIC_SHARE
    # A part in no particular role (a two-part name cannot tell a patronymic from a surname) is looked up in
    # every table, most common role first.
    for table in (given, family, patronymics):
        known = max((table.get(s, 0.0) for s in skeletons), default=0.0)
        if known:
            return known
    return UNKNOWN_FAMILY_SHARE


def expected_namesakes(shares: list[float], date_share: float = 1.0) -> float:
    """Estimate how many people in Russia bear all these name parts (and, when given, the birth date)."""
    people = POPULATION * date_share
    for share in shares:
        people *= share
    return people
