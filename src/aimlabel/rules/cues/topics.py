"""Statements about what an article is: a response (a law, a ruling), a doubt that AI caused
the harm, no AI at all, a product launch, a generic or a specific risk, or context."""

from __future__ import annotations

import re

from aimlabel.rules.cues.common import CLASS_WORDS, distinct, said_by_others
from aimlabel.rules.cues.words import (
    AI,
    AI_POSSESSIVE,
    ANY,
    COVERS,
    DOUBT,
    ERROR,
    EVIDENCE,
    GENERIC_RISK,
    HUMAN,
    LAUNCH,
    LEGAL_INSTRUMENT,
    MAINLY,
    MALFUNCTION,
    PASSED,
    QUALIFIERS,
    RESPONSE_CORE,
    RESPONSE_KIND,
    RESPONSE_NOUN,
)
from aimlabel.rules.language import Hit, Text
from aimlabel.rules.patterns import Phrases, phrase

_RESPONSE_STRONG = Phrases([
    phrase("{KIND} (?:response|responses|action|actions|measure|measures|reaction|reactions|development|developments|initiative|initiatives|proceedings|steps)", KIND=RESPONSE_KIND),
    phrase("{MAINLY} {COVERS} (?:the |a |an |new |proposed |draft |recent |upcoming |planned |pending |its |their )*(?:\\w+ )?(?:{RESPONSE})", MAINLY=MAINLY, COVERS=COVERS, RESPONSE=RESPONSE_CORE),
    phrase("(?:law|bill|legislation|regulation|act|amendment|decree|ordinance) (?:making|that makes|which makes|to make|criminali[sz]ing|that criminali[sz]es|to criminali[sz]e|banning|that bans|to ban|outlawing|to outlaw|prohibiting|that prohibits|to prohibit) ", ),
    phrase("(?:focus|focuses|focused|emphasis|centres|centers|centred|centered) (?:is )?(?:on|upon) (?:the )?(?:{KIND} )?(?:response|responses|reaction|reactions|regulation|legislation|policy|legal action|lawsuit|investigation|ruling|decision|fine|fines|penalty|sanction|sanctions|order)", KIND=RESPONSE_KIND),
    phrase("(?:an|the) (?:update|follow-up|follow up) (?:on|to|about|regarding)", ),
    phrase("(?:{KIND}) (?:outcome|response|action|proceedings|process|aspect|angle|dimension|fight|battle|settlement) (?:is|was|remains) (?:the )?(?:main |central |primary )?(?:focus|subject|topic|story)", KIND=RESPONSE_KIND),
    phrase("(?:details|describes|reports|covers|announces) (?:a |the )?(?:\\S+ )?(?:settlement|consent agreement|consent decree|plea deal|fine|ruling|verdict) (?:in which|under which|requiring|that|with)", ),
])


_RESPONSE_WEAK = Phrases([
    phrase("{PASSED} (?:a |an |the |its |their |new |draft |proposed |landmark |comprehensive |federal |national |state |eu |european )* (?:\\S+ ){0,2} {INSTRUMENT}", PASSED=PASSED, INSTRUMENT=LEGAL_INSTRUMENT),
    phrase("(?:new|proposed|draft|pending|upcoming|planned) (?:\\w+ )? {INSTRUMENT}", INSTRUMENT=LEGAL_INSTRUMENT),
    phrase("(?:investigation|probe|inquiry|case|lawsuit|complaint|charges|proceedings) (?:\\S+ ){0,8}(?:(?:was|were|has been|have been|had been) )?(?:closed|concluded|dropped|ended|completed|dismissed|withdrawn|settled|resolved)", ),
    phrase("(?:investigation|probe|inquiry|case|lawsuit|complaint|charges|proceedings) (?:(?:was|were|has been|have been|had been) )?(?:opened|launched|filed)", ),
    phrase("(?:closed|concluded|dropped|ended|completed|opened|launched|announced|filed|initiated|settled) (?:its |the |an |their |a )?(?:\\w+ )?(?:investigation|probe|inquiry|lawsuit|case|complaint|review|audit)", ),
    phrase("(?:regulator|authority|commission|agency|watchdog|ministry|government|parliament|congress|senate|lawmakers|legislators) (?:has |have )?(?:fined|banned|sanctioned|approved|passed|adopted|enacted|launched|opened|announced|issued|imposed|proposed)", ),
])


_CAUSATION_DOUBT = Phrases([
    phrase("(?:{DOUBT}) (?:whether|if|how|that|to what extent|what role) {ANY}? (?:{AI})", DOUBT=DOUBT, ANY=ANY, AI=AI),
    phrase("(?:no|without|lack of|absence of) {ANY}? (?:clear |direct |concrete |conclusive |firm )?(?:{EVIDENCE}) (?:that|of) {ANY}? (?:{AI})", ANY=ANY, EVIDENCE=EVIDENCE, AI=AI),
    phrase("{HUMAN} {ERROR} (?:rather than|instead of|not|and not) (?:an |a |the |any )?(?:{AI})? (?:{MALFUNCTION})?", HUMAN=HUMAN, ERROR=ERROR, AI=AI, MALFUNCTION=MALFUNCTION),
    phrase("(?:not|never) (?:been )?(?:caused|triggered|driven) by (?:{AI})", AI=AI),
    phrase("(?:{AI}) (?:was|is|were|are|has been) not (?:responsible|to blame|at fault|involved|the cause|a factor|implicated)", AI=AI),
    phrase("(?:{AI}|{AIS}) (?:role|involvement|contribution|responsibility|part) (?:is|was|remains|appears|seems) (?:{DOUBT}|limited|minimal|marginal|peripheral|tangential|questionable|doubtful)", AI=AI, AIS=AI_POSSESSIVE, DOUBT=DOUBT),
    phrase("(?:{AI}) (?:did|does) not (?:cause|contribute|play a role|lead)", AI=AI),
])


