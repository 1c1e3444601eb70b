"""The words of prompt injection, by family and language, for `injection.py`.

Patterns are `phrase` templates over the tokens of one sentence (see `patterns.py` and `language.py`): "don't"
is "do not", "l'article" is one word, a hyphen is its own token ("language - model"). An
`asks` family is an instruction about the label: the class it asks for is read in the words
after it. An `imperative` family only counts as an order (sentence start, after "and",
"please", a colon, ...): "firms that ignore the rules" is news, "Ignore the rules:" is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from aimlabel.rules.conclusion import COMPLEMENTARY, HAZARD, INCIDENT, UNRELATED
from aimlabel.rules.patterns import anchors_of, phrase

_W = dict(
    IGNORE="ignore|disregard|forget|override|overlook|discard|bypass|skip",
    QUANT="all|any|the|your|these|those|of|every|my|our",
    PRIOR="previous|prior|above|earlier|preceding|system|original|initial|former|existing|foregoing|old|aforementioned|default",
    # Words for a prompt: with a word for "earlier", they mean the model's instructions anywhere.
    PROMPT="instructions|instruction|prompts|prompt|directions|directives|messages|commands",
    # Words that news uses of laws and firms too: an order only in imperative position.
    RULES="instructions|instruction|prompts|prompt|directions|directives|messages|commands|rules|guidelines|guidance|"
          "policies|policy|context|constraints|task|tasks|criteria|definitions|training|programming|orders|rubric|rubrics|"
          "scheme|framework|taxonomy",
    # What an order to the model calls its rules, without a word for "earlier": imperative only.
    ORDERS="instructions|instruction|prompts|prompt|directions|directives|rules|guidelines|guidance|policies|constraints|"
           "criteria|definitions|training|programming|rubric|rubrics|taxonomy",
    LABEL="label|classify|categori[sz]e|mark|tag|rate|file|flag|code|annotate|class",
    DOC="article|story|text|item|news item|news|page|piece|post|content|document|entry|link|passage|report|one",
    STRICT_DOC="article|story|text|item|news item|news|page|piece|post",
    AI="ai|a.i.|artificial intelligence|ai model|ai models|ai system|ai systems|ai assistant|ai assistants|ai agent|ai agents|"
       "llm|llms|language model|language models|large language model|large language models|chatbot|chatbots|gpt|chatgpt|"
       "claude|gemini|labeller|labellers|labeler|labelers|annotator|annotators|classifier|classifiers|automated system|"
       "automated systems|bot|bots|machine learning model|machine learning models",
    AI_KIND="ai|a.i.|llm|automated|machine|language - model|gpt|chatbot|bot|ml",
    WORKERS="labellers|labelers|labeller|labeler|classifiers|classifier|annotators|annotator|reviewers|moderators|systems|"
            "system|models|model|assistants|assistant|readers|crawlers|agents|agent|bots|scrapers|tools|pipelines|pipeline",
    LABELLERS="labellers|labelers|labeller|labeler|annotators|annotator|classifiers|classifier|labelling systems|"
              "labeling systems|labelling models|labeling models|labelling tools|labeling tools",
    VOID="no longer apply|no longer applies|do not apply|are void|are cancelled|are canceled|are obsolete|are outdated|"
         "are revoked|are suspended|are replaced|are superseded|are null|have been revoked|have been replaced|"
         "have been superseded|have been cancelled|have been canceled|have been updated|have been withdrawn|"
         "are not valid|are invalid|no longer matter|do not matter|cancelled|canceled|revoked|void|suspended|overridden|"
         "superseded|withdrawn|were cancelled|were canceled|were revoked|are overridden",
    READING="reading|processing|labelling|labeling|classifying|reviewing|parsing|scanning|analysing|analyzing|"
            "summarising|summarizing|crawling|seeing|indexing|ingesting",
    NOTE="note|notice|message|instructions|instruction|memo|reminder|warning|attention|request|directive|hint|psa",
    FR_RULES="instructions|consignes|directives|règles|regles|indications|ordres",
    FR_PRIOR="précédentes|precedentes|antérieures|anterieures|ci - dessus|initiales|d'origine|données|donnees|reçues|recues|"
             "du système|du systeme",
    FR_LABEL="classe[zr]?|classifie[zr]?|étiquete[zr]?|etiquete[zr]?|étiquette[zr]?|etiquette[zr]?|catégorise[zr]?|"
             "categorise[zr]?|marque[zr]?|range[zr]?",
    FR_OBJ="cet article|cette information|ce texte|cette actualité|cette actualite|cette dépêche|cette depeche|ce contenu|"
           "l'article|le texte|l'information|cette nouvelle|ce sujet|le|la|cela|ceci|ça",
    FR_AI="ia|i.a.|intelligences artificielles|intelligence artificielle|étiqueteurs|etiqueteurs|annotateurs|modèles|modeles|"
          "systèmes|systemes|robots|llm|modèles de langage|modeles de langage|systèmes d'ia|systemes d'ia",
    ES_RULES="instrucciones|indicaciones|órdenes|ordenes|reglas|directrices",
    ES_PRIOR="anteriores|previas|iniciales|originales|recibidas|del sistema",
    ES_LABEL="clasifica|clasifique|clasificad|clasificar|etiqueta|etiquete|etiquetad|etiquetar|marca|marque|cataloga|catalogue",
    ES_OBJ="este artículo|este articulo|esta noticia|este texto|el artículo|el articulo|la noticia|el texto|esto|este|esta",
    ES_AI="ia|ias|i.a.|inteligencia artificial|modelos|modelo|etiquetadores|clasificadores|sistemas|asistentes|llm",
    DE_IGNORE="ignoriere|ignorieren sie|ignoriert|vergiss|vergessen sie|vergesst|missachte|missachten sie",
    DE_RULES="anweisungen|instruktionen|regeln|befehle|vorgaben|richtlinien|anordnungen",
    DE_PRIOR="vorherigen|bisherigen|vorigen|obigen|früheren|fruheren|ursprünglichen|ursprunglichen|vorangegangenen",
    DE_LABEL="klassifiziere|klassifizieren sie|kategorisiere|kategorisieren sie|markiere|markieren sie|kennzeichne|"
             "kennzeichnen sie|stufe|stufen sie|bewerte|bewerten sie|behandle|behandeln sie",
    DE_OBJ="diesen artikel|den artikel|diesen text|den text|diesen beitrag|den beitrag|diese meldung|diesen bericht|ihn|es",
    DE_AI="ki|ki - systeme|ki - modelle|ki - labeler|sprachmodelle|modelle|klassifikatoren|annotatoren|llm|llms",
    IT_IGNORE="ignora|ignorate|dimentica|dimenticate|trascura|trascurate",
    IT_RULES="istruzioni|indicazioni|regole|direttive|consegne",
    IT_PRIOR="precedenti|iniziali|originali|ricevute|di sistema",
    IT_LABEL="classifica|classificate|etichetta|etichettate|cataloga|catalogate|segna|segnate",
    IT_OBJ="questo articolo|quest'articolo|l'articolo|questo testo|questa notizia|il testo|la notizia|questo",
    IT_AI="ia|intelligenze artificiali|intelligenza artificiale|modelli|etichettatori|classificatori|sistemi",
    PT_IGNORE="ignore|ignora|ignorem|esqueça|esqueca|esqueçam|esquecam|desconsidere|desconsiderem",
    PT_RULES="instruções|instrucoes|orientações|orientacoes|regras|diretrizes|ordens",
    PT_PRIOR="anteriores|prévias|previas|iniciais|originais|recebidas|do sistema",
    PT_LABEL="classifique|classifica|classificar|rotule|rotula|rotular|marque|etiquete|categorize|categorizar",
    PT_OBJ="este artigo|esta notícia|esta noticia|este texto|o artigo|a notícia|a noticia|esta matéria|esta materia|este|esta|isto",
    PT_AI="ia|ias|inteligências artificiais|inteligencias artificiais|inteligência artificial|inteligencia artificial|modelos|"
          "rotuladores|classificadores|sistemas",
    ALL_WORD="toutes|tous|todas|todos|tutte|tutti|alle|sämtliche|samtliche",
    CLASS="ai incident|ai hazard|complementary information|unrelated",
)


@dataclass(frozen=True)
class Family:
    """One word pattern; `anchors`: words of which a text must hold one to match (None: any text)."""

    name: str
    pattern: re.Pattern[str]
    anchors: frozenset[str] | None
    asks: bool = False
    imperative: bool = False


def _family(name: str, template: str, *, asks: bool = False, imperative: bool = False) -> Family:
    pattern = phrase(template, **_W)
    return Family(name, pattern, anchors_of(pattern), asks, imperative)


FAMILIES: tuple[Family, ...] = (
    # "Ignore all previous instructions" and its direct variants.
    _family("override", "{IGNORE} {QUANT}* {PRIOR} {PRIOR}* {PROMPT}"),
    _family("override", "{IGNORE} {QUANT}* {PRIOR} {PRIOR}* {RULES}", imperative=True),
    _family("override", "{IGNORE} {QUANT}* {ORDERS}", imperative=True),
    _family("override", "{IGNORE} {QUANT}* (?:everything|anything) (?:(?:you were|you have been|you've been) (?:told|given)|above|before|said|else)"),
    _family("override", "(?:oubliez|oublie|ignorez|ignore) (?:tout )?ce qui (?:précède|precede|est écrit plus haut|est ecrit plus haut)"),
    _family("override", "(?:olvida|olvide|ignora|ignore) (?:todo )?lo (?:anterior|previo|dicho|de arriba)"),
    _family("override", "(?:vergiss|vergessen sie|ignoriere) alles (?:bisherige|vorherige|obige|oben|davor|andere)"),
    _family("override", "(?:dimentica|dimenticate|ignora) tutto (?:quanto |ciò |cio )?(?:sopra|prima|detto|precede)"),
    _family("override", "(?:esqueça|esqueca|ignore) tudo (?:o que foi dito|acima|o que veio antes|antes)"),
    # The same, reworded.
    _family("paraphrase", "pay no (?:attention|heed|mind) to {QUANT}* {PRIOR}* {RULES}", imperative=True),
    _family("paraphrase", "(?:set|put|leave|cast|push) aside {QUANT}* {PRIOR}* {RULES}", imperative=True),
    _family("paraphrase", "(?:set|put|leave|cast|push) aside (?:everything|all|anything) (?:you were|you have been|you've been|you are|you're) (?:told|given|taught)"),
    _family("paraphrase", "(?:stop|quit|cease) (?:following|obeying|applying) {QUANT}* {PRIOR}* {RULES}", imperative=True),
    _family("paraphrase", "(?:do not|never|no need to) (?:follow|obey|apply|use) {QUANT}* {PRIOR} {RULES}", imperative=True),
    _family("paraphrase", "{QUANT}* {PRIOR} {PROMPT} (?:you (?:were|have been) given )?{VOID}"),
    _family("paraphrase", "(?:your|the) {PRIOR} {RULES} (?:you (?:were|have been) given )?{VOID}", imperative=True),
    _family("paraphrase", "your (?:real|actual|true|new|updated|revised|only|current) (?:task|job|instructions?|role|assignment|mission|orders?) (?:is|are|now)"),
    _family("paraphrase", "(?:new|updated|revised|overriding|secret|hidden) (?:instructions?|directives?) (?:for|to) (?:the |all |any )?{AI}"),
    _family("paraphrase", "from now on (?:, )?you (?:are|will|must|should|shall) (?:only |always |now )?(?:an? |the )?(?:ai|assistant|model|classifier|labeller|labeler|act|behave|answer|respond|reply|output|classify|label|ignore|treat|say)"),
    _family("paraphrase", "instead (?:, )?you (?:must|should|will|are to) (?:{LABEL}|answer|respond|reply|say|ignore|output)"),
    _family("paraphrase", "(?:respond|reply|answer|output|return) (?:only |just |simply )?(?:with|in) (?:valid |raw )?json", imperative=True),
    _family("paraphrase", "new (?:instructions?|task|rules|directives?|orders|system prompt) :"),
    # Text that speaks to the model or the labeller.
    _family("addressed", "{NOTE} (?:to|for) (?:the |all |any |every |our )?{AI_KIND} (?:- )?{WORKERS}"),
    _family("addressed", "{NOTE} (?:to|for) (?:the |all |any |every |our )?{LABELLERS}"),
    _family("addressed", "{NOTE} (?:to|for) (?:the |all |any |every )?{AI}"),
    _family("addressed", "{AI_KIND} (?:- )?{WORKERS} :", imperative=True),
    _family("addressed", "(?:ai|llm|llms|models|bots|a.i.) : (?:[^ ]+ ){0,6}(?:you|your|ignore|label|classify|categori[sz]e|answer|respond|output|this page|this article|this story|this text|this item)", imperative=True),
    _family("addressed", "you , (?:the |an? )?(?:{AI}|model|models|{AI_KIND} (?:- )?{WORKERS})"),
    _family("addressed", "(?:whoever|whatever|anyone|anything|anybody) (?:or (?:whoever|whatever) )?(?:is|are) (?:{READING}) (?:this|these)"),
    _family("addressed", "(?:for|to) (?:any|all|every) (?:{AI}|{AI_KIND} (?:- )?{WORKERS}) :"),
    _family("addressed", "(?:instructions?|nota|note|hinweis|consignes?) (?:for|für|fur|pour|per|para) (?:the |le |la |die |l')?(?:{AI}|model|modèle|modele|ki|ia|modell|modelo|modello)"),
    _family("addressed", "(?:attention|dear|hey|hello) (?:all |any |the |every )?(?:{AI_KIND} (?:- )?{WORKERS}|{AI}|{LABELLERS})"),
    _family("addressed", "(?:if|when|since|as) you are (?:an? |the |any )?(?:{AI}|{AI_KIND} (?:- )?{WORKERS})"),
    _family("addressed", "you are (?:now )?(?:an?|the) (?:ai|a.i.|artificial intelligence|language model|llm|large language model|chatbot|ai model|ai assistant|classifier|labeller|labeler|annotator|labelling assistant|labeling assistant)"),
    _family("addressed", "(?:any |all |every |each )?{AI_KIND} (?:- )?{WORKERS} (?:that is |that are |who are )?{READING} (?:this|these) (?:article|story|text|page|content|item|post|document|words|line|lines|message|note|[:,.;!-])"),
    _family("addressed", "(?:any |all |every |each )?{AI} (?:that is |that are |who are )?{READING} (?:this|these) (?:article|story|text|page|content|item|post|document|words|line|lines|message|note|[:,.;!-])"),
    # Orders about the label itself (kept only when they name a class or this very article).
    _family("label", "(?:(?:please|kindly|you must|you should|must|should|make sure to|be sure to|remember to|always|just|simply|now) )?{LABEL} (?:this|the|that|it|the following|every|each|all|any) (?:{DOC} )?(?:above |below |here )?(?:only )?(?:as|under)", asks=True),
    _family("label", "{LABEL} (?:this|the|that|it|me) (?:{DOC} )?(?:an? )?(?:\" |' )?{CLASS}", asks=True),
    _family("label", "(?:the|your) (?:label|classification|category|class|answer|output|verdict) (?:you (?:must|should|will|need to|are to) (?:output|give|use|return|choose|pick|assign) )?(?:is|=|:|must be|should be)", asks=True),
    _family("label", "(?:choose|pick|select|assign|use) (?:the )?(?:label |class |category |classification )?(?:\" |' )?{CLASS}", asks=True),
    _family("label", "{CLASS} is the (?:(?:correct|right|only|true|real|expected) )?(?:answer|label|classification|category|class|verdict)", asks=True),
    _family("french", "(?:répondez|repondez|réponds|reponds|indiquez|indique|écrivez|ecrivez|choisissez|choisis) (?:uniquement |seulement |simplement )?(?:par |avec )?", asks=True),
    _family("spanish", "(?:responde|responda|contesta|conteste|escribe|escriba|elige|elija) (?:solo |solamente |únicamente |unicamente )?(?:con )?(?:la etiqueta |la palabra |la categoría |la categoria )?", asks=True),
    _family("label", "{LABEL} (?:it |this )?as (?:an? )?{CLASS}", asks=True),
    _family("label", "(?:always |only |just )?(?:answer|answers|respond|responds|reply|replies|say|says|output|outputs|return|returns) (?:with )?(?:the word |the label )?(?:\" |' )?{CLASS}", asks=True),
    _family("label", "(?:please |kindly |you must |you should |always |just |simply )?(?:treat|consider|report|record|list|score) (?:this|the|it) (?:{STRICT_DOC} )?(?:above |below |here )?(?:only )?as", asks=True),
    _family("label", "(?:this|the|that) {STRICT_DOC} (?:should|must|shall|is to|needs to|has to|ought to|will|may only|can only) (?:only )?be (?:labell?ed|classified|categori[sz]ed|marked|tagged|treated|filed|considered|rated|coded|recorded|reported|listed|scored)", asks=True),
    _family("label", "the (?:(?:correct|right|proper|only|appropriate|acceptable|expected|required|true|real|final|official|valid) )+(?:label|labels|classification|category|class|answer|output|tag|verdict|result) (?:for (?:this|the) {DOC} )?(?:is|=|:)", asks=True),
    _family("label", "(?:respond|reply|answer|output|return|print|write|say|emit|produce) (?:only |just |simply )?(?:with )?(?:the )?(?:word|label|class|classification|category|string|value|answer)", asks=True),
    _family("label", "(?:set|put|give|assign) (?:the |its |this )?(?:classification|label|class|category|severity) (?:to|as|of)", asks=True),
    _family("label", "(?:classification|label|category|class) (?:for (?:this|the) {DOC} )?(?:must|should|shall|has to|needs to) be", asks=True),
    # French, Spanish, German, Italian, Portuguese: the override, the address, the order.
    _family("french", "(?:ignore[zr]?|oublie[zr]?) (?:{ALL_WORD} )?(?:les |vos |tes |ces )?{FR_RULES} {FR_PRIOR}"),
    _family("french", "(?:ignore[zr]?|oublie[zr]?) {ALL_WORD} (?:les |vos |tes |ces )?{FR_RULES}"),
    _family("french", "ne (?:tenez|tiens) (?:pas|plus) compte (?:des|de vos|de tes) {FR_RULES}"),
    _family("french", "(?:note|message|consigne|avis|remarque) (?:aux|pour les|pour l'|à l'attention des|a l'attention des) {FR_AI}"),
    _family("french", "(?:note|message|consigne|avis|remarque) (?:à|a|pour) (?:l'ia|l'i.a.|l'intelligence artificielle)"),
    _family("french", "(?:si )?(?:vous êtes|vous etes|tu es) (?:une |un |l')?(?:ia|i.a.|intelligence artificielle|modèle de langage|modele de langage|llm)"),
    _family("french", "(?:si )?(?:vous êtes|vous etes|tu es) (?:l'ia|l'intelligence artificielle)"),
    _family("french", "{FR_LABEL} {FR_OBJ} (?:comme|en tant que|dans la catégorie|dans la categorie|en)", asks=True),
    _family("french", "(?:cet|cette|ce) (?:article|texte|contenu|information|dépêche|depeche) (?:doit|devrait) être (?:classé|classe|classée|classee|étiqueté|etiquete|étiquetée|catégorisé|categorise|marqué|marque|considéré|considere|traité|traite)", asks=True),
    _family("spanish", "(?:ignora|ignore|ignorad|olvida|olvide|olvidad) (?:{ALL_WORD} )?(?:las |tus |sus |los )?{ES_RULES} {ES_PRIOR}"),
    _family("spanish", "(?:ignora|ignore|ignorad|olvida|olvide|olvidad) {ALL_WORD} (?:las |tus |sus |los )?{ES_RULES}"),
    _family("spanish", "(?:nota|mensaje|aviso|instrucción|instruccion) (?:para|a) (?:la |las |los |el )?{ES_AI}"),
    _family("spanish", "(?:si )?(?:eres|usted es) (?:una |un )?(?:ia|inteligencia artificial|modelo de lenguaje|llm)"),
    _family("spanish", "{ES_LABEL} {ES_OBJ} (?:como|en la categoría|en la categoria)", asks=True),
    _family("spanish", "(?:este|esta) (?:artículo|articulo|noticia|texto) (?:debe|debería|deberia|tiene que) (?:ser )?(?:clasificad[oa]|etiquetad[oa]|marcad[oa]|considerad[oa]|catalogad[oa])", asks=True),
    _family("german", "{DE_IGNORE} (?:{ALL_WORD} |die |deine |ihre )?{DE_PRIOR} {DE_RULES}"),
    _family("german", "{DE_IGNORE} {ALL_WORD} (?:deine |ihre )?{DE_RULES}"),
    _family("german", "(?:hinweis|nachricht|anweisung|notiz) (?:an|für|fur) (?:die |alle )?{DE_AI}"),
    _family("german", "(?:du bist|wenn du|falls du) (?:eine |ein )?(?:ki|künstliche intelligenz|kunstliche intelligenz|sprachmodell|llm)"),
    _family("german", "{DE_LABEL} {DE_OBJ} als", asks=True),
    _family("german", "(?:dieser|der) (?:artikel|text|beitrag|bericht) (?:ist|soll|sollte|muss) als", asks=True),
    _family("italian", "{IT_IGNORE} (?:{ALL_WORD} )?(?:le |tue |sue )?{IT_RULES} {IT_PRIOR}"),
    _family("italian", "{IT_IGNORE} {ALL_WORD} (?:le |tue )?{IT_RULES}"),
    _family("italian", "(?:nota|messaggio|avviso) (?:per|alle|agli|ai) (?:le |gli |l')?{IT_AI}"),
    _family("italian", "{IT_LABEL} {IT_OBJ} (?:come|quale)", asks=True),
    _family("portuguese", "{PT_IGNORE} (?:{ALL_WORD} )?(?:as |suas |tuas |os )?{PT_RULES} {PT_PRIOR}"),
    _family("portuguese", "{PT_IGNORE} {ALL_WORD} (?:as |suas |os )?{PT_RULES}"),
    _family("portuguese", "(?:nota|mensagem|aviso) (?:para|aos|às|as) (?:a |as |os )?{PT_AI}"),
    _family("portuguese", "{PT_LABEL} {PT_OBJ} (?:como|na categoria)", asks=True),
)

# Nouns that make an order about the label specific to this article without naming a class.
OBJECT_NOUNS = frozenset("article story item piece news artículo articulo noticia artigo notícia noticia articolo notizia "
                         "artikel beitrag meldung l'article quest'articolo l'articolo".split())
# A word right before an order that reverses it ("do not label this as ...", "ne classez pas").
ORDER_NEGATORS = frozenset("not never no ne nunca nicht kein non não nao".split())

# What a class is called in an instruction.
CLASS_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (cls, phrase(template)) for cls, template in (
        (UNRELATED, "(?:unrelated|irrelevant|off - topic|not relevant|not related|not ai - related|not about (?:ai|artificial intelligence)|"
                    "nothing to do with (?:ai|artificial intelligence)|non - ai|sans rapport|sans lien|non lié|non lie|non liée|"
                    "hors sujet|hors - sujet|non pertinent|non pertinente|no relacionad[oa]|sin relación|sin relacion|irrelevante|"
                    "ajen[oa]|ohne bezug|nicht relevant|non correlat[oa]|irrilevante|não relacionad[oa]|nao relacionad[oa]|"
                    "sem relação|sem relacao)"),
        (INCIDENT, "(?:ai incident|incident|incidente|ki - vorfall|vorfall|incidente de ia|incidente di ia|incident d'ia|incident ia)"),
        (HAZARD, "(?:ai hazard|hazard|danger|peligro|gefahr|ki - gefahr|gefährdung|pericolo|perigo)"),
        (COMPLEMENTARY, "(?:complementary information|complementary|supplementary information|informations? complémentaires?|"
                        "informations? complementaires?|información complementaria|informacion complementaria|"
                        "ergänzende informationen?|erganzende informationen?|informazion[ei] complementar[ei]|"
                        "informação complementar|informacao complementar)"),
    )
)

# A statement about this very article in the label's own words ("This story is Unrelated to AI."),
# and the same denied ("This article does not describe an AI incident."): an order not to give a class.
CLAIM = _family("claim", "(?:this|the) (?:article|story|text|item|piece|post|page|news item|content) (?:is|counts as|qualifies as|"
                "belongs (?:to|in)|falls under|should count as|must count as) (?:an? )?(?:ai incident|ai hazard|complementary information|unrelated)")
CLAIM_NOT = _family("claim", "(?:this|the) (?:(?:article|story|text|item|piece|post|page|news item|content) )?(?:is not|is no|"
                    "does not describe|does not report|does not concern|is in no way|should not be|must not be) "
                    "(?:considered |classified as |labell?ed |treated as )?(?:an? )?(?:ai incident|ai hazard|complementary information)")
CLAIM_NOT_LABEL = re.compile(r"\bunrelated (?:to|with) (?!(?:ai|artificial intelligence)\b)")

# Words that show a quoted instruction is reported, in a story about injection or attacks.
REPORTED_TOPIC = frozenset(
    "injection injections inject injected jailbreak jailbreaks jailbreaking attack attacks attacker attackers hacker hackers "
    "hacked exploit exploits exploited researcher researchers malicious adversarial payload payloads vulnerability "
    "vulnerabilities hidden hid hide hides hiding invisible embedded concealed phrase phrases trick tricks tricked "
    "manipulate manipulated manipulation planted hijack hijacked meme memes prank pranks "
    "chercheurs chercheur attaque attaques pirates caché cachée cachés cachées investigadores ataque ataques oculto oculta "
    "forscher angriff angriffe versteckt versteckte ricercatori attacco nascosto nascosta pesquisadores escondido".split()
)

_CLASS_VALUE = r"(?P<cls>ai incident|ai hazard|complementary information|unrelated|incident|hazard)"
_INSTRUCTION_CUE = r"\b(?:ignore|instructions?|system|assistant|label\w*|classif\w*|respond|output|prompt|vous)\b"

class LineStart:
    """`(?:^|\n)` + `body`, searched as two patterns: `body` at the start of the text, then "\n" +
    `body` from where that match ended.

    A regex whose first character is a literal is searched by skipping to that character; one
    that opens with `(?:^|\n)` is tried at every position of the text. `body` must not match a
    newline, so that no match runs into the next line's: the matches are then those of the single
    pattern, the same spans in the same order."""

    def __init__(self, body: str, flags: int = 0) -> None:
        self.first = re.compile(body, flags)
        self.rest = re.compile("\n" + body, flags)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        first = self.first.match(text)
        if first is not None:
            yield first
        yield from self.rest.finditer(text, first.end() if first is not None else 0)


class Markup(NamedTuple):
    """One family of markup: its name, the substrings (of the lower-cased text) it needs, one of
    each group, and its pattern. Most articles hold none, and a substring test is far cheaper
    than the scan."""

    name: str
    cues: tuple[tuple[str, ...], ...]
    pattern: re.Pattern[str] | LineStart


# Markup, matched on the raw text: role tags and chat-template tokens, the prompt's own
# delimiters and other fake ends of the article, JSON or a "Label:" line written as the answer.
MARKUP: tuple[Markup, ...] = (
    Markup("role tag", (("<", "[inst"),), re.compile(
        r"</?\s*(?:system|assistant|user|developer|instructions?|sys|prompt)\s*>|<\|[a-z_]{2,30}\|>|\[/?INST\]|<</?SYS>>", re.I)),
    Markup("role tag", (("system", "developer"), (":",)), LineStart(
        r"[ \t#*>\[]*(?:system|developer)(?: prompt| message| instructions?| note)?\]?[ \t]*:"
        r"(?=[^\n]{0,200}\b(?:you|your|ignore|instructions?|label\w*|classif\w*|respond|output|answer|assistant)\b)", re.I)),
    Markup("role tag", (("assistant",), (":",)), LineStart(
        r"[ \t#*>\[]*assistant\]?[ \t]*:(?=[^\n]{0,200}\b(?:label\w*|classif\w*|category|unrelated|ai incident|ai hazard)\b)", re.I)),
    Markup("role tag", (("override",),), re.compile(r"(?:^|\n)[ \t#*\[]*(?:system )?override[ \t#]*[:!\]\n]", re.I)),
    Markup("role tag", (("role",),), re.compile(r"[{,]\s*[\"']role[\"']\s*:\s*[\"'](?:system|assistant|developer)[\"']", re.I)),
    Markup("end marker", (("<<<", "</"),), re.compile(
        r"<<<\s*(?:end|article)\b|</\s*(?:article|text|document|content|input|news)\s*>", re.I)),
    Markup("end marker", (("end", "fin d", "over", "finished"),), LineStart(
        r"[ \t\[(<=#*_~-]*(?:end of (?:the )?(?:article|text|document|input|content|story|news(?: item)?|"
        r"user (?:input|content|message)|untrusted content)|(?:the )?(?:article|text|input|document) (?:ends|ended|is over|is finished)(?: here| now)?|"
        r"fin de l'article|fin del art[ií]culo|ende des artikels)[ \t\])>=#*_~.:-]*(?=\n|$)(?=[\s\S]{0,400}?" + _INSTRUCTION_CUE + ")",
        re.I)),
    Markup("end marker", (("begin", "start"), ("prompt", "instruction", "task", "message")), re.compile(
        r"\b(?:begin|start)(?:ning)? (?:of )?(?:the )?(?:(?:new|real|actual|system|hidden) )+(?:prompt|instructions?|task|message)\b", re.I)),
    Markup("json", (('":', "':", '" :', "' :"),), re.compile(
        r"[{,]\s*[\"'](?:classification|label|category|class|verdict)[\"']\s*:\s*[\"']" + _CLASS_VALUE + r"[\"']", re.I)),
    Markup("json", (('":', "':", '" :', "' :"),), re.compile(
        r"[{,]\s*[\"'](?:classification|label|category|class|severity|rationale|realised_harm|harm_types|ai_principles|verdict)[\"']\s*:", re.I)),
    Markup("label", ((":", "="),), re.compile(
        r"(?:^|\n|>|\.\s)[ \t*#>-]*(?:classification|label|correct label|category|verdict|aim label|oecd label|output|answer)[ \t]*[:=][ \t]*[\"']?"
        + _CLASS_VALUE + r"\b", re.I)),
    Markup("hidden", (("<!--",),), re.compile(
        r"<!--[^>]{0,300}?\b(?:ai|llm|model|label\w*|classif\w*|instruction\w*|assistant|ignore)\b", re.I)),
)
