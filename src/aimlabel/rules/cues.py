"""What a rationale says about harm, causation, prevention and responses, as parsed statements.

Each reader below looks for one kind of statement with a few token patterns built from word
lists, and keeps a hit only in the polarity it needs (a "no harm" statement that is itself
negated or only imagined is not a no-harm statement). The rules in `rationale.py` combine
them; nothing here knows a rule id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aimlabel.rules.language import Hit, Text, phrase

HARM = "harm|harms|damage|damages|injury|injuries|loss|losses|casualties|fatalities|deaths|victims|misuse|abuse|incident|incidents|wrongdoing|consequences"
# What can be denied to have happened: "no scam was carried out", "no attack has been reported".
HARM_EVENTS = HARM + "|scam|scams|attack|attacks|fraud|frauds|breach|breaches|crash|crashes|accident|accidents|exploitation|leak|leaks|theft|thefts|violation|violations|injuries|casualty"
HARMISH = (
    HARM + "|fraud|frauds|scam|scams|theft|thefts|death|arrest|arrests|detention|discrimination|bias|misinformation|"
    "disinformation|defamation|distress|suicide|suicides|crash|crashes|collision|collisions|accident|accidents|leak|"
    "leaks|breach|breaches|exposure|outage|outages|disruption|disruptions|denial|denials|violation|violations|"
    "infringement|infringements|harassment|exploitation|manipulation|errors|misidentification|misidentifications|"
    "layoffs|dismissals|attack|attacks|hack|hacks|extortion|blackmail|impersonation|deception|surveillance|"
    "wrongful|false|financial|economic|physical|psychological|reputational|emotional|serious|significant|real|actual|"
    "direct|indirect|tangible|concrete|realized|realised|documented|widespread|substantial|mental|bodily"
)
ATTACKS = HARMISH + "|drowning|drownings|overdose|overdoses|fall|falls|weapons|firearms|plans|plan|plot|plots|smuggling|shipment|consignment|intrusion|ransomware|malware|phishing|attempt|attempts|attempted|transfer|transfers|payment|payments|spread|outbreak|fire|fires|flood|floods|intrusion|intrusions|cyberattack|cyberattacks|disaster|disasters|catastrophe"
ADJ = (
    "actual|real|realized|realised|direct|concrete|reported|documented|tangible|specific|confirmed|known|significant|"
    "measurable|immediate|further|new|such|major|serious|clear|identifiable|verified|evident|definite|demonstrable|"
    "substantial|material|physical|bodily|financial|economic|psychological|reputational|environmental|mental|"
    "emotional|legal|human|widespread|large-scale|lasting|associated|resulting|consequent|subsequent|additional|"
    "other|public|social|societal|individual|personal|or|and|,|indirect"
)
REAL = "realized|realised|actual|real|concrete|tangible|documented|confirmed|demonstrable|verified|materialized|materialised"
# A harm named with one of these is only one kind of harm: "no physical harm" does not deny harm.
QUALIFIERS = frozenset(
    "physical physically bodily financial financially economic psychological psychologically reputational "
    "environmental mental mentally emotional emotionally seriously badly legal further new "
    "additional other direct immediate widespread large-scale lasting public social societal individual personal "
    "major serious significant substantial material".split()
)
ANY = "any|an|a|the|some|such|of"
REPORT = (
    "report|reports|reported|describe|describes|described|mention|mentions|mentioned|indicate|indicates|indicated|"
    "document|documents|documented|detail|details|detailed|cite|cites|cited|show|shows|showed|present|presents|"
    "contain|contains|identify|identifies|specify|specifies|reveal|reveals|involve|involves|involved|include|includes|"
    "suggest|suggests|establish|establishes|confirm|confirms|provide|provides|point|points|demonstrate|demonstrates|"
    "evidence|allege|alleges|claim|claims|note|notes|record|records|state|states|discuss|discusses|refer|refers|focus|focuses"
)
OCCUR = (
    "occurred|occur|happened|happen|materialized|materialised|materialize|materialise|resulted|arisen|arise|"
    "taken place|take place|been reported|been documented|been caused|been done|been recorded|been identified|"
    "been confirmed|been observed|been inflicted|been suffered|been sustained|been linked|been attributed|ensued|followed|"
    "emerged|been shown|been demonstrated|been found|been established"
)
CAUSE = "caused|cause|causing|resulted in|result in|led to|lead to|leading to|produced|produce|inflicted|inflict|created|create|generated|brought about|contributed to|contribute to"
NEG_DO = "does not|did not|do not|has not|have not|had not|is not|are not|was not|were not|cannot|can not|could not"
PEOPLE = "no one|nobody|no person|no people|no users|no individuals|no customers|no consumers|no victims|none"
HARMED_GENERAL = "harmed|affected|impacted|victimized|victimised|damaged|wronged|disadvantaged"
HARMED_PHYSICAL = "hurt|injured|killed|wounded|died"
HARMED = (
    HARMED_GENERAL + "|" + HARMED_PHYSICAL + "|defrauded|scammed|deceived|arrested|detained|jailed|misidentified|"
    "discriminated|targeted|exposed|leaked|stolen|denied|harassed|threatened|manipulated|impersonated|fired|"
    "dismissed|misdiagnosed|surveilled|doxxed|violated|infringed|compromised|breached|hacked|disrupted|misled|cheated|"
    "extorted|blackmailed|bullied|abused|exploited|defamed|falsely accused|wrongly accused|wrongfully accused|"
    "charged|penalized|penalised|excluded|evicted|displaced|rejected|misinformed|tricked|duped|robbed|disclosed|"
    "wrongly disclosed|shared without consent"
)
HARM_VERB_PAST = (
    "died|stole|defrauded|scammed|lost|crashed|collided|violated|breached|infringed|misidentified|"
    "harassed|impersonated|deceived|manipulated|killed|injured|struck|misled|denied|discriminated|fabricated|defamed|"
    "suffered|cost|endangered|harmed|hurt|disrupted|wrongly|falsely|cheated|extorted|tricked|duped|undermined|eroded|"
    "damaged|froze|frozen|locked out|evicted|fired|sacked|jailed|detained|arrested|misdiagnosed|silenced|doxxed"
)
PREVENTED = "prevented|averted|thwarted|foiled|stopped|blocked|intercepted|halted|neutralized|neutralised|avoided|forestalled|repelled|deflected|defeated"
PREVENTING = "preventing|averting|thwarting|foiling|stopping|blocking|intercepting|halting|neutralizing|neutralising|containing|avoiding"
PROTECTIVE = "prevent|avert|stop|mitigate|reduce|detect|combat|counter|fight|curb|tackle|protect|guard|block|flag|identify|thwart|deter|minimize|minimise|limit|lessen"
INTENT = "intended|designed|aimed|meant|used|deployed|built|developed|trained|installed|introduced|employed|tasked|implemented|helps|helped|help|helping|serves|served|works|worked|working|seeks|sought|allows|allowed|enables|enabled"
RESPONSE_NOUN = (
    "law|laws|bill|bills|legislation|regulation|regulations|rule|rules|ruling|rulings|lawsuit|lawsuits|suit|"
    "investigation|investigations|probe|probes|inquiry|inquiries|policy|policies|guidelines|guidance|framework|act|"
    "ban|bans|fine|fines|penalty|penalties|settlement|settlements|hearing|hearings|verdict|verdicts|sentencing|"
    "sentence|trial|trials|charges|indictment|court|case|cases|complaint|complaints|response|responses|reaction|"
    "reactions|measures|safeguards|statement|statements|announcement|announcements|debate|debates|standards|"
    "code|codes|treaty|agreement|agreements|ordinance|directive|directives|decree|order|orders|reform|reforms|"
    "proposal|proposals|amendment|amendments|consultation|report|reports|study|studies|audit|audits|review|reviews|"
    "crackdown|enforcement|sanction|sanctions|moratorium|pledge|commitment|commitments|initiative|initiatives|"
    "campaign|campaigns|update|updates|follow-up|recall|recalls|apology"
)
RESPONSE_CORE = (
    "decision|decisions|order|orders|law|laws|bill|bills|legislation|regulation|regulations|ruling|rulings|lawsuit|lawsuits|investigation|"
    "investigations|probe|probes|inquiry|inquiries|policy|policies|ban|bans|fine|fines|penalty|penalties|settlement|"
    "settlements|hearing|hearings|verdict|verdicts|sentencing|trial|trials|charges|indictment|court case|court ruling|"
    "response|responses|reaction|reactions|measures|safeguards|guidelines|framework|act|treaty|directive|decree|"
    "reform|reforms|proposal|proposals|amendment|amendments|sanction|sanctions|moratorium|enforcement|crackdown|"
    "legal action|legal battle|legal fight|regulatory action|governance|oversight|standards|code of conduct|rules"
)
RESPONSE_KIND = "legislative|legal|regulatory|governmental|government|policy|judicial|court|industry|societal|company|corporate|political|official|institutional|law enforcement|administrative|parliamentary|congressional|international|public"
PASSED = "passed|approved|adopted|enacted|signed|introduced|proposed|unveiled|tabled|drafted|announced|issued|published|launched|released|voted|filed|enforced|implemented|finalized|finalised|rolled out|put forward|presented|debated|considered|discusses|discussed"
LEGAL_INSTRUMENT = "agreement|consent agreement|settlement|consent decree|pledge|commitment|law|laws|bill|bills|regulation|regulations|act|legislation|directive|guidelines|rules|ordinance|ban|decree|framework|code of conduct|code of practice|policy|policies|standard|standards|amendment|treaty"
MAINLY = "primarily|mainly|mostly|largely|chiefly|principally|predominantly|essentially|centrally|solely|only|instead|rather"
COVERS = "discusses|discuss|discussing|focuses on|focus on|focusing on|covers|cover|covering|reports on|reporting on|about|concerns|concerning|addresses|addressing|describes|describing|centers on|centres on|centred on|centered on|deals with|dealing with|highlights|highlighting|examines|examining|reviews|reviewing|analyzes|analyses|explores|is about|revolves around"
AI = "ai|the ai|an ai|the ai system|an ai system|ai systems|the system|the algorithm|an algorithm|algorithms|the software|automation|the automated system|automated systems|the model|the tool|artificial intelligence|machine learning|the technology|autopilot|the autopilot|the chatbot|the robot|the vehicle's software"
AI_POSSESSIVE = "|".join(f"{item}'s" for item in AI.split("|"))
DOUBT = "unclear|unknown|uncertain|unconfirmed|unverified|undetermined|unestablished|disputed|contested|ambiguous|not clear|not known|not yet known|not established|not confirmed|not determined|yet to be determined|under investigation|speculative"
EVIDENCE = "evidence|indication|proof|confirmation|suggestion|sign|signs|clear link|link|data|information"
ERROR = "error|errors|mistake|mistakes|negligence|failure|failures|misconduct|fault|oversight|decision|decisions|action|actions|wrongdoing|carelessness|recklessness|intent|malice|sabotage"
HUMAN = "human|operator|operators|driver|drivers|pilot|pilots|user|users|staff|employee|employees|officer|officers|worker|workers|doctor|doctors|nurse|nurses|engineer|engineers|manual|personnel|crew|individual|person|people"
MALFUNCTION = "malfunction|malfunctions|failure|failures|error|errors|fault|faults|defect|defects|glitch|glitches|flaw|flaws|decision|decisions|involvement|role|output|outputs|recommendation|recommendations"
LAUNCH = "general news update|general update|news update|market update|business update|update|overview|roundup|profile|launch|product launch|release|product release|announcement|product announcement|pilot|pilot program|pilot programme|pilot project|trial|investment|funding round|funding|partnership|deployment|rollout|roll-out|unveiling|demonstration|demo|feature update|upgrade|acquisition|expansion|milestone|opening|showcase|prototype|proof of concept|business news|corporate news|market news|product news"
GENERIC_RISK = "malfunction|malfunctions|malfunctioned|malfunctioning|fails|fail|failed|errs|err|goes wrong|go wrong|went wrong|is misused|were misused|be misused|glitch|glitches|breaks down|break down"


@dataclass(frozen=True)
class Statement:
    """A statement found in a text: the hit, and whether it is limited to one kind of harm (or
    is someone else's claim, "the company says ...")."""

    hit: Hit
    qualified: bool = False

    @property
    def text(self) -> str:
        return self.hit.text


_NO_HARM = [
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
]
_REAL_HARM = phrase("{REAL} {ADJ}* (?:{HARM}|harm)", REAL=REAL, ADJ=ADJ, HARM=HARMISH)
_REALISED = [
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
]
_PREVENTED = [
    phrase("(?:successfully |narrowly |ultimately |effectively |quickly |promptly |reportedly |directly )? {PREVENTED} {ANY}? {ADJ}* {ATTACKS} {ATTEMPT}?", ATTEMPT="attempt|attempts|attempted|transfer|transfers|payment|payments|call|calls|campaign|attack|attacks|scheme|schemes", PREVENTED=PREVENTED, ANY=ANY, ADJ=ADJ, ATTACKS=ATTACKS),
    phrase("{ATTACKS} (?:was|were|had been|has been|have been|being|got) (?:successfully |narrowly |ultimately |effectively |quickly |promptly |reportedly )? {PREVENTED}", ATTACKS=ATTACKS, PREVENTED=PREVENTED),
    phrase("(?:led|leading|contributed|contributing|lead|leads) to the (?:prevention|avoidance|interception|detection and prevention) of", ),
    phrase("(?:directly |successfully |effectively )? {PREVENTING} {ANY}? {ADJ}* {ATTACKS}", PREVENTING=PREVENTING, ANY=ANY, ADJ=ADJ, ATTACKS=ATTACKS),
    phrase("(?:stopped|contained|caught|halted|detected|identified|flagged|intercepted|blocked|neutralized|neutralised) (?:it |them |the \\w+ )?before (?:any |widespread |significant |serious |major |further |much |real )?(?:harm|damage|loss|losses|injury|injuries|money|funds|spread|impact|casualties)", ),
    phrase("{NEAR_MISS}", NEAR_MISS="near miss|near misses|near-miss|near-misses"),
    phrase("(?:was|were) able to (?:stop|prevent|block|thwart|avert|foil|intercept|halt)", ),
    phrase("(?:harm|damage|disaster|tragedy|catastrophe|accident|crash|collision|loss) (?:was|were|had been|has been) (?:narrowly |successfully )?(?:avoided|averted|prevented)", ),
]
_PROTECTIVE_INTENT = [
    phrase("{INTENT} (?:to )?(?:help )?(?:to )? {PROTECTIVE}", INTENT=INTENT, PROTECTIVE=PROTECTIVE),
    phrase("(?:harm|risk|fraud|damage|loss|crime) (?:mitigation|reduction|prevention|detection)", ),
    phrase("(?:mitigate|mitigates|mitigated|mitigating|reduce|reduces|reduced|reducing|minimize|minimizes|minimise|minimises) (?:the |potential |possible )?(?:harm|harms|risk|risks|damage|impact|losses)", ),
    phrase("(?:saved|saving|saves) (?:lives|a life|money|people)", ),
    phrase("(?:prevention|avoidance) of {ANY}? {ADJ}* {ATTACKS}", ANY=ANY, ADJ=ADJ, ATTACKS=ATTACKS),
]
_RESPONSE_STRONG = [
    phrase("{KIND} (?:response|responses|action|actions|measure|measures|reaction|reactions|development|developments|initiative|initiatives|proceedings|steps)", KIND=RESPONSE_KIND),
    phrase("{MAINLY} {COVERS} (?:the |a |an |new |proposed |draft |recent |upcoming |planned |pending |its |their )*(?:\\w+ )?(?:{RESPONSE})", MAINLY=MAINLY, COVERS=COVERS, RESPONSE=RESPONSE_CORE),
    phrase("(?:law|bill|legislation|regulation|act|amendment|decree|ordinance) (?:making|that makes|which makes|to make|criminali[sz]ing|that criminali[sz]es|to criminali[sz]e|banning|that bans|to ban|outlawing|to outlaw|prohibiting|that prohibits|to prohibit) ", ),
    phrase("(?:focus|focuses|focused|emphasis|centres|centers|centred|centered) (?:is )?(?:on|upon) (?:the )?(?:{KIND} )?(?:response|responses|reaction|reactions|regulation|legislation|policy|legal action|lawsuit|investigation|ruling|decision|fine|fines|penalty|sanction|sanctions|order)", KIND=RESPONSE_KIND),
    phrase("(?:an|the) (?:update|follow-up|follow up) (?:on|to|about|regarding)", ),
    phrase("(?:{KIND}) (?:outcome|response|action|proceedings|process|aspect|angle|dimension|fight|battle|settlement) (?:is|was|remains) (?:the )?(?:main |central |primary )?(?:focus|subject|topic|story)", KIND=RESPONSE_KIND),
    phrase("(?:details|describes|reports|covers|announces) (?:a |the )?(?:\\S+ )?(?:settlement|consent agreement|consent decree|plea deal|fine|ruling|verdict) (?:in which|under which|requiring|that|with)", ),
]
_RESPONSE_WEAK = [
    phrase("{PASSED} (?:a |an |the |its |their |new |draft |proposed |landmark |comprehensive |federal |national |state |eu |european )* (?:\\S+ ){0,2} {INSTRUMENT}", PASSED=PASSED, INSTRUMENT=LEGAL_INSTRUMENT),
    phrase("(?:new|proposed|draft|pending|upcoming|planned) (?:\\w+ )? {INSTRUMENT}", INSTRUMENT=LEGAL_INSTRUMENT),
    phrase("(?:investigation|probe|inquiry|case|lawsuit|complaint|charges|proceedings) (?:\\S+ ){0,8}(?:(?:was|were|has been|have been|had been) )?(?:closed|concluded|dropped|ended|completed|dismissed|withdrawn|settled|resolved)", ),
    phrase("(?:investigation|probe|inquiry|case|lawsuit|complaint|charges|proceedings) (?:(?:was|were|has been|have been|had been) )?(?:opened|launched|filed)", ),
    phrase("(?:closed|concluded|dropped|ended|completed|opened|launched|announced|filed|initiated|settled) (?:its |the |an |their |a )?(?:\\w+ )?(?:investigation|probe|inquiry|lawsuit|case|complaint|review|audit)", ),
    phrase("(?:regulator|authority|commission|agency|watchdog|ministry|government|parliament|congress|senate|lawmakers|legislators) (?:has |have )?(?:fined|banned|sanctioned|approved|passed|adopted|enacted|launched|opened|announced|issued|imposed|proposed)", ),
]
_CAUSATION_DOUBT = [
    phrase("(?:{DOUBT}) (?:whether|if|how|that|to what extent|what role) {ANY}? (?:{AI})", DOUBT=DOUBT, ANY=ANY, AI=AI),
    phrase("(?:no|without|lack of|absence of) {ANY}? (?:clear |direct |concrete |conclusive |firm )?(?:{EVIDENCE}) (?:that|of) {ANY}? (?:{AI})", ANY=ANY, EVIDENCE=EVIDENCE, AI=AI),
    phrase("{HUMAN} {ERROR} (?:rather than|instead of|not|and not) (?:an |a |the |any )?(?:{AI})? (?:{MALFUNCTION})?", HUMAN=HUMAN, ERROR=ERROR, AI=AI, MALFUNCTION=MALFUNCTION),
    phrase("(?:not|never) (?:been )?(?:caused|triggered|driven) by (?:{AI})", AI=AI),
    phrase("(?:{AI}) (?:was|is|were|are|has been) not (?:responsible|to blame|at fault|involved|the cause|a factor|implicated)", AI=AI),
    phrase("(?:{AI}|{AIS}) (?:role|involvement|contribution|responsibility|part) (?:is|was|remains|appears|seems) (?:{DOUBT}|limited|minimal|marginal|peripheral|tangential|questionable|doubtful)", AI=AI, AIS=AI_POSSESSIVE, DOUBT=DOUBT),
    phrase("(?:{AI}) (?:did|does) not (?:cause|contribute|play a role|lead)", AI=AI),
]
_NO_AI = [
    phrase("(?:does|did|do) not (?:involve|include|concern|describe|mention|feature|use|rely on|employ) (?:an |a |any )?(?:ai|artificial intelligence|ai system|ai systems|ai technology|ai-based|ai-driven|machine learning|automated decision)", ),
    phrase("(?:no|without) (?:\\w+ )?(?:ai|artificial intelligence|ai system|ai systems|ai technology|machine learning|ai involvement|ai component|ai element) (?:is |was |are |were |being )?(?:involved|mentioned|described|used|identified|present|implicated)?", ),
    phrase("(?:no|without|nor) (?:mention|indication|evidence|sign|reference) of (?:an |a |any )?(?:ai|artificial intelligence|ai system|ai systems|ai technology|machine learning|ai involvement)", ),
    phrase("(?:is|was|are|were) not (?:an |a )?(?:ai|ai system|ai-based|ai-driven|ai-powered|artificial intelligence|related to ai|ai-related|about ai)", ),
    phrase("(?:unrelated|not related) to (?:ai|artificial intelligence|any ai system)", ),
]
_LAUNCH = [
    phrase("(?:is|as|represents|constitutes|amounts to) (?:primarily |mainly |essentially |simply |merely |just |only |largely )?(?:a |an )(?:new |recent |planned |upcoming |corporate |company |commercial |technology |product |routine )?{LAUNCH}", LAUNCH=LAUNCH),
    phrase("{MAINLY} (?:about|describes|announces|reports on|covers|concerns|discusses|focuses on) (?:a |an |the |its |their )?(?:new |recent |planned |upcoming )?(?:\\S+ )?{LAUNCH}", MAINLY=MAINLY, LAUNCH=LAUNCH),
    phrase("(?:closed|raised|secured|announced|completed|launched|started|began|unveiled|opened|signed|begun|starts|launches|announces|raises|secures) (?:a |an |its |the |their )(?:\\S+ ){0,3}(?:funding round|investment|pilot|pilot program|pilot programme|pilot project|trial|partnership|acquisition|product launch)", ),
    phrase("(?:is|are) being (?:piloted|trialled|trialed|tested|rolled out|deployed|introduced)", ),
]
_GENERIC_RISK = [
    phrase("(?:if|should|when|in case) (?:it|the system|the ai|the tool|the technology|the robot|the vehicle|the model|the software|they|these systems|such systems|the ai system|ai systems) (?:ever )?(?:{RISK})", RISK=GENERIC_RISK),
    phrase("(?:could|may|might|can) (?:potentially |possibly |theoretically )?(?:{RISK})", RISK=GENERIC_RISK),
    phrase("(?:general|generic|inherent|theoretical|unspecified|abstract|broad|vague|hypothetical) (?:\\w+ )?(?:risk|risks|concerns|dangers|possibility)", ),
    phrase("(?:risks|risk|concerns|dangers) (?:associated with|inherent in|common to|that come with) (?:any|all|the use of)? (?:ai|technology|automated systems|new technology|automation|such systems)", ),
    phrase("(?:may|might|could|can) (?:potentially |possibly )?pose (?:some |certain |general |unspecified |potential )?(?:risks|risk|dangers|threats)", ),
    phrase("(?:any|a|an) (?:malfunction|failure|error|glitch|fault) (?:of|in) (?:an |the |any |such )?(?:ai |automated )?(?:system|systems|technology|tool|software|model)", ),
]
_NO_RISK = [
    phrase("(?:no|without|nor) (?:specific |plausible |credible |concrete |real |clear |identifiable |particular |serious |significant )?(?:risk|risks|threat|threats|hazard|danger|dangers)", ),
    phrase("(?:does|did|do) not (?:describe|identify|name|mention|present|pose|report|point to|suggest|establish) (?:any |a )?(?:specific |plausible |credible |concrete |real |clear |particular )?(?:risk|risks|threat|threats|hazard|danger|dangers)", ),
    phrase("(?:no|none|nothing) (?:\\S+ ){0,2}(?:problems|issues|complaints|errors|failures|mishaps|glitches) (?:have |has |had )?(?:been )?(?:reported|found|recorded|observed|noted|raised)", ),
]
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


def _asserted(text: Text, patterns: list[re.Pattern[str]]) -> list[Hit]:
    return _distinct([hit for p in patterns for hit in text.find(p) if hit.asserted])


_PHYSICAL_NOUNS = frozenset("injury injuries death deaths casualties fatalities casualty".split())
_EARLIER = frozenset("until before previously earlier initially originally formerly once".split())


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


def _distinct(hits: list[Hit]) -> list[Hit]:
    """Hits in reading order, a hit inside an earlier (longer) one dropped."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.sentence, h.first, -h.last)):
        if kept and kept[-1].sentence == hit.sentence and hit.first <= kept[-1].last:
            continue
        kept.append(hit)
    return kept


_SAID_BY_OTHERS = frozenset(
    "insists insisted claims claimed says said denies denied argues argued maintains maintained contends contended "
    "asserts asserted alleges alleged stated states told".split()
)
_ALL_HARM_NOUNS = frozenset(HARM_EVENTS.split("|"))
_LATER_HARM = frozenset("new further additional more subsequent fresh".split())


def _said_by_others(text: Text, hit: Hit) -> bool:
    """"The company insists that no customer was harmed": someone's claim, not the rationale's."""
    return bool(set(text.sentences[hit.sentence].before(hit.first)) & _SAID_BY_OTHERS)


def no_harm_statements(text: Text) -> list[Statement]:
    """"No harm has occurred", "does not report any realized harm", "rather than a realized incident".

    Not: a claim the rationale attributes to someone else, and "no new/further harm", which says
    harm happened before."""
    hits = [hit for p in _NO_HARM for hit in text.find(p) if not hit.negated]
    hits += [hit for hit in text.find(_REAL_HARM) if hit.negated]
    return [
        Statement(hit, _qualified(text, hit) or _said_by_others(text, hit)) for hit in _distinct(hits)
        if not set(text.sentences[hit.sentence].words[hit.first : hit.last + 1]) & _LATER_HARM
        and not set(text.sentences[hit.sentence].before(hit.first)) & _DEFINITIONAL
    ]


_NEGATING_WORDS = frozenset("no not none never without nor".split())
_DEFINITIONAL = frozenset("requires require required requiring means mean needs need must defined definition".split())


def _conditional(text: Text, hit: Hit) -> bool:
    """A sentence that imagines ("would become an incident if ... were released and misled voters")."""
    words = set(text.sentences[hit.sentence].words)
    return bool(words & {"if", "unless"}) and bool(words & {"would", "could", "might"})


_PREVENTION_WORDS = frozenset(
    "prevention prevented preventing prevent avoidance avoided averted averting mitigation mitigated reduction "
    "reduced thwarted foiled".split()
)


def realised_harm(text: Text) -> list[Hit]:
    """Statements that harm has happened: "led to fraudulent calls", "victims were defrauded"
    (not "led to the prevention of serious harm")."""
    hits = [h for h in _asserted(text, list(_REALISED)) if not set(text.sentences[h.sentence].words[h.first : h.last + 1]) & _PREVENTION_WORDS]
    banned = {(s.hit.sentence, i) for s in no_harm_statements(text) for i in range(s.hit.first, s.hit.last + 1)}
    return [
        h for h in hits
        if (h.sentence, h.first) not in banned and not _conditional(text, h)
        and not set(text.sentences[h.sentence].before(h.first)) & _DEFINITIONAL
        and not set(text.sentences[h.sentence].words[h.first : h.last + 1]) & _NEGATING_WORDS
    ]


def prevented_harm(text: Text) -> list[Hit]:
    """The AI stopped harm: "thwarted the fraud attempt", "led to the prevention of", "a near miss"."""
    return _distinct([h for p in _PREVENTED for h in text.find(p) if not h.negated and not _hedged_by_modal(text, h)])


def protective_intent(text: Text) -> list[Hit]:
    """The AI is there to stop harm: "intended to prevent harm", "harm mitigation"."""
    return _distinct([h for p in _PROTECTIVE_INTENT for h in text.find(p) if not h.negated])


def _hedged_by_modal(text: Text, hit: Hit) -> bool:
    before = text.sentences[hit.sentence].before(hit.first, 4)
    return any(w in ("could", "would", "might", "may", "can", "if") for w in before)


def response_statements(text: Text) -> tuple[list[Hit], list[Hit]]:
    """(strong, weak) statements that the article is about a response: a law, ruling, probe."""
    strong = _distinct([h for p in _RESPONSE_STRONG for h in text.find(p) if not h.negated])
    weak = _distinct([h for p in _RESPONSE_WEAK for h in text.find(p) if not h.negated])
    return strong, weak


def causation_doubts(text: Text) -> list[Hit]:
    """"unclear whether the AI contributed", "human error rather than an AI malfunction"."""
    return _distinct([
        h for p in _CAUSATION_DOUBT for h in text.find(p)
        if not h.negated and not set(text.sentences[h.sentence].after(h.last, 6)) & QUALIFIERS
    ])


_CLASS_WORDS = frozenset({"incident", "incidents", "hazard", "hazards", "disaster", "disasters"})


def no_ai_statements(text: Text) -> list[Hit]:
    """"does not involve an AI system", "no AI system is involved"."""
    return _distinct([
        h for p in _NO_AI for h in text.find(p)
        if not h.negated and not set(text.sentences[h.sentence].words[h.last + 1 : h.last + 2]) & _CLASS_WORDS
    ])


def launch_statements(text: Text) -> list[Hit]:
    """The article is a product launch, pilot, investment or other business news."""
    return _distinct([h for p in _LAUNCH for h in text.find(p) if not h.negated])


def generic_risks(text: Text) -> list[Hit]:
    """Only a generic risk: "if it malfunctions", "inherent risks of any technology"."""
    return _distinct([h for p in _GENERIC_RISK for h in text.find(p) if not h.negated])


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
        if not h.negated and not set(text.sentences[h.sentence].words[h.last + 1 : h.last + 2]) & _CLASS_WORDS
    )


def ai_used_elsewhere(text: Text, sentence: int) -> bool:
    """An AI system named, not denied, in another sentence ("... then switched to AI-generated calls");
    the class names "AI Incident", "AI Hazard" do not count."""
    return any(
        h.sentence != sentence for h in text.find(_AI_WORDS)
        if not h.negated and not set(text.sentences[h.sentence].words[h.last + 1 : h.last + 2]) & _CLASS_WORDS
    )


def no_risk_statements(text: Text) -> list[Hit]:
    """"no specific risk", "does not describe any plausible risk", "no problems have been reported"."""
    return _distinct([h for p in _NO_RISK for h in text.find(p) if not h.negated and not _said_by_others(text, h)])


_OTHER_SOURCES = frozenset("other similar previous earlier past existing comparable rival older another such".split())


def own_realised_harm(text: Text) -> list[Hit]:
    """Harm that happened, not harm from other or earlier systems ("scams done with other tools")."""
    hits = []
    for hit in realised_harm(text):
        sentence = text.sentences[hit.sentence]
        clause = sentence.words[sentence.clause_start(hit.first) : sentence.clause_end(hit.last) + 1]
        if not set(clause) & _OTHER_SOURCES:
            hits.append(hit)
    return hits


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
        (h.sentence, h.first) not in inside and not h.negated and not _class_name(text, h)
        for h in text.find(_HARM_KINDS)
    )


def _class_name(text: Text, hit: Hit) -> bool:
    """"incident" in "an AI Incident" is the class, not a harm."""
    words = text.sentences[hit.sentence].words
    return hit.first > 0 and words[hit.first - 1] == "ai" and words[hit.first] in _CLASS_WORDS


_HAPPENED = [
    _REAL_HARM,
    phrase("{HARM} (?:\\S+ ){0,6}(?:has|have|had) (?:already |actually |indeed |clearly |now )?(?:occurred|happened|materialized|materialised|been caused|been done|been suffered|taken place)", HARM=HARM),
    phrase("(?:has|have|had) (?:already |directly |actually )?(?:caused|led to|resulted in|inflicted) {ANY}? (?:\\S+ ){0,2}{HARMISH}", ANY=ANY, HARMISH=HARMISH),
    phrase("(?:has|have|had) (?:already )?been (?:wrongly |falsely |wrongfully |illegally |unlawfully |already )?(?:harmed|injured|killed|defrauded|scammed|arrested|detained|misidentified|discriminated against|denied|rejected|evicted|fired|misdiagnosed|extorted|blackmailed|exposed|leaked|stolen)", ),
    phrase("(?:victims|people|users|customers|patients|families|consumers|residents|applicants) (?:\\S+ ){0,2}(?:have |has |had )?(?:already )?(?:lost|suffered|been harmed|been defrauded|been denied|been rejected)", ),
]
_MODAL_WORDS = frozenset("could may might would if unless should".split())


def harm_happened(text: Text) -> list[Hit]:
    """Only the explicit forms of harm that happened, in sentences that imagine nothing:
    "realized harm", "harm has occurred", "has already led to losses", "victims have lost"."""
    hits = []
    for hit in _asserted(text, _HAPPENED):
        sentence = text.sentences[hit.sentence]
        if set(sentence.words) & _MODAL_WORDS or set(sentence.before(hit.first)) & _DEFINITIONAL:
            continue
        if set(sentence.words[hit.first : hit.last + 1]) & _NEGATING_WORDS:
            continue
        clause = sentence.words[sentence.clause_start(hit.first) : sentence.clause_end(hit.last) + 1]
        if not set(clause) & _OTHER_SOURCES:
            hits.append(hit)
    return hits
