"""The word lists the cue readers build their token patterns from.

Each is a "|"-separated alternation for `patterns.phrase` (an entry may hold several words or a
small regex over words). Kept in one place so a word added for one reader is seen by the others.
"""

from __future__ import annotations

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