_NO_AI = Phrases([
    phrase("(?:does|did|do) not (?:involve|include|concern|describe|mention|feature|use|rely on|employ) (?:an |a |any )?(?:ai|artificial intelligence|ai system|ai systems|ai technology|ai-based|ai-driven|machine learning|automated decision)", ),
    phrase("(?:no|without) (?:\\w+ )?(?:ai|artificial intelligence|ai system|ai systems|ai technology|machine learning|ai involvement|ai component|ai element) (?:is |was |are |were |being )?(?:involved|mentioned|described|used|identified|present|implicated)?", ),
    phrase("(?:no|without|nor) (?:mention|indication|evidence|sign|reference) of (?:an |a |any )?(?:ai|artificial intelligence|ai system|ai systems|ai technology|machine learning|ai involvement)", ),
    phrase("(?:is|was|are|were) not (?:an |a )?(?:ai|ai system|ai-based|ai-driven|ai-powered|artificial intelligence|related to ai|ai-related|about ai)", ),
    phrase("(?:unrelated|not related) to (?:ai|artificial intelligence|any ai system)", ),
])


_LAUNCH = Phrases([
    phrase("(?:is|as|represents|constitutes|amounts to) (?:primarily |mainly |essentially |simply |merely |just |only |largely )?(?:a |an )(?:new |recent |planned |upcoming |corporate |company |commercial |technology |product |routine )?{LAUNCH}", LAUNCH=LAUNCH),
    phrase("{MAINLY} (?:about|describes|announces|reports on|covers|concerns|discusses|focuses on) (?:a |an |the |its |their )?(?:new |recent |planned |upcoming )?(?:\\S+ )?{LAUNCH}", MAINLY=MAINLY, LAUNCH=LAUNCH),
    phrase("(?:closed|raised|secured|announced|completed|launched|started|began|unveiled|opened|signed|begun|starts|launches|announces|raises|secures) (?:a |an |its |the |their )(?:\\S+ ){0,3}(?:funding round|investment|pilot|pilot program|pilot programme|pilot project|trial|partnership|acquisition|product launch)", ),
    phrase("(?:is|are) being (?:piloted|trialled|trialed|tested|rolled out|deployed|introduced)", ),
])


_GENERIC_RISK = Phrases([
    phrase("(?:if|should|when|in case) (?:it|the system|the ai|the tool|the technology|the robot|the vehicle|the model|the software|they|these systems|such systems|the ai system|ai systems) (?:ever )?(?:{RISK})", RISK=GENERIC_RISK),
    phrase("(?:could|may|might|can) (?:potentially |possibly |theoretically )?(?:{RISK})", RISK=GENERIC_RISK),
    phrase("(?:general|generic|inherent|theoretical|unspecified|abstract|broad|vague|hypothetical) (?:\\w+ )?(?:risk|risks|concerns|dangers|possibility)", ),
    phrase("(?:risks|risk|concerns|dangers) (?:associated with|inherent in|common to|that come with) (?:any|all|the use of)? (?:ai|technology|automated systems|new technology|automation|such systems)", ),
    phrase("(?:may|might|could|can) (?:potentially |possibly )?pose (?:some |certain |general |unspecified |potential )?(?:risks|risk|dangers|threats)", ),
    phrase("(?:any|a|an) (?:malfunction|failure|error|glitch|fault) (?:of|in) (?:an |the |any |such )?(?:ai |automated )?(?:system|systems|technology|tool|software|model)", ),
])


_NO_RISK = Phrases([
    phrase("(?:no|without|nor) (?:specific |plausible |credible |concrete |real |clear |identifiable |particular |serious |significant )?(?:risk|risks|threat|threats|hazard|danger|dangers)", ),
    phrase("(?:does|did|do) not (?:describe|identify|name|mention|present|pose|report|point to|suggest|establish) (?:any |a )?(?:specific |plausible |credible |concrete |real |clear |particular )?(?:risk|risks|threat|threats|hazard|danger|dangers)", ),
    phrase("(?:no|none|nothing) (?:\\S+ ){0,2}(?:problems|issues|complaints|errors|failures|mishaps|glitches) (?:have |has |had )?(?:been )?(?:reported|found|recorded|observed|noted|raised)", ),
])


