"""Which class a rationale concludes, read the way a person reads AIM's formulas.

A rationale names classes in many roles. Only some of them are its conclusion:

- asserted: "this qualifies as an AI Incident", "fits the definition of an AI Hazard",
  "making it Complementary Information", "the classification is AI Hazard";
- negated, as a whole list: "rather than a hazard or complementary information", "it is not an
  AI Incident or Complementary Information", "neither ... nor ...", "no indication that an AI
  Incident has occurred";
- hypothetical: "could plausibly lead to an AI Incident", "the risk of an AI Incident",
  "a potential AI Incident";
- a reference: "an update on a previously reported AI Incident", "the definition of an AI
  Incident requires harm".

Each mention (or list of mentions joined by "or", "and", commas) gets one role from the words
that govern it in its clause. The conclusion is the class asserted in the last sentence that
asserts one; it is `strong` when an assertion verb says so outright, `weak` when hedged
("could be considered") or only implied ("an AI Incident has occurred").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from aimlabel.rules.language import HEDGES, HEDGING_PHRASES, NEGATING_PHRASES, NEGATORS, Sentence, Text, parse

INCIDENT = "AI Incident"
HAZARD = "AI Hazard"
COMPLEMENTARY = "Complementary Information"
UNRELATED = "Unrelated"
GENERAL_NEWS = "general news"
BENEFICIAL = "beneficial use"
CLASSES = (INCIDENT, HAZARD, COMPLEMENTARY, UNRELATED)

Role = Literal["asserted", "hedged", "negated", "hypothetical", "reference", "neutral"]
Strength = Literal["strong", "weak"]

# Words that may sit between the governing construction and the class: "is clearly a serious AI Incident".
_FILLERS = frozenset(
    "a an the its serious clear clearly genuine actual realized realised real true full fully now already "
    "effectively essentially arguably plainly squarely firmly likewise ultimately undoubtedly certainly "
    "definitely evidently obviously consequently accordingly "
    "standalone distinct separate new specific credible more most best better also indeed thus therefore "
    "hence so rightly correctly appropriately properly accurately primarily mainly rather purely merely "
    "simply just only still itself instead both either "
    "significant notable typical classic direct indirect concrete documented confirmed reported an".split()
)
_CONCLUDING = frozenset("therefore thus hence so consequently accordingly ultimately overall".split())
_LIST_JOINERS = (frozenset(", or and nor / either even also as being".split()) | _FILLERS) - _CONCLUDING
_REFERENCE_MODIFIERS = frozenset(
    "previous previously prior past earlier other similar existing known reported original separate related "
    "underlying wider broader ongoing recorded documented famous notorious".split()
)
_FUTURE_MODIFIERS = frozenset("potential possible plausible future hypothetical imminent prospective looming eventual".split())
_PREVENTIVE = frozenset("prevent preventing prevention avoid avoiding avert averting stop stopping".split())
_MODALS = frozenset("could may might would can".split())

_EXAMPLE_OF = r"(?:(?:an?|the) (?:(?:clear|typical|classic|textbook|concrete|real|good) )?(?:example|case|instance|form|type|kind) of )?"
_ASSERTION_END = [
    re.compile(p + _EXAMPLE_OF + r"$")
    for p in (
        r"\b(?:is|are|was|were|be|been|being|remains|remain|stays|becomes) (?:(?:best|most|more|better|therefore|thus|hence|also|indeed|clearly|properly|correctly|appropriately|accurately|primarily|mainly|rightly|still|fairly|reasonably|aptly) )*(?:(?:considered|classified|categori[sz]ed|labell?ed|described|characteri[sz]ed|identified|treated|regarded|seen|viewed|deemed|understood|recorded|flagged|marked) )?(?:(?:as|to be) )?",
        r"\b(?:constitutes|constitute|constituted|constituting|represents|represent|represented|representing|amounts to|amount to|amounting to|counts as|count as|counting as|qualifies as|qualify as|qualified as|qualifying as|qualifies|classified as|classed as|treats as|treat as|treated as|read as|best read as|understood as|counted as|filed as|listed as|logged as|coded as|tagged as|taken as|has become|have become|become|became|classify (?:it |this |this \w+ |the \w+ )?as|label (?:it|this|this \w+|the \w+)(?: as)?|labels (?:it|this|this \w+|the \w+)(?: as)?|labelled (?:it|this|this \w+|the \w+)(?: as)?|classifying (?:it|this|the \w+ )?as|categori[sz]ed as|categori[sz]e (?:it|this )?as|labell?ed as|label (?:it|this )?as|labelling (?:it|this )?as|considered|considered as|considered to be|deemed|deemed to be|regarded as|treated as|seen as|viewed as|described as|identified as|characteri[sz]ed as|recogni[sz]ed as|reflects|exemplifies|signals) ",
        r"\b(?:fits|fit|fitting|fitted|meets|meet|meeting|met|satisfies|satisfy|satisfying|matches|match|matching|aligns with|align with|aligning with|aligned with|conforms to|corresponds to|falls under|falls within|falls into|fall under|fall within|falling under|falling within|falls in|belongs to|belong to|in line with|consistent with|under) (?:(?:the|all|all the|both) )?(?:(?:oecd|oecd's|official|established|given|stated|standard|aim|aim's) )?(?:(?:definition|definitions|criteria|criterion|threshold|category|description|classification|characteristics|scope|requirements?|conditions|profile|label|class|framework|notion|concept|bar) (?:of|for) )?",
        r"\b(?:making|makes|make|made|rendering|renders|render|leaving|leaves) (?:it|this|this event|the event|this article|the article|this case|the case|this situation|the situation|them|this report|the report|the story|this story|this news|the news) ",
        r"\b(?:places|place|placed|placing|puts|put|putting|belongs|belong|sits|sit|goes|go|lands|land|falls|fall) (?:it |this |the \w+ |them )?(?:squarely |firmly |clearly |therefore |thus )?(?:in|into|under|within) ",
        r"\b(?:classification|category|class|label|verdict|determination|conclusion|designation) (?:is|as|remains|would be|should be|of (?:this|the) (?:event|article|case|situation) is|here is|for this (?:event|article) is) ",
        r"\b(?:provides|provide|providing|offers|offer|offering|adds|add|adding|serves as|serve as|serving as|functions as|acts as) (?:(?:primarily|mainly|largely|merely|only|simply) )?",
        r"\bas ",
    )
]
# Weaker: the article "describes an AI Incident" says what it is about, not how it is classed.
_REPORTS_END = re.compile(
    r"\b(?:describes|describe|described|describing|reports|report|reported|reporting|documents|document|documented|"
    r"details|detail|detailed|presents|present|depicts|depict|concerns|concern|involves|involve|shows|show|"
    r"recounts|covers|cover) " + _EXAMPLE_OF + "$"
)
_CLASS_AT_COLON = frozenset("classification class label category verdict conclusion determination".split())
_AFTER_ASSERTS = re.compile(
    r"^(?:(?:is|remains|would be|seems|appears|is therefore|is thus) )?(?:the )?(?:(?:most|more|best|only) )?"
    r"(?:appropriate|correct|fitting|suitable|accurate|best|right|proper|apt|reasonable|applicable|relevant|valid) "
    r"(?:classification|label|category|class|designation|characteri[sz]ation|determination|fit)"
    r"|^(?:classification|label|category|designation|class) (?:is )?(?:appropriate|warranted|justified|applies|fits|is the right one)"
    r"|^in (?:the |this )?(?:monitor's|aim's|oecd's|oecd|aim|monitor) (?:sense|definition|terms|meaning)"
    r"|^(?:applies|fits best|is appropriate|is warranted|is justified|label applies|classification applies)"
)
_AFTER_NEGATES = re.compile(
    r"^(?:(?:criteria|criterion|definition|threshold|requirements?|conditions|label|classification) )?"
    r"(?:(?:is|are|was|were|has|have|had|does|do) )?(?:(?:clearly|also|therefore|thus) )?(?:not|never) "
    r"(?:yet )?(?:(?:been|be) )?(?:met|satisfied|applicable|warranted|appropriate|fulfilled|occurred|happened|"
    r"apply|the case|justified|supported|present|reached|established|fit|fits)"
    r"|^(?:(?:is|are) )?(?:ruled out|excluded|inapplicable|unwarranted|not the case)"
    r"|^(?:(?:can|could|may|must|should|are|is) )?(?:be |been )?(?:ruled out|excluded|discounted|dismissed|set aside|eliminated)"
    r"|^(?:has|have) yet to (?:occur|happen|materiali[sz]e)"
)
_AFTER_HEDGES = re.compile(
    r"^(?:(?:could|may|might|would|can|will) (?:(?:plausibly|potentially|eventually|possibly|soon|also|still|yet) )?"
    r"(?:occur|happen|arise|result|follow|materiali[sz]e|emerge|develop|ensue|take place|be triggered|unfold))"
    r"|^(?:in the future|down the line|if\b)"
)
_AFTER_OCCURRED = re.compile(
    r"^(?:(?:has|have|had) (?:(?:already|actually|indeed|clearly|in fact) )?(?:occurred|happened|taken place|materiali[sz]ed)"
    r"|occurred|happened|took place|materiali[sz]ed)"
)
_REFERENCE_END = re.compile(
    r"(?:\bupdates? (?:on|to|about|regarding|of)|\bfollow[ -]?ups? (?:on|to|of)|\bresponses? (?:to|of)|\breactions? to|"
    r"\brelated to|\blinked to|\bin relation to|\bconnected to|\bassociated with|\btied to|\babout|\bregarding|"
    r"\bconcerning|\bon|\bfrom|\bfor|\bwith|\binvolving|\bafter|\bfollowing|\bsince|\bsuch as|\blike|"
    r"\b(?:definition|definitions|criteria|criterion|threshold|notion|concept|category|framework|examples?|types?|kinds?|number|list|database|report|reports|reporting|tracking|monitoring) of|"
    r"\b(?:previous|previously|prior|past|earlier|other|similar|existing|known|ongoing|related|separate|original|original|wider|broader|underlying|reported|documented|recorded|multiple|several|many|numerous|further|additional|these|those|such))$"
)
_CONDITIONAL_AFTER = re.compile(
    r"^(?:only )?(?:if|unless|once|were|had|should (?:it|harm|the))\b"
    r"|^(?:label|classification|class|designation|category|tag) (?:would|could|might|may)\b"
)
_AFTER_DESCRIBES = re.compile(r"^(?:(?:best|most accurately|accurately|aptly|properly) )?(?:describes|fits|captures|characteri[sz]es|applies to|suits) (?:this|the) (?:article|event|case|story|report|situation)")
_OPENING_ASSERTS = re.compile(r"^(?:due to|because|as|since|given|owing to|:|-|,|\()")


@dataclass(frozen=True)
class ClassMention:
    """One class named in a rationale, with the role its clause gives it."""

    cls: str
    sentence: int
    first: int
    last: int
    weak_form: bool
    role: Role
    trigger: str


@dataclass(frozen=True)
class Conclusion:
    """What a rationale concludes: the class, how surely, and the words that say so."""

    cls: str | None
    strength: Strength | None
    trigger: str
    asserted: frozenset[str]
    mentions: tuple[ClassMention, ...]

    @property
    def names_a_class(self) -> bool:
        return any(m.cls in CLASSES for m in self.mentions)


def _mentions_in(sentence: Sentence) -> list[tuple[str, int, int, bool]]:
    """(class, first token, last token, weak form) for every class name in the sentence."""
    words = sentence.words
    found: list[tuple[str, int, int, bool]] = []
    i = 0
    while i < len(words):
        word = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word == "ai" and nxt in ("incident", "incidents", "disaster", "disasters"):
            first = i - 1 if i > 0 and words[i - 1] == "serious" else i
            found.append((INCIDENT, first, i + 1, False))
            i += 2
            continue
        if word == "ai" and nxt in ("hazard", "hazards"):
            first = i - 1 if i > 0 and words[i - 1] == "serious" else i
            found.append((HAZARD, first, i + 1, False))
            i += 2
            continue
        if word in ("complementary", "complimentary") and nxt in ("information", "info"):
            found.append((COMPLEMENTARY, i, i + 1, False))
            i += 2
            continue
        if word == "beneficial" and nxt in ("use", "uses"):
            found.append((BENEFICIAL, i, i + 1, False))
            i += 2
            continue
        if word == "general" and nxt in ("news", "ai", "update", "updates"):
            end = i + 1
            while end + 1 < len(words) and words[end + 1] in ("news", "update", "updates", "item", "article", "story", "report", "coverage") and end - i < 3:
                end += 1
            if "news" in words[i : end + 1] or nxt in ("update", "updates"):
                found.append((GENERAL_NEWS, i, end, False))
                i = end + 1
                continue
        if word == "unrelated" and _is_unrelated_class(sentence, i):
            found.append((UNRELATED, i, i, False))
            if nxt == "to":
                i = _skip_unrelated_object(words, i)
        elif word in ("incident", "incidents"):
            found.append((INCIDENT, i, i, True))
        elif word in ("hazard", "hazards"):
            found.append((HAZARD, i, i, True))
        i += 1
    return found


def _is_unrelated_class(sentence: Sentence, i: int) -> bool:
    """"Unrelated" the class, not "unrelated to the AI system"."""
    words = sentence.words
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if nxt == "to" and set(words[i + 2 : i + 5]) & {"incidents", "hazards", "incident", "hazard", "harm", "harms", "risks", "scope", "remit", "purview", "mandate"}:
        return True
    if nxt in ("to", "with", "from", "by", "in", "incidents", "events", "topics", "matters", "issues", "cases"):
        return False
    capital = sentence.text[sentence.bounds[i][0]].isupper() and i > 0
    return capital or nxt in ("", ".", ",", ";", ":", ")", "news", "article", "content", "event", "category", "class",
                              "item", "story", "information", "label", "or", "and", "rather", "because", "since", "as")


def _skip_unrelated_object(words: list[str], i: int) -> int:
    """Past "unrelated to AI incidents or hazards": those class words are the object, not classes."""
    end = i + 1
    while end + 1 < len(words) and words[end + 1] in ("to", "ai", "incidents", "hazards", "incident", "hazard", "or", "and", "harm", "harms", "risks", "any"):
        end += 1
    return end


def _groups(found: list[tuple[str, int, int, bool]], words: list[str]) -> list[list[tuple[str, int, int, bool]]]:
    """Mentions joined by list words ("an AI Incident, a hazard or complementary information")."""
    groups: list[list[tuple[str, int, int, bool]]] = []
    for mention in found:
        if groups:
            previous = groups[-1][-1]
            between = words[previous[2] + 1 : mention[1]]
            if len(between) <= 4 and all(w in _LIST_JOINERS for w in between) and any(w in (",", "or", "and", "nor", "/") for w in between):
                groups[-1].append(mention)
                continue
        groups.append([mention])
    return groups


def _strip_fillers(context: list[str]) -> list[str]:
    end = len(context)
    while end > 0 and context[end - 1] in _FILLERS and context[end - 1] not in ("as",):
        end -= 1
    return context[:end]


def _role(sentence: Sentence, first: int, last: int, cls: str, weak_form: bool, previous_group_end: int | None) -> tuple[Role, str]:
    """The role of a mention (or list) spanning tokens first..last, and the words that decide it."""
    words = sentence.words
    start = sentence.clause_start(first)
    if previous_group_end is not None and previous_group_end >= start:
        start = previous_group_end + 1  # an earlier class in the clause took the words before it
    left = words[start:first]
    right = " ".join(words[last + 1 : sentence.clause_end(last) + 1])
    span = sentence.span_text(start if left else first, last)

    negator = next((w for w in reversed(left) if w in NEGATORS), None)
    joined_left = " ".join(left)
    if negator is None:
        negator = next((p for p in NEGATING_PHRASES if f" {p} " in f" {joined_left} "), None)
    if negator is not None and " not only " not in f" {joined_left} ":
        return "negated", span
    if _AFTER_NEGATES.match(right):
        return "negated", sentence.span_text(first, sentence.clause_end(last))
    if cls == INCIDENT and left and left[-1] in _FUTURE_MODIFIERS:
        return "hypothetical", span
    if _CONDITIONAL_AFTER.match(right):
        return "hypothetical", sentence.span_text(first, sentence.clause_end(last))

    core = _strip_fillers(left)
    core_text = " ".join(core) + " "
    if left and left[-1] in _REFERENCE_MODIFIERS:
        return "reference", span
    if not weak_form and any(w in _CONCLUDING or w in ("i.e.", "namely", "ie") for w in [w for w in left if w not in ("a", "an", "the", ",")][-2:]):
        return "asserted", span
    for pattern in _ASSERTION_END:
        match = pattern.search(core_text)
        if match:
            if pattern.pattern.startswith(r"\bas ") and not _as_asserts(core):
                continue
            before = core_text[: match.start()].split()
            if any(w in _MODALS for w in before[-3:]) and not (before and before[-1] == "should"):
                return "hedged", span
            if weak_form and not _strong_verb(match.group(0)):
                return "neutral", span
            return "asserted", span
    if (i := first - 1) >= 1 and words[i] == ":" and words[i - 1] in _CLASS_AT_COLON:
        return "asserted", sentence.span_text(i - 1, last)
    if _only_the_class(words[sentence.clause_start(first) : sentence.clause_end(last) + 1], first - sentence.clause_start(first), last - sentence.clause_start(first)):
        return "hedged", sentence.span_text(sentence.clause_start(first), sentence.clause_end(last))
    if not weak_form and _REPORTS_END.search(core_text):
        return "hedged", span
    if _AFTER_ASSERTS.match(right) and (not weak_form or right.startswith("in ")) or (_AFTER_DESCRIBES.match(right) and not weak_form):
        return "asserted", sentence.span_text(first, sentence.clause_end(last))

    hedge = next((w for w in reversed(left) if w in HEDGES or w in _PREVENTIVE), None) or next(
        (p for p in HEDGING_PHRASES if f" {p} " in f" {joined_left} "), None
    )
    if hedge is not None or _AFTER_HEDGES.match(right):
        return "hypothetical", span
    if _REFERENCE_END.search(core_text.rstrip()) or (left and left[-1] in ("incidents", "hazards")):
        return "reference", span
    if not weak_form and _AFTER_OCCURRED.match(right):
        return "hedged", sentence.span_text(first, sentence.clause_end(last))
    if not weak_form and first == 0 and _OPENING_ASSERTS.match(" ".join(words[last + 1 : last + 3])):
        return "hedged", sentence.span_text(first, last)
    return "neutral", span


def _only_the_class(words: list[str], first: int, last: int) -> bool:
    """A sentence that is nothing but the class: "An AI Hazard, then.", "AI Incident."."""
    rest = [w for i, w in enumerate(words) if not first <= i <= last]
    return all(w in _FILLERS or w in _CONCLUDING or w in {"then", ".", ",", "!", ":", "-", "(", ")"} for w in rest if w != ";")


def _as_asserts(core: list[str]) -> bool:
    """"as" asserts only after a classing verb: "classified as", "counts as" are caught above;
    here "X as an AI Hazard" in "its classification as an AI Hazard" or "labelled ... as"."""
    return len(core) >= 2 and core[-2] in ("classification", "categorisation", "categorization", "designation", "status", "qualifies", "it", "this")


def _strong_verb(construct: str) -> bool:
    """A bare "incident"/"hazard" counts only after an explicit classing verb, not a plain "is"."""
    return not re.fullmatch(r"(?:is|are|was|were|be|been|being|remains|becomes)(?: \w+)*? ?", construct.strip() + " ") or any(
        v in construct for v in ("classified", "considered", "categori", "labell", "labeled", "deemed", "regarded", "treated")
    )


def _previous_negated_assertion(sentence: Sentence, first: int, mentions: list[ClassMention]) -> bool:
    """ "not an AI Incident but (rather) an AI Hazard": the class after "but" inherits the verb."""
    words = sentence.words
    start = sentence.clause_start(first)
    if start >= len(words) or words[start] != "but":
        return False
    earlier = [m for m in mentions if m.sentence == sentence.index and m.last < start]
    return bool(earlier) and earlier[-1].role == "negated" and set(words[start + 1 : first]) <= (_FILLERS | {"rather", "instead", "it", "is", "this"})


def class_mentions(text: Text) -> list[ClassMention]:
    """Every class named in the text, with its role."""
    mentions: list[ClassMention] = []
    for sentence in text.sentences:
        previous_end: int | None = None
        for group in _groups(_mentions_in(sentence), sentence.words):
            first, last = group[0][1], group[-1][2]
            role, trigger = _role(sentence, first, last, group[0][0], all(m[3] for m in group), previous_end)
            if role in ("neutral", "reference") and _previous_negated_assertion(sentence, first, mentions):
                role, trigger = "asserted", sentence.span_text(sentence.clause_start(first), last)
            for cls, a, b, weak in group:
                own_role: Role = role
                if weak and role == "asserted" and len(group) > 1 and not any(not m[3] for m in group):
                    own_role = "neutral"
                mentions.append(ClassMention(cls, sentence.index, a, b, weak, own_role, trigger))
            previous_end = last
    return mentions


def conclude(rationale: str) -> Conclusion:
    """The class `rationale` concludes (see the module docstring)."""
    mentions = tuple(class_mentions(parse(rationale)))
    strong = [m for m in mentions if m.role == "asserted"]
    asserted = frozenset(m.cls for m in strong if m.cls in CLASSES)
    for pool, strength in ((strong, "strong"), ([m for m in mentions if m.role == "hedged"], "weak")):
        if not pool:
            continue
        last_sentence = max(m.sentence for m in pool)
        final = [m for m in pool if m.sentence == last_sentence]
        real = [m for m in final if m.cls in CLASSES]
        final = real or final
        named = list(dict.fromkeys(m.cls for m in final))
        if len(named) == 1:
            return Conclusion(named[0], strength, final[-1].trigger, asserted, mentions)  # type: ignore[arg-type]
        return Conclusion(None, None, "; ".join(dict.fromkeys(m.trigger for m in final)), asserted, mentions)
    return Conclusion(None, None, "", asserted, mentions)
