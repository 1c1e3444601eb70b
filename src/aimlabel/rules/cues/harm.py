"""Statements about harm: denied ("no harm has occurred"), happened ("led to losses"),
prevented ("thwarted the attack") or meant to be prevented ("intended to prevent fraud").

A no-harm statement that is itself negated, imagined, definitional ("an incident requires that
harm has occurred") or someone else's claim is marked or dropped, and one limited to a kind of
harm, a source or a time ("no physical harm", "no harm from the model itself", "until this week")
is `qualified`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aimlabel.rules.cues.common import (
    DEFINITIONAL,
    MODAL_WORDS,
    NEGATING_WORDS,
    OTHER_SOURCES,
    asserted,
    class_name,
    conditional,
    distinct,
    hedged_by_modal,
    said_by_others,
)
from aimlabel.rules.cues.words import (
    ADJ,
    ANY,
    ATTACKS,
    CAUSE,
    EVIDENCE,
    HARM,
    HARM_EVENTS,
    HARM_VERB_PAST,
    HARMED,
    HARMED_GENERAL,
    HARMED_PHYSICAL,
    HARMISH,
    INTENT,
    NEG_DO,
    OCCUR,
    PEOPLE,
    PREVENTED,
    PREVENTING,
    PROTECTIVE,
    QUALIFIERS,
    REAL,
    REPORT,
)
from aimlabel.rules.language import Hit, Text
from aimlabel.rules.patterns import Phrases, phrase


@dataclass(frozen=True)
class Statement:
    """A statement found in a text: the hit, and whether it is limited to one kind of harm (or
    is someone else's claim, "the company says ...")."""

    hit: Hit
    qualified: bool = False

    @property
    def text(self) -> str:
        return self.hit.text


_NO_HARM = Phrases([
    phrase("(?:no|zero|without|nor) {ANY}? {ADJ}* {HARM} (?:(?:or|and|nor|,) (?:\\S+ )?(?:{HARM}) )*", ANY=ANY, ADJ=ADJ, HARM=HARM_EVENTS),
    phrase("{NEG} {REPORT} (?:a |any |an |one )?(?:single |particular |specific |concrete |actual |real |documented )?(?:case|cases|instance|instances|example|examples|victim|victims)", NEG=NEG_DO, REPORT=REPORT),
    phrase("(?:no|nobody) (?:\\S+ ){0,2}(?:{GROUP}) (?:is|are|was|were|has been|have been) (?:described|reported|documented|mentioned|identified|named|cited|known|said|shown) (?:as )?(?:\\S+ ){0,4}", GROUP="|".join(sorted({"patient","patients","person","people","user","users","victim","victims","family","families","child","children","customer","customers","student","students","worker","workers","resident","residents","consumer","consumers","citizen","citizens","individual","individuals","passenger","passengers","voter","voters","applicant","applicants"}))),
    phrase("(?:no|nothing|nobody|none) (?:\\S+ ){0,3}(?:was|were|has been|have been|had been|got) (?:\\S+ )?(?:lost|damaged|harmed|hurt|stolen|leaked|affected|injured|killed|exposed|compromised|defrauded|scammed|transferred|paid|taken|withdrawn|sent)", ),
    phrase("(?:escaped|were left|was left|left|remained|emerged|walked away) (?:\\S+ )?(?:unhurt|unharmed|uninjured|unscathed)", ),
    phrase("{NEG} (?:yet )?(?:actually )? {REPORT} (?:on )?(?:to )? {ANY}? {ADJ}* {HARM}", NEG=NEG_DO, REPORT=REPORT, ANY=ANY, ADJ=ADJ, HARM=HARM),
    phrase("{HARM} (?:has|have|had|is|are|was|were) not (?:yet )?(?:actually )? {OCCUR}", HARM=HARM, OCCUR=OCCUR),
    phrase("{HARM} (?:has|have|had) yet to (?:occur|happen|materialize|materialise|be reported|be documented|take place)", HARM=HARM),
    phrase("(?:describes|reports|mentions|documents|shows|cites|finds|found|records) none", ),
    phrase("{HARM} (?:is|are|was|were|remains|remain) (?:only |purely |still |merely |currently )?(?:potential|hypothetical|speculative|theoretical|prospective|anticipated|possible)", HARM=HARM),
    phrase("{NEG} (?:yet )?(?:directly |actually |indirectly )? {CAUSE} {ANY}? {ADJ}* {HARM}", NEG=NEG_DO, CAUSE=CAUSE, ANY=ANY, ADJ=ADJ, HARM=HARM),
    phrase("{PEOPLE} (?:was|were|has been|have been|had been|is|are|got) (?:yet )?(?:actually )? {HARMED}", PEOPLE=PEOPLE, HARMED=HARMED_GENERAL + "|" + HARMED_PHYSICAL),
    phrase("(?:no|without|nor|lack of|absence of) {ANY}? (?:clear |direct |concrete )?(?:{EVIDENCE}|reports?|record|records|instances?|cases?) (?:of|that) {ANY}? {ADJ}* {HARM}", ANY=ANY, EVIDENCE=EVIDENCE, ADJ=ADJ, HARM=HARM),
])


_REAL_HARM = phrase("{REAL} {ADJ}* (?:{HARM}|harm)", REAL=REAL, ADJ=ADJ, HARM=HARMISH)


_REALISED = Phrases([
    _REAL_HARM,
    phrase("{HARM} (?:\\S+ ){0,6}(?:has|have|had) (?:already |actually |indeed |clearly |directly |now |thus )?(?:occurred|happened|materialized|materialised|resulted|been caused|been done|been inflicted|been suffered|ensued|taken place)", HARM=HARM),
    phrase("(?:has|have|had|which|that|this|it|and)? (?:directly |indirectly |already |allegedly |reportedly |actually |clearly )?(?:caused|led to|resulted in|inflicted|produced|contributed to|brought about|triggered|enabled|facilitated|fueled|fuelled) {ANY}? (?:\\S+ ){0,2}{HARMISH}", ANY=ANY, HARMISH=HARMISH),
    phrase("(?:causing|leading to|resulting in|inflicting|contributing to) {ANY}? (?:\\S+ ){0,2}{HARMISH}", ANY=ANY, HARMISH=HARMISH),
    phrase("(?:was|were|has been|have been|had been|got|being|been) (?:wrongly |falsely |wrongfully |illegally |unlawfully |directly |reportedly |allegedly |actually |already |unfairly |mistakenly |seriously |fatally |critically |badly )? {HARMED}", HARMED=HARMED),
    phrase("{VERB}", VERB=HARM_VERB_PAST),
    phrase("(?:has |have |had )?(?:already|wrongly|unfairly|mistakenly|falsely|repeatedly|systematically) (?:\\S+ )?(?:rejected|denied|excluded|flagged|penalised|penalized|blocked|removed|banned|fined|charged|targeted|downgraded|lowered|cut)", ),
    phrase("(?:constitutes|constituting|constituted|amounts to|amounting to|represents|representing|involves|involving|involved|is|was|are|were) (?:a |an )?(?:clear |direct |serious |significant |actual )?(?:violation|violations|breach|breaches|infringement|infringements|harm|harms|damage)", ),
    phrase("(?:left|leaving|leaves) (?:\\S+ ){0,3}(?:dead|injured|wounded|hurt|homeless|stranded|penniless|in debt|in hospital|unemployed|without)", ),
    phrase("(?:resulting|resultant|ensuing|consequent|reported|documented|alleged) (?:{ADJ} )*(?:harm|harms|damage|losses|injuries|deaths|violations)", ADJ=ADJ),
])


_PREVENTED = Phrases([
    phrase("(?:successfully |narrowly |ultimately |effectively |quickly |promptly |reportedly |directly )? {PREVENTED} {ANY}? {ADJ}* {ATTACKS} {ATTEMPT}?", ATTEMPT="attempt|attempts|attempted|transfer|transfers|payment|payments|call|calls|campaign|attack|attacks|scheme|schemes", PREVENTED=PREVENTED, ANY=ANY, ADJ=ADJ, ATTACKS=ATTACKS),
    phrase("{ATTACKS} (?:was|were|had been|has been|have been|being|got) (?:successfully |narrowly |ultimately |effectively |quickly |promptly |reportedly )? {PREVENTED}", ATTACKS=ATTACKS, PREVENTED=PREVENTED),
    phrase("(?:led|leading|contributed|contributing|lead|leads) to the (?:prevention|avoidance|interception|detection and prevention) of", ),
    phrase("(?:directly |successfully |effectively )? {PREVENTING} {ANY}? {ADJ}* {ATTACKS}", PREVENTING=PREVENTING, ANY=ANY, ADJ=ADJ, ATTACKS=ATTACKS),
    phrase("(?:stopped|contained|caught|halted|detected|identified|flagged|intercepted|blocked|neutralized|neutralised) (?:it |them |the \\w+ )?before (?:any |widespread |significant |serious |major |further |much |real )?(?:harm|damage|loss|losses|injury|injuries|money|funds|spread|impact|casualties)", ),
    phrase("{NEAR_MISS}", NEAR_MISS="near miss|near misses|near-miss|near-misses"),
    phrase("(?:was|were) able to (?:stop|prevent|block|thwart|avert|foil|intercept|halt)", ),
    phrase("(?:harm|damage|disaster|tragedy|catastrophe|accident|crash|collision|loss) (?:was|were|had been|has been) (?:narrowly |successfully )?(?:avoided|averted|prevented)", ),
])


_PROTECTIVE_INTENT = Phrases([
    phrase("{INTENT} (?:to )?(?:help )?(?:to )? {PROTECTIVE}", INTENT=INTENT, PROTECTIVE=PROTECTIVE),
    phrase("(?:harm|risk|fraud|damage|loss|crime) (?:mitigation|reduction|prevention|detection)", ),
    phrase("(?:mitigate|mitigates|mitigated|mitigating|reduce|reduces|reduced|reducing|minimize|minimizes|minimise|minimises) (?:the |potential |possible )?(?:harm|harms|risk|risks|damage|impact|losses)", ),
    phrase("(?:saved|saving|saves) (?:lives|a life|money|people)", ),
    phrase("(?:prevention|avoidance) of {ANY}? {ADJ}* {ATTACKS}", ANY=ANY, ADJ=ADJ, ATTACKS=ATTACKS),
])


_PHYSICAL_NOUNS = frozenset("injury injuries death deaths casualties fatalities casualty".split())


_EARLIER = frozenset("until before previously earlier initially originally formerly once".split())


_ANYONE = frozenset("one nobody body people person persons individual individuals".split())
_GROUPS = frozenset(
    "child children patient patients student students pupil pupils user users customer customers family families "
    "worker workers employee employees resident residents passenger passengers voter voters consumer consumers "
    "driver drivers pedestrian pedestrians member members citizen citizens client clients applicant applicants "
    "teenager teenagers minor minors woman women man men".split()
)


_VERBS_AFTER_GROUP = frozenset("was were has have had is are got".split())


def _qualified(text: Text, hit: Hit) -> bool:
    """A no-harm statement about one kind of harm ("no physical harm", "no deaths"), harm from
    one source ("from X itself"), or an earlier time ("until this week no harm ...")."""
    sentence = text.sentences[hit.sentence]
    span = set(sentence.words[hit.first : hit.last + 1])
    clause = set(sentence.words[sentence.clause_start(hit.first) : sentence.clause_end(hit.last) + 1])
    harm_nouns = span & _ALL_HARM_NOUNS
    if (harm_nouns and harm_nouns <= _PHYSICAL_NOUNS) or clause & _EARLIER:
        return True
    first_words = sentence.words[hit.first : hit.first + 2]
    third = sentence.words[hit.first + 2] if hit.first + 2 < len(sentence.words) else ""
    if first_words[:1] == ["no"] and len(first_words) == 2 and first_words[1] in _GROUPS and third in _VERBS_AFTER_GROUP:
        return True  # "no child was harmed": one group of people, not everyone
    after = sentence.after(hit.last, 6)
    return bool(span & QUALIFIERS) or "itself" in sentence.words[hit.first : sentence.clause_end(hit.last) + 1] or (
        bool(after) and after[0] in ("from", "by") and "article" not in after[:3]
    ) or bool(span & {"hurt", "injured", "killed", "wounded", "died"})


_ALL_HARM_NOUNS = frozenset(HARM_EVENTS.split("|"))


_LATER_HARM = frozenset("new further additional more subsequent fresh".split())


def no_harm_statements(text: Text) -> list[Statement]:
    """"No harm has occurred", "does not report any realized harm", "rather than a realized incident".

    Not: a claim the rationale attributes to someone else, and "no new/further harm", which says
    harm happened before."""
    hits = [hit for hit in text.find_each(_NO_HARM) if not hit.negated]
    hits += [hit for hit in text.find(_REAL_HARM) if hit.negated]
    return [
        Statement(hit, _qualified(text, hit) or said_by_others(text, hit)) for hit in distinct(hits)
        if not set(text.sentences[hit.sentence].words[hit.first : hit.last + 1]) & _LATER_HARM
        and not set(text.sentences[hit.sentence].before(hit.first)) & DEFINITIONAL
    ]


_PREVENTION_WORDS = frozenset(
    "prevention prevented preventing prevent avoidance avoided averted averting mitigation mitigated reduction "
    "reduced thwarted foiled".split()
)


def realised_harm(text: Text) -> list[Hit]:
    """Statements that harm has happened: "led to fraudulent calls", "victims were defrauded"
    (not "led to the prevention of serious harm")."""
    hits = [h for h in asserted(text, _REALISED) if not set(text.sentences[h.sentence].words[h.first : h.last + 1]) & _PREVENTION_WORDS]
    banned = {(s.hit.sentence, i) for s in no_harm_statements(text) for i in range(s.hit.first, s.hit.last + 1)}
    return [
        h for h in hits
        if (h.sentence, h.first) not in banned and not conditional(text, h)
        and not set(text.sentences[h.sentence].before(h.first)) & DEFINITIONAL
        and not set(text.sentences[h.sentence].words[h.first : h.last + 1]) & NEGATING_WORDS
    ]


def prevented_harm(text: Text) -> list[Hit]:
    """The AI stopped harm: "thwarted the fraud attempt", "led to the prevention of", "a near miss"."""
    return distinct([h for h in text.find_each(_PREVENTED) if not h.negated and not hedged_by_modal(text, h)])


def protective_intent(text: Text) -> list[Hit]:
    """The AI is there to stop harm: "intended to prevent harm", "harm mitigation"."""
    return distinct([h for h in text.find_each(_PROTECTIVE_INTENT) if not h.negated])


_HARM_KINDS = phrase(
    "{KIND}",
    KIND=HARM_EVENTS + "|death|arrest|arrests|detention|discrimination|bias|misinformation|disinformation|defamation|"
    "suicide|collision|collisions|exposure|outage|outages|disruptions|denial|denials|infringement|harassment|"
    "exploitation|manipulation|misidentification|layoffs|dismissals|extortion|blackmail|impersonation|deception|"
    "surveillance|personal data|data breach|disclosure|disclosed|exposed|disruption|distress|rights|privacy|reputation|discrimination|misinformation|defamation|harassment|"
    "exclusion|denied|wrongful|unfair|unlawful|illegal|trauma|anxiety|humiliation|embarrassment|outage",
)


def names_harm_beyond(text: Text, statements: list[Statement]) -> bool:
    """Whether the text names some harm outside the given no-harm statements."""
    inside = {(s.hit.sentence, i) for s in statements for i in range(s.hit.first, s.hit.last + 1)}
    return any(
        (h.sentence, h.first) not in inside and not h.negated and not class_name(text, h)
        for h in text.find(_HARM_KINDS)
    )


_HAPPENED = Phrases([
    _REAL_HARM,
    phrase("{HARM} (?:\\S+ ){0,6}(?:has|have|had) (?:already |actually |indeed |clearly |now )?(?:occurred|happened|materialized|materialised|been caused|been done|been suffered|taken place)", HARM=HARM),
    phrase("(?:has|have|had) (?:already |directly |actually )?(?:caused|led to|resulted in|inflicted) {ANY}? (?:\\S+ ){0,2}{HARMISH}", ANY=ANY, HARMISH=HARMISH),
    phrase("(?:has|have|had) (?:already )?been (?:wrongly |falsely |wrongfully |illegally |unlawfully |already )?(?:harmed|injured|killed|defrauded|scammed|arrested|detained|misidentified|discriminated against|denied|rejected|evicted|fired|misdiagnosed|extorted|blackmailed|exposed|leaked|stolen)", ),
    phrase("(?:victims|people|users|customers|patients|families|consumers|residents|applicants) (?:\\S+ ){0,2}(?:have |has |had )?(?:already )?(?:lost|suffered|been harmed|been defrauded|been denied|been rejected)", ),
])


def harm_happened(text: Text) -> list[Hit]:
    """Only the explicit forms of harm that happened, in sentences that imagine nothing:
    "realized harm", "harm has occurred", "has already led to losses", "victims have lost"."""
    hits = []
    for hit in asserted(text, _HAPPENED):
        sentence = text.sentences[hit.sentence]
        if set(sentence.words) & MODAL_WORDS or set(sentence.before(hit.first)) & DEFINITIONAL:
            continue
        if set(sentence.words[hit.first : hit.last + 1]) & NEGATING_WORDS:
            continue
        clause = sentence.words[sentence.clause_start(hit.first) : sentence.clause_end(hit.last) + 1]
        if not set(clause) & OTHER_SOURCES:
            hits.append(hit)
    return hits
