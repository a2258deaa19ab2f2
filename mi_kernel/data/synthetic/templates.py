"""Text templates of the synthetic documents: news articles, 8-K-like filings, call transcripts.

Placeholders: ``{name}`` legal name, ``{short}`` short name, ``{tag}`` the first mention (the
name with or without ``(NYSE: TICKER)``), ``{other}`` the counterparty's legal name, ``{exec}``
a person, ``{q}`` the quarter, ``{eps}``/``{est}`` earnings per share and the consensus,
``{pct}`` a percentage, ``{prem}`` a takeover premium, ``{sector}`` the sector in lower case.
Positive stories use Loughran-McDonald positive words, negative ones its negative words, the
rest neither (so a lexicon has something honest to find).
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """What a synthetic document reports (the ground-truth label)."""

    EARNINGS_BEAT = "earnings_beat"
    EARNINGS_MISS = "earnings_miss"
    GUIDANCE = "guidance"
    M_AND_A = "m_and_a"
    LITIGATION = "litigation"
    MANAGEMENT_CHANGE = "management_change"
    NONE = "none"


E = EventType
#: Events a story of each sentiment sign can report (drawn uniformly).
BY_SIGN = {
    1: (E.EARNINGS_BEAT, E.GUIDANCE, E.M_AND_A),
    -1: (E.EARNINGS_MISS, E.GUIDANCE, E.LITIGATION),
    0: (E.MANAGEMENT_CHANGE, E.NONE, E.NONE),
}

TITLES: dict[tuple[EventType, int], tuple[str, str]] = {
    (E.EARNINGS_BEAT, 1): (
        "{short} beats {q} earnings estimates",
        "{short} tops analyst forecasts for the {q}",
    ),
    (E.EARNINGS_MISS, -1): (
        "{short} misses {q} earnings estimates",
        "{short} falls short of {q} profit forecasts",
    ),
    (E.GUIDANCE, 1): ("{short} raises full-year outlook", "{short} lifts its annual guidance"),
    (E.GUIDANCE, -1): ("{short} cuts full-year outlook", "{short} lowers its annual guidance"),
    (E.M_AND_A, 1): (
        "{other} to acquire {short} at a {prem}% premium",
        "{short} agrees to {other} takeover",
    ),
    (E.LITIGATION, -1): (
        "{short} sued over alleged contract breach",
        "Lawsuit filed against {short} over contract dispute",
    ),
    (E.MANAGEMENT_CHANGE, 0): (
        "{short} names {exec} chief executive",
        "{short} appoints {exec} as new CEO",
    ),
    (E.NONE, 0): (
        "{short} to present at {sector} industry conference",
        "{short} schedules investor day presentation",
    ),
}

BODIES: dict[tuple[EventType, int], tuple[str, ...]] = {
    (E.EARNINGS_BEAT, 1): (
        "{tag} reported {q} earnings of {eps} dollars per share, exceeding the consensus "
        "estimate of {est} dollars.",
        "Revenue rose {pct} percent on strong demand, and margins improved.",
        "Chief executive {exec} said the results reflect successful execution and record orders.",
        "The company said profitability gains were broad based across its {sector} units.",
        "Analysts said the quarter was a clear achievement after an improved backlog.",
    ),
    (E.EARNINGS_MISS, -1): (
        "{tag} reported {q} earnings of {eps} dollars per share, below the consensus "
        "estimate of {est} dollars.",
        "Revenue declined {pct} percent as demand weakened, and margins deteriorated.",
        "Chief executive {exec} said the shortfall reflected adverse pricing and losses in "
        "its {sector} units.",
        "The company recorded an impairment charge and warned of continued weakness.",
        "Analysts said the disappointing quarter raised concerns about slowing orders.",
    ),
    (E.GUIDANCE, 1): (
        "{tag} raised its full-year outlook, now expecting revenue growth of {pct} percent.",
        "Chief executive {exec} cited strong bookings and improved efficiency.",
        "The company said favorable trends in {sector} markets should continue.",
        "The upgrade follows gains in market share and a stronger pipeline.",
    ),
    (E.GUIDANCE, -1): (
        "{tag} cut its full-year outlook, now expecting revenue to decline {pct} percent.",
        "Chief executive {exec} cited weak bookings and adverse currency effects.",
        "The company said difficult conditions in {sector} markets could persist.",
        "The downgrade follows losses of market share and delays in key contracts.",
    ),
    (E.M_AND_A, 1): (
        "{other} agreed to acquire {tag} in a cash deal valuing the company at an attractive "
        "{prem} percent premium to its last close.",
        "The boards of both companies approved the merger, which is expected to close "
        "within two quarters.",
        "{exec}, chief executive of {short}, said the combination creates a stronger "
        "{sector} leader.",
        "Shareholders of {short} will receive cash for each share held and benefit from the "
        "premium.",
    ),
    (E.LITIGATION, -1): (
        "A former customer filed a lawsuit against {tag}, alleging breach of contract and "
        "seeking damages of {pct} million dollars.",
        "The complaint, filed in federal court, claims the company misrepresented delivery terms.",
        "{short} said it would vigorously defend itself against the allegations.",
        "Legal experts said the litigation could lead to penalties and adverse publicity.",
    ),
    (E.MANAGEMENT_CHANGE, 0): (
        "{tag} named {exec} as chief executive officer from next month.",
        "{exec} replaces the current chief executive, who will remain an adviser to the board.",
        "{exec} previously ran the company's {sector} operations.",
        "The board said the transition follows a planned succession process.",
    ),
    (E.NONE, 0): (
        "{tag} will present at a {sector} industry conference next week.",
        "Chief financial officer {exec} is scheduled to speak to investors.",
        "The company will publish the presentation on its website.",
        "A replay of the webcast will be available for thirty days.",
    ),
}

#: Background sentences: two are drawn per article (neutral words, story-specific numbers).
CONTEXT = (
    "{short} is based in {city} and employs about {staff} people.",
    "Its shares have moved {ytd} percent so far this year.",
    "The company had revenue of {rev} billion dollars in its last fiscal year.",
    "{short} operates in {n_countries} countries.",
    "The stock trades at {pe} times expected earnings.",
    "{short} was founded in {founded} in {city}.",
    "About {inst} percent of its shares are held by institutions.",
    "The company last reported results {weeks} weeks ago.",
    "{short} has {segments} reporting segments.",
    "Its market value is about {mcap} billion dollars.",
    "Trading volume in the stock was {vol} million shares on the previous day.",
    "{short} pays a quarterly dividend of {div} cents per share.",
    "{short} completed a small acquisition in {founded}.",
    "The company last changed its outlook {weeks} weeks ago.",
    "A lawsuit over a {founded} contract was settled years ago.",
)
CITIES = (
    "Boston", "Denver", "Austin", "Chicago", "Seattle", "Atlanta", "Phoenix", "Columbus",
    "Portland", "Raleigh", "Nashville", "Omaha", "Tampa", "Pittsburgh", "San Diego",
)  # fmt: skip

#: Rewording of a duplicate: word and phrase swaps applied to the copy.
SYNONYMS = (
    ("reported", "posted"),
    ("chief executive", "CEO"),
    ("Revenue", "Sales"),
    ("said", "stated"),
    ("percent", "pct"),
    ("The company", "The firm"),
    ("Analysts", "Market watchers"),
)

FILING_ITEMS = {
    E.EARNINGS_BEAT: "Item 2.02 Results of Operations and Financial Condition",
    E.EARNINGS_MISS: "Item 2.02 Results of Operations and Financial Condition",
    E.GUIDANCE: "Item 7.01 Regulation FD Disclosure",
    E.M_AND_A: "Item 1.01 Entry into a Material Definitive Agreement",
    E.LITIGATION: "Item 8.01 Other Events",
    E.MANAGEMENT_CHANGE: "Item 5.02 Departure and Appointment of Certain Officers",
}
FILING = (
    "Form 8-K of {name}, {item}.",
    "{first}",
    "{rest}",
    "Exhibit 99.1: press release.",
)
CALL = (
    "{name} {q} earnings call. Operator: Good day and welcome to the {short} conference call.",
    "{exec}, chief executive officer: {first}",
    "Question and answer session. Analyst: Can you talk about demand in {sector}?",
    "{exec}: {second}",
    "Analyst: How should we think about margins for the rest of the year?",
    "{exec}: {third}",
    "{exec}: {rest}",
    "Operator: This concludes today's call.",
)