_SPECIFIC_RISK = re.compile(
    r"(?<= )(?:could|may|might|would|can|potential|potentially|plausibly|risk|risks|threat|threats|lead|leading|"
    r"result|enable|enabling|facilitate|pose|poses|posing) (?:\S+ ){0,12}?(?:fraud|frauds|fraudulent|scam|scams|"
    r"theft|death|deaths|injury|injuries|discrimination|bias|misinformation|disinformation|defamation|privacy|"
    r"surveillance|manipulation|impersonation|harassment|abuse|exploitation|violence|attack|attacks|crash|crashes|"
    r"collision|collisions|accident|accidents|breach|breaches|leak|leaks|outage|outages|disruption|rights|safety|"
    r"security|identity|election|elections|deepfake|deepfakes|weapons|cyberattack|cyberattacks|hacking|extortion|"
    r"blackmail|layoffs|spoofing|voice - spoofing|scammers|fraudsters|criminals|injure|kill|endanger|outages|"
    r"blackouts|discriminate|deceive|defraud|manipulate|surveil|hack|steal|leak|expose|mislead|wrong information|"
    r"wrong advice|incorrect information|false information|misleading|flood|floods|flooding|fire|fires|explosion|"
    r"explosions|collapse|destroy|destruction|contaminate|contamination|vulnerable|elderly|children|patients|"
    r"pedestrians|passengers|residents|voters|minors|students|loss of life|lives|life|weapon|weapons) "
)


def response_statements(text: Text) -> tuple[list[Hit], list[Hit]]:
    """(strong, weak) statements that the article is about a response: a law, ruling, probe."""
    strong = distinct([h for h in text.find_each(_RESPONSE_STRONG) if not h.negated])
    weak = distinct([h for h in text.find_each(_RESPONSE_WEAK) if not h.negated])
    return strong, weak


def causation_doubts(text: Text) -> list[Hit]:
    """"unclear whether the AI contributed", "human error rather than an AI malfunction"."""
    return distinct([
        h for h in text.find_each(_CAUSATION_DOUBT)
        if not h.negated and not set(text.sentences[h.sentence].after(h.last, 6)) & QUALIFIERS
    ])


def no_ai_statements(text: Text) -> list[Hit]:
    """"does not involve an AI system", "no AI system is involved"."""
    return distinct([
        h for h in text.find_each(_NO_AI)
        if not h.negated and not set(text.sentences[h.sentence].words[h.last + 1 : h.last + 2]) & CLASS_WORDS
    ])


def launch_statements(text: Text) -> list[Hit]:
    """The article is a product launch, pilot, investment or other business news."""
    return distinct([h for h in text.find_each(_LAUNCH) if not h.negated])


def generic_risks(text: Text) -> list[Hit]:
    """Only a generic risk: "if it malfunctions", "inherent risks of any technology"."""
    return distinct([h for h in text.find_each(_GENERIC_RISK) if not h.negated])


def specific_risk(text: Text) -> bool:
    """Names a specific harm that could follow (fraud, injury, discrimination, ...)."""
    return any(s.find(_SPECIFIC_RISK) for s in text.sentences)


_CONTEXT = phrase(
    "{CONTEXT}",
    CONTEXT=RESPONSE_NOUN + "|context|background|overview|governance|debate|discussion|analysis|research|deployment|"
    "adoption|development|developments|announcement|launch|partnership|investment|awareness|commentary|opinion|"
    "mitigation|previously reported|earlier|past|ongoing|follow - up|industry|market|trend|trends|ecosystem|"
    "landscape|progress|capabilities|use of ai|uses of ai|adopting",
)


_AI_WORDS = phrase(
    "{AI}",
    AI="ai|a.i|artificial intelligence|algorithm|algorithms|algorithmic|machine learning|chatbot|chatbots|deepfake|"
    "deepfakes|llm|llms|language model|language models|generative|neural|autonomous|automated|automation|robot|robots|"
    "robotaxi|robotaxis|facial recognition|autopilot|self - driving|driverless|chatgpt|gpt|openai|gemini|copilot|"
    "claude|grok|llama|midjourney|model|models|ai - generated|ai - powered|ai - based|ai - driven",
)


def complementary_context(text: Text) -> bool:
    """Names a response, update or context: what Complementary Information is about."""
    return any(h for h in text.find(_CONTEXT) if not h.negated)


def mentions_ai(text: Text) -> bool:
    return any(
        h for h in text.find(_AI_WORDS)
        if not h.negated and not set(text.sentences[h.sentence].words[h.last + 1 : h.last + 2]) & CLASS_WORDS
    )


def ai_used_elsewhere(text: Text, sentence: int) -> bool:
    """An AI system named, not denied, in another sentence ("... then switched to AI-generated calls");
    the class names "AI Incident", "AI Hazard" do not count."""
    return any(
        h.sentence != sentence for h in text.find(_AI_WORDS)
        if not h.negated and not set(text.sentences[h.sentence].words[h.last + 1 : h.last + 2]) & CLASS_WORDS
    )


def no_risk_statements(text: Text) -> list[Hit]:
    """"no specific risk", "does not describe any plausible risk", "no problems have been reported"."""
    return distinct([h for h in text.find_each(_NO_RISK) if not h.negated and not said_by_others(text, h)])
