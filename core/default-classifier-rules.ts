import { type ClassifierRule, type ComplexityRule } from './config';

/*
 * The built-in evidence for the built-in task types. They are data, read by `classifyRequest`
 * exactly like a config's own rules, so a config can out-weigh or extend any of them.
 *
 * How the weights are meant to add up:
 * - 3: an explicit instruction that names the task ("summarize", "classify", "write a poem").
 * - 2: a strong cue that rarely means anything else ("tl;dr", "probability", a code block).
 * - 1: a cue shared with other tasks ("explain", "table", "how many").
 * - 0.5: faint evidence that only breaks ties or tips a close call.
 * (1.5 and 2.5 sit between.) A task type's score is the sum of its fired rules, each rule counting
 * once however often its cue appears.
 * Rules limited by `withinFirstChars` add a bonus when the cue opens the prompt: instructions come
 * first, and the text pasted after them (an article, an email, code) should not steer the route.
 * The default `minScore` is 1, so a lone faint cue leaves a request on the default route.
 *
 * Patterns are case-insensitive JavaScript regular expressions without the `m` flag: `^` is the
 * start of the prompt. Keywords match whole words or phrases.
 */

/** Verbs that ask for new text to be produced, used to recognise "write a poem", "draft an email". */
const GENERATE = String.raw`(?:write|writing|compose|draft|create|craft|pen|generate|produce|prepare|come up with|make up|invent|develop|help me write|tell(?= (?:me |us )?(?:a|an) ))`;

/** Things people ask a model to write: the object of a creative or writing request. */
const WRITTEN_FORM = String.raw`(?:(?:short |bedtime |love |horror |detective |funny )?stor(?:y|ies)|tales?|poems?|poetry|haikus?|limericks?|sonnets?|ballads?|odes?|songs?|lyrics|raps?|verses?|shant(?:y|ies)|anthems?|hymns?|chants?|carols?|serenades?|couplets?|acrostics?|fables?|fairy ?tales?|novels?|novellas?|screenplays?|scripts? for (?:a|an|the) (?:play|film|movie|video|commercial|skit|podcast|scene)|skits?|dialogues?|monologues?|scenes?|essays?|blog posts?|blogs?|articles?|op-eds?|columns?|e-?mails?|letters?|cover letters?|notes? to|speech(?:es)?|toasts?|eulogy|eulogies|tweets?|threads? for|social media posts?|posts? for|captions?|slogans?|taglines?|jingles?|ad copy|ads?|advertisements?|commercials?|product descriptions?|descriptions? for|pitch(?:es)?|press releases?|newsletters?|invitations?|announcements?|bios?|biograph(?:y|ies) for|jokes?|puns?|riddles? for|greeting cards?|cards? for|vows|outlines? for|characters?|plots?|story ?lines?|backstor(?:y|ies)|worlds?|settings? for|proposals?|messages? to|replies? to|responses? to|reviews? of)`;

/** "key points", "main takeaways", "most important findings". */
const MAIN_POINTS = String.raw`\b(?:key|main|major|central|core|top|most important|most relevant|important|essential|primary|biggest|headline) (?:points?|takeaways?|ideas?|findings?|messages?|arguments?|highlights?|themes?|insights?|conclusions?)\b`;

/** Words that point at a text supplied with the request rather than at a topic. */
const TEXT_AT_HAND = String.raw`\b(?:this|these|the following|below|above|attached|pasted|here|my|our)\b`;

/** How far into the prompt an instruction counts as the one that opens it. */
const OPENING = 120;

export const BUILT_IN_CLASSIFIER_RULES: readonly ClassifierRule[] = [
  // ---------------------------------------------------------------- the opening instruction
  // The first sentence usually says what to do; what follows may be pasted material full of
  // other cues. These add to the rules below when their cue opens the prompt.
  {
    taskType: 'extraction',
    weight: 2,
    withinFirstChars: OPENING,
    patterns: [String.raw`\b(?:extract|pull out|parse|scrape)\b`],
    label: 'opens with an extraction instruction',
  },
  {
    taskType: 'classification',
    weight: 2,
    withinFirstChars: OPENING,
    patterns: [String.raw`\b(?:classify|categori[sz]e|triage)\b|\b(?:label|tag) (?:this|these|each|every|the|it|them|all)\b`],
    label: 'opens with a labelling instruction',
  },
  {
    taskType: 'summarization',
    weight: 2,
    withinFirstChars: OPENING,
    patterns: [String.raw`\b(?:summari[sz]e|sum up|tl;?dr|condense|recap|shorten)\b`],
    label: 'opens with a summarising instruction',
  },
  {
    taskType: 'reasoning',
    weight: 2,
    withinFirstChars: OPENING,
    patterns: [String.raw`\b(?:solve|calculate|compute|prove)\b`],
    label: 'opens with a problem to solve',
  },
  {
    taskType: 'coding',
    weight: 2,
    withinFirstChars: OPENING,
    patterns: [String.raw`\b(?:write|implement|create|build|fix|debug|refactor|optimi[sz]e)\b[^.?!\n]{0,40}\b(?:function|program|script|class|method|query|regex|unit tests?|endpoint|api|component|module|code)\b`],
    label: 'opens with a programming task',
  },
  {
    taskType: 'creative_generation',
    weight: 2,
    withinFirstChars: OPENING,
    patterns: [String.raw`\b${GENERATE}\b(?:(?!\b(?:for|of|about|on|from|to|in|with|this|that|these|below|above)\b)[^.?!\n]){0,40}?\b${WRITTEN_FORM}\b`],
    label: 'opens with a writing instruction',
  },

  // ---------------------------------------------------------------- extraction
  {
    taskType: 'extraction',
    weight: 3,
    patterns: [String.raw`\b(?:extract(?:s|ed|ing|ion)?|scrap(?:e|es|ed|ing))\b`],
    label: 'asks to extract',
  },
  {
    taskType: 'extraction',
    weight: 2,
    patterns: [
      String.raw`\bpull (?:out )?(?:all |every |each |the )`,
      String.raw`\b(?:identify|find|list|get|grab|capture|locate|retrieve|return|collect|gather|pick out|highlight)\s+(?:all|every|each)\b[^.?!\n]{0,60}\b(?:mentioned|listed|named|referenced|cited|that appears?|appearing|found|contained|in (?:the|this|these|that) (?:text|passage|document|article|email|message|paragraph|page|post|report|record|file|transcript|thread|review|list|table|snippet|excerpt))\b`,
    ],
    label: 'asks to pull items out of a text',
  },
  {
    taskType: 'extraction',
    weight: 1.5,
    patterns: [String.raw`\b(?:identify|find|list|locate|pick out|get|return|give me|show me|output|collect|gather|grab|scan for|capture|pull|note(?: down)?|write down|jot down|highlight|mark|count|enumerate)\s+(?:all|every|each|any)\b`],
    label: 'asks for every occurrence of something',
  },
  {
    taskType: 'extraction',
    weight: 2,
    patterns: [
      String.raw`\b(?:mentioned|referenced|listed|cited|named|stated|specified|quoted|recorded) (?:in|on|by|within|throughout)\b`,
      String.raw`\b(?:get|give|tell|show|find|pull|grab|fetch|read|take)(?: me)? (?:the|all|every|each|any)\b[^.?!\n]{0,80}\b(?:from|out of|off) (?:the|this|these|that|my|each)\b`,
      String.raw`\b(?:convert|turn|transform|reformat|restructure|organi[sz]e|put)\b[^.?!\n]{0,60}\b(?:into|to|as|in)\b[^.?!\n]{0,20}\b(?:list of|table|json|csv|rows|records|structured|spreadsheet|fields)\b`,
    ],
    label: 'asks for specific items from a text',
  },
  {
    taskType: 'extraction',
    weight: 2,
    patterns: [String.raw`\bcount (?:how many|the (?:number of )?(?:occurrences|times|instances|mentions))\b|\bhow many times\b[^.?!\n]{0,60}\b(?:appears?|occurs?|(?:is|are) (?:mentioned|used|repeated))\b`],
    label: 'asks to count occurrences in a text',
  },
  {
    taskType: 'extraction',
    weight: 1.5,
    patterns: [String.raw`\b(?:list|give|return|provide|show|output|collect|identify)\b[^.?!\n]{0,60}\b(?:with|along with|and) (?:their|its|his|her|each one's) [\w -]{2,30}`],
    label: 'asks for records with attributes',
  },
  {
    taskType: 'extraction',
    weight: 1.5,
    patterns: [
      String.raw`\b(?:what|which|who) (?:is|are|was|were) (?:the|their|its|his|her) [^,?.\n]{2,40}, (?:the |their |its )?[^,?.\n]{2,40},? and (?:the |their |its )?[^,?.\n]{2,40}\?`,
      String.raw`\b(?:list|give|return|provide|identify|state|name|output|report|record|capture|note down|tell me)\b(?: me)? (?:the|their|its|his|her) [^,?.:\n]{2,40}, (?:the |their |its )?[^,?.:\n]{2,40},? (?:and|&) (?:the |their |its )?[^,?.:\n]{2,40}`,
    ],
    label: 'asks for several fields at once',
  },
  {
    taskType: 'extraction',
    weight: 2,
    keywords: ['named entities', 'named entity', 'entity extraction', 'entities', 'key-value pairs', 'key value pairs', 'structured data', 'structured output', 'structured format', 'structured json', 'machine-readable', 'fill in the fields', 'form fields'],
    label: 'names structured data',
  },
  {
    taskType: 'extraction',
    weight: 1.5,
    patterns: [
      String.raw`\b(?:as|in|into|to|using|with|return(?:ing)?|output(?:ting)?|give me|format(?:ted)?(?: it)?(?: as)?)\s+(?:a |an |the |valid )?(?:json|csv|yaml|xml|tsv)\b`,
      String.raw`\bjson (?:object|array|list|format|output|with|containing|where|whose)\b`,
      String.raw`\b(?:columns?|fields?|keys?|attributes?)\s*(?::|named|called|for|such as|like|\()`,
    ],
    label: 'asks for structured output',
  },
  {
    taskType: 'extraction',
    weight: 1,
    patterns: [String.raw`\b(?:parse|parsing|fill in|populate|tabulate)\b`],
    label: 'asks to parse or fill in',
  },
  {
    taskType: 'extraction',
    weight: 1,
    patterns: [String.raw`\b(?:as|in|into) (?:a |the )?(?:table|spreadsheet|list of (?:pairs|tuples|records))\b`],
    label: 'asks for a table',
  },
  {
    taskType: 'extraction',
    weight: 1,
    keywords: ['email addresses', 'email address', 'phone numbers', 'phone number', 'invoice number', 'order number', 'account number', 'reference number', 'postcode', 'zip code', 'street address', 'mailing address', 'dates and times', 'due date', 'total amount', 'line items', 'job titles', 'sku', 'skus', 'ticker', 'tickers'],
    label: 'names record fields',
  },
  {
    taskType: 'extraction',
    weight: 1.5,
    patterns: [
      String.raw`\b(?:from|in|out of|within|through|across|read|review|scan|go through|look (?:at|through)|analy[sz]e|use) (?:the|this|these|my|each|every) (?:[\w-]+ ){0,2}(?:text|passage|document|doc|article|e-?mails?|messages?|paragraph|page|posts?|reports?|records?|files?|transcripts?|invoices?|receipts?|resumes?|cv|contracts?|agreement|lease|policy|clauses?|forms?|labels?|logs?|chat|conversation|tweets?|comments?|reviews?|tickets?|memo|statement|letter|notes|bio|profile|ruling|filing|snippets?|excerpt|listing|data|dataset|table|recipe|sentences?)\b`,
      String.raw`\b(?:the|this|these|a|an|my|our) (?:[\w-]+ ){1,2}(?:below|above|pasted below|attached)\b|^\W*(?:below|above|here) (?:is|are)\b|\b(?:given|using|based on|according to) (?:the|this|these) (?:following|text|passage|document|article|email|data|table|record|report|transcript)\b`,
    ],
    label: 'works on a supplied text',
  },
  {
    taskType: 'extraction',
    weight: 0.5,
    patterns: [String.raw`\n[ \t]*\n|:\s*["“'][^"”'\n]{30,}|["“][^"”\n]{40,}["”]`],
    label: 'includes a pasted passage',
  },
  {
    taskType: 'extraction',
    weight: 1.5,
    structure: { hasSchema: true },
    label: 'expects output matching a schema',
  },
  {
    taskType: 'extraction',
    weight: 1,
    structure: { hasGroundTruth: true },
    label: 'has ground-truth facts',
  },

  // ---------------------------------------------------------------- classification
  {
    taskType: 'classification',
    weight: 3,
    patterns: [String.raw`\b(?:classif(?:y|ies|ied|ying|ication|ier)|categori[sz](?:e|es|ed|ing|ation))\b`],
    label: 'asks to classify',
  },
  {
    taskType: 'classification',
    weight: 3,
    keywords: ['sentiment', 'sentiments', 'spam or not', 'spam or ham', 'not spam', 'toxic or not', 'positive or negative', 'positive, negative', 'positive, neutral', 'negative, neutral', 'negative or neutral'],
    label: 'names a labelling scheme',
  },
  {
    taskType: 'classification',
    weight: 2,
    patterns: [
      String.raw`\b(?:label|tag)(?:s|ged|led|ging|ling)?\s+(?:this|these|each|every|the|it|them|all|whether|as|with)\b`,
      String.raw`\b(?:assign|pick|choose|select|give)\s+(?:it |each |every |them )?(?:one|a|an|a single|exactly one|the (?:best|most appropriate|right|correct))?\s*(?:of the following |of these )?(?:labels?|categor(?:y|ies)|class(?:es)?|tags?|topics?|genres?|buckets?|intents?|priorit(?:y|ies)|severit(?:y|ies)|risk levels?|ratings?|grades?|sentiments?)\b`,
      String.raw`\b(?:which|what) (?:category|categories|class|label|bucket|group|genre|topic|intent|department|team|queue|tier|priority|severity|type of (?:request|ticket|message|email|query|issue))\b`,
      String.raw`\bone of (?:the following|these|those)?\s*(?:labels|categories|classes|tags|topics|genres|buckets|intents|options|types)\b`,
      String.raw`\b(?:possible|allowed|valid|available) (?:labels|categories|classes|tags|intents|topics|values)\b`,
    ],
    label: 'asks for a label',
  },
  {
    taskType: 'classification',
    weight: 2,
    keywords: ['intent', 'intents', 'triage', 'spam', 'toxicity', 'toxic', 'offensive', 'hate speech', 'topic label', 'urgency', 'severity level', 'priority level'],
    label: 'names a common labelling task',
  },
  {
    taskType: 'classification',
    weight: 2,
    patterns: [
      String.raw`\b(?:sort|group|bucket|split|divide|separate)\s+(?:these|those|the following|them|each|the)\b[^.?!\n]{0,60}\b(?:into|by)\b`,
      String.raw`\b(?:is|are|was|were|does|do|did) (?:this|these|the following|it|they|that)\b[^?\n]{1,60}\bor (?:not|(?:an? |the )?[\w-]+(?: [\w-]+){0,2})\s*\?`,
      String.raw`\b(?:this|these|the following|that|it|they)\b[^?\n]{1,60}\b(?:is|are|was|were|sounds?|seems?|looks?|reads?|comes? across as)\b[^?\n]{0,40}\bor (?:not|(?:an? |the )?[\w-]+(?: [\w-]+){0,2})\s*\?`,
      String.raw`\b(?:decide|determine|judge|flag|mark|label|tag|indicate|assess|check|tell me) (?:whether|if)\b[^.?!\n]{0,60}\bor\b|\b(?:decide|determine|judge|flag|mark|label|tag|indicate|assess|check) (?:whether|if)\b`,
      String.raw`\b(?:if|whether) (?:it|this|each|they|these|the [\w-]+) (?:is|are)\b[^.?!\n]{0,40}\bor not\b`,
      String.raw`\b(?:which|what)\b[^?.\n]{0,80}\b(?:falls?|belongs?|fits?) (?:in|into|under|to|with)\b`,
      String.raw`\b(?:answer|respond|reply|output|return)(?: with)?(?: only| just)?(?: either)?\s+["'“]?[\w-]+["'”]?,?\s+or\s+["'“]?[\w-]+["'”]?\s*(?:[.!]|$)`,
      String.raw`\b(?:is|are|was|were|does|do|did)\b[^?\n]{0,40}\b(?:this|these|the following|that)\b[^?\n]{0,40}\bor\b[^?\n]{1,30}\?`,
      String.raw`\b(?:put|place|sort|assign|route|file|move|map|match)\b[^.?!\n]{0,50}\b(?:into|in|under|to|with) (?:the |their |its )?(?:right|correct|appropriate|proper|relevant|matching)\b`,
      String.raw`\b(?:belongs?|falls?) (?:in|into|under|to) (?:which|one of|a) \b`,
      String.raw`\b(?:which|what)\b[^?.\n]{0,25}\b(?:categor(?:y|ies)|class(?:es)?|labels?|buckets?|groups?|genres?|types?|kinds?)\b[^?.\n]{0,60}\b(?:falls?|belongs?|fits?|goes|go)\b`,
    ],
    label: 'asks which group something falls into',
  },
  {
    taskType: 'classification',
    weight: 2,
    patterns: [
      String.raw`\b(?:determine|assess|rate|rank|judge|grade|score|evaluate|identify|detect|flag|predict)\b (?:the |its |their |each )?(?:severity|urgency|priority|sentiment|tone|mood|emotion|risk level|category|polarity|stance|language|intent|topic)\b`,
      String.raw`\b(?:route|forward|send|assign|direct|escalate|dispatch)\b[^.?!\n]{0,40}\bto (?:the )?(?:right|correct|appropriate|relevant|best|proper|responsible) (?:team|department|queue|person|agent|group|category|inbox|channel)`,
    ],
    label: 'asks for a rating or a destination',
  },
  {
    taskType: 'classification',
    weight: 2,
    patterns: [
      String.raw`\b(?:answer|respond|reply|output|return)(?: with)? (?:only|just)?\s*(?:with )?(?:one|a single|exactly one|the) (?:word|label|category|letter|class|tag)\b`,
      String.raw`\b(?:answer|respond|reply|output|return)(?: with)? (?:only |just )?(?:yes or no|"yes" or "no"|true or false)\b`,
      String.raw`\bon a scale (?:of|from) \d+ to \d+\b`,
      String.raw`\((?:yes|y)\s*/\s*(?:no|n)\)|\b(?:yes/no|true/false|pass/fail)\b`,
      String.raw`\b(?:low|minor), (?:medium|moderate|major),? (?:or|and) (?:high|critical)\b`,
    ],
    label: 'wants a single label as the answer',
  },
  {
    taskType: 'classification',
    weight: 1.5,
    patterns: [String.raw`\b[\w-]+, [\w-]+(?: [\w-]+)?,? or [\w-]+(?: [\w-]+)?\s*(?:[?)]|\.?$)|:\s*[\w-]+(?: [\w-]+)?(?:, [\w-]+(?: [\w-]+)?){2,}\s*\?`],
    label: 'offers a closed set of options',
  },
  {
    taskType: 'classification',
    weight: 1,
    patterns: [String.raw`\((?:[\w-]+(?: [\w-]+)?, ){1,8}(?:or )?[\w-]+(?: [\w-]+)?\)|\beither [\w"'-]+(?: [\w"'-]+)? or\b`],
    label: 'lists the options',
  },
  {
    taskType: 'classification',
    weight: 2.5,
    patterns: [
      String.raw`\b(?:mark|label|tag|flag|classify|rate|score|grade|designate|treat|count|identify|annotate)\b[^.?!\n]{0,60}\bas (?:either )?[\w"'-]+(?: [\w"'-]+)?(?:, [\w"'-]+(?: [\w"'-]+)?)*,? or [\w"'-]+`,
      String.raw`\b(?:exactly |only |just )?one of\s*:\s*["'\w-]+|\b(?:exactly|only|just) one of (?:the following|these)\b`,
    ],
    label: 'asks to pick one label from a list',
  },
  {
    taskType: 'classification',
    weight: 1,
    keywords: ['category', 'categories', 'genre', 'genres', 'labels', 'tags', 'tagging', 'severity', 'detect the language', 'what language', 'sarcastic', 'sarcasm'],
    label: 'mentions categories',
  },

  // ---------------------------------------------------------------- summarization
  {
    taskType: 'summarization',
    weight: 3,
    // "the discharge summary below" names a document rather than asking for a summary.
    patterns: [String.raw`\bsummar(?:i[sz]e[sd]?|i[sz]ing|i[sz]ation|i[sz]er)\b|\bsummar(?:y|ies)\b(?! (?:below|above|attached|that follows|pasted|here))|\bsum(?:s|med|ming)? (?:it |this |that |them |these |everything )?up\b`],
    label: 'asks for a summary',
  },
  {
    taskType: 'summarization',
    weight: 3,
    keywords: ['tl;dr', 'tldr', 'tl dr', 'the essence', 'synopsis', 'recap', 'recapitulate', 'gist', 'in a nutshell', 'cliff notes', 'cliffnotes'],
    label: 'asks for the gist',
  },
  {
    taskType: 'summarization',
    weight: 1,
    patterns: [String.raw`${MAIN_POINTS}`],
    label: 'asks for the main points',
  },
  {
    // "the main ideas of the Enlightenment" is a knowledge question; "of this article" is a summary.
    taskType: 'summarization',
    weight: 2,
    patterns: [String.raw`${MAIN_POINTS}[^.?!]{0,120}?${TEXT_AT_HAND}|${TEXT_AT_HAND}[^.?!]{0,120}?${MAIN_POINTS}`],
    label: 'of a text at hand',
  },
  {
    taskType: 'summarization',
    weight: 2,
    patterns: [
      String.raw`\b(?:condense|shorten|abridge|distill|distil|compress|trim down|cut down|pare down)(?:s|ed|ing)?\b|\bdigest (?:this|these|the|that|it|them)\b|\bboil(?:s|ed|ing)?\b[^.?!\n]{0,40}\bdown\b`,
      String.raw`\b(?:turn|convert|make|rewrite|transform|reduce|cut|trim)\b[^.?!\n]{0,60}\b(?:into|to|down to)\b (?:a |an )?(?:short|shorter|brief|quick|concise|compact|one-paragraph|one-line|single|few)\b`,
      String.raw`\breduce (?:this|these|the following|that|my|our)\b[^.?!\n]{0,60}\bto\b`,
      String.raw`\b(?:quick|brief|short|high-level|one-line|one-sentence|two-sentence|bird's-eye|rough) (?:overview|rundown|run-down|version|account|description|explanation|outline) of (?:this|the|these|that|my|our|it)\b`,
      String.raw`\b(?:(?:do not|don't|didn't|did not|no) (?:have )?(?:the )?time to read|without (?:having to )?read(?:ing)?|too long to read|so (?:that )?I (?:do not|don't) have to read|(?:need|have) to read (?:it|this|the whole)|(?:the )?whole (?:thing|report|article|document|email|thread))\b`,
      String.raw`\bmake (?:it|this|the (?:text|article|email|message|paragraph)) (?:shorter|more concise|briefer)\b`,
      String.raw`\b(?:shorter|condensed|abridged|brief|concise) (?:version|form|overview|account)\b`,
      String.raw`\bwhat (?:is|was|'s) (?:this|the|that) (?:article|text|passage|paper|document|email|message|meeting|thread|video|transcript|report|chapter|book|story|episode|podcast|talk|lecture|study)(?: (?:below|above))? about\b`,
    ],
    label: 'asks to cut a text down',
  },
  {
    taskType: 'summarization',
    weight: 1,
    patterns: [
      String.raw`\b(?:in|into|to|using|within) (?:one|two|three|four|five|a few|a couple of|a single|\d+|under \d+|fewer than \d+|less than \d+|at most \d+|no more than \d+) (?:[\w-]+ ){0,2}?(?:sentences?|bullet(?: point)?s?|lines?|paragraphs?|words)\b`,
      String.raw`\b(?:overview|abstract|highlights|outline|digest|briefing) (?:of|for) (?:the|this|these|my|our|that)\b`,
      String.raw`\b(?:one|two|three|four|five|a few|\d+) (?:short |brief )?(?:bullet(?: point)?s|bullets)\b`,
    ],
    label: 'asks for something short about a text',
  },
  {
    taskType: 'summarization',
    weight: 1.5,
    patterns: [String.raw`\b(?:this|the|these|that) (?:very |rather |really |super )?(?:long|lengthy|wordy|dense|verbose|rambling)\b`],
    label: 'calls the text long',
  },
  {
    taskType: 'summarization',
    weight: 1,
    patterns: [String.raw`\b(?:the|this|these|my|our) (?:following |attached |above |below )?(?:article|passage|paper|document|report|transcript|meeting notes|notes|thread|minutes|chapters?|book|lecture|episode|email chain|release notes|changelog|press release|announcement|abstract|study)\b`],
    label: 'refers to a document',
  },

  // ---------------------------------------------------------------- question answering
  {
    taskType: 'question_answering',
    weight: 1,
    withinFirstChars: 40,
    patterns: [String.raw`^\W*(?:(?:so|ok|okay|hey|hi|please|quick question|question)[,:!]?\s+)?(?:what|what's|whats|who|who's|whom|whose|when|where|why|how|which|is|are|was|were|does|do|did|(?:can|could|would|will)(?! you| u\b)|should|has|have|explain|describe|define|tell me(?! (?:a|an) )|discuss|elaborate|clarify)\b`],
    label: 'opens as a question',
  },
  {
    taskType: 'question_answering',
    weight: 1.5,
    patterns: [String.raw`\b(?:explain(?! (?:your|the|my) (?:reasoning|answer|thinking|logic|steps|working|work)\b)|explains|explained|explaining|explanation|elaborate on|clarify|define|definition of|meaning of|teach me|help me understand|tell me (?:what|why|how|who|when|where)|what does it mean|in simple terms|in layman's terms|eli5)\b`],
    label: 'asks for an explanation',
  },
  {
    taskType: 'question_answering',
    weight: 1,
    patterns: [String.raw`\b(?:describe|discuss|outline|tell me about|shed light on|insights? into|overview of how|what do you know about)\b`],
    label: 'asks for a description',
  },
  {
    taskType: 'question_answering',
    weight: 1.5,
    patterns: [String.raw`\b(?:recommend|suggest|name|list|what are)\b (?:me )?(?:some |a few |several |the |\d+ |two |three |four |five |ten )?(?:good |great |famous |notable |well-known |classic |popular |best |essential |influential |reliable )+(?:books?|novels?|films?|movies?|documentar(?:y|ies)|podcasts?|courses?|resources?|articles?|papers?|websites?|examples?|places?|destinations?|restaurants?|tools?|albums?|artists?|authors?|thinkers?)\b|\b(?:recommend|suggest)\b (?:me )?(?:some |a few |\d+ |two |three |four |five |ten )?(?:books?|novels?|films?|movies?|documentar(?:y|ies)|podcasts?|courses?|resources?|websites?|places?|destinations?|restaurants?|albums?)\b`],
    label: 'asks for recommendations',
  },
  {
    taskType: 'question_answering',
    weight: 1,
    patterns: [
      String.raw`\b(?:difference between|differences between|compare and contrast|pros and cons|advantages and disadvantages|similarities and differences|how come|is it true that|the role of|the impact of|the effects? of|the causes? of|the history of|the origins? of|the significance of|the importance of|the purpose of|the principles? of|the concept of|the process of|the mechanism of|the relationship between)\b`,
    ],
    label: 'asks about a relationship, cause or concept',
  },
  {
    taskType: 'question_answering',
    weight: 0.5,
    structure: { minQuestions: 1 },
    label: 'has a question mark',
  },
  {
    taskType: 'question_answering',
    weight: 0.5,
    keywords: [
      'physics', 'chemistry', 'chemical', 'biology', 'biological', 'molecule', 'molecules', 'atom', 'atoms', 'cell', 'cells', 'dna', 'gene', 'genes', 'protein', 'enzyme', 'evolution', 'ecosystem', 'photosynthesis', 'gravity', 'quantum', 'thermodynamics', 'energy', 'electron', 'electrons', 'radiation', 'climate', 'geology', 'astronomy', 'planet', 'planets', 'vaccine', 'vaccines', 'immune', 'disease', 'medicine', 'medical', 'anatomy',
      'economics', 'economy', 'economic', 'inflation', 'gdp', 'interest rates', 'fiscal', 'monetary', 'market', 'markets', 'history', 'historical', 'century', 'war', 'empire', 'revolution', 'civilization', 'civilisation', 'philosophy', 'philosopher', 'ethics', 'ethical', 'morality', 'religion', 'culture', 'cultural', 'society', 'sociology', 'psychology', 'anthropology', 'linguistics', 'law', 'laws', 'legal', 'constitution', 'government', 'democracy', 'politics', 'political', 'policy', 'literature', 'art movement', 'theory', 'theorem', 'principle', 'principles', 'concept', 'concepts', 'phenomenon', 'science', 'scientific', 'scientists', 'research', 'engineering', 'technology',
    ],
    label: 'uses academic vocabulary',
  },

  // ---------------------------------------------------------------- reasoning
  {
    taskType: 'reasoning',
    weight: 3,
    patterns: [
      String.raw`\b(?:solve|solving|calculate|calculating|calculation|compute|work out|figure out how (?:many|much|long|far|old))\b`,
      String.raw`\b(?:prove|proof|disprove|deduce|deduction|derive)\b`,
      String.raw`\b(?:riddle|brain ?teaser|logic puzzle|puzzle|syllogism|odd one out|odd man out)\b|\bwhich (?:one|word|item|number|letter|shape|of these|of the following)\b[^.?!\n]{0,30}\b(?:does not|doesn't|does n't) (?:belong|fit)\b`,
    ],
    label: 'asks to solve, calculate or prove',
  },
  {
    taskType: 'reasoning',
    weight: 2,
    keywords: [
      'probability', 'probabilities', 'odds of', 'expected value', 'equation', 'equations', 'inequality', 'integer', 'integers', 'prime number', 'prime numbers', 'divisible', 'remainder', 'modulo', 'factorial', 'square root', 'cube root', 'derivative', 'integral', 'polynomial', 'quadratic', 'logarithm', 'arithmetic', 'algebra', 'geometry', 'trigonometry', 'perimeter', 'circumference', 'hypotenuse', 'angle', 'angles', 'triangle', 'rectangle', 'circle', 'radius', 'diameter', 'vertices', 'vertex', 'polygon', 'area of', 'volume of', 'ratio', 'fraction', 'average speed', 'km/h', 'mph', 'per hour', 'chance of', 'chances of', 'likelihood', 'coin', 'coins', 'dice', 'die is rolled', 'deck of cards', 'true, false, or uncertain', 'true, false or uncertain', 'true or false', 'must be true', 'logically', 'logical', 'contradiction', 'counterexample',
    ],
    label: 'uses mathematical or logical vocabulary',
  },
  {
    taskType: 'reasoning',
    weight: 2,
    patterns: [
      String.raw`\d\s+[-/]\s+\(?-?\d|\d\s*(?:[+*×÷^=<>]|\*\*)\s*\(?-?\d`,
      String.raw`\b[a-z]\s*(?:\^|\*\*)\s*\d`,
      String.raw`\b\d+\s*[a-z]\s*[-+=]\s*\d`,
      String.raw`\b[a-z]\s*=\s*-?\d+(?:\.\d+)?\b`,
      String.raw`\b[fgh]\s*\(\s*[a-z0-9]+\s*\)\s*=`,
      String.raw`√|∑|∫|π|≤|≥|≠`,
      String.raw`\d\s*(?:%|percent)\s*(?:of|off)\s+\$?\d|\b(?:by|of|at|to|is|was) \d+(?:\.\d+)?\s?%`,
    ],
    label: 'contains mathematical notation',
  },
  {
    taskType: 'reasoning',
    weight: 1,
    patterns: [String.raw`\bhow (?:many|much|long|far|old|fast|often)\b[^.?!\n]{0,120}\?`],
    label: 'asks how many or how much',
  },
  {
    // A quantity question about numbers given in the prompt is a word problem, not trivia.
    taskType: 'reasoning',
    weight: 1,
    patterns: [
      String.raw`\bhow (?:many|much|long|far|old|fast|often)\b[^.?!\n]{0,120}\d|\d[^.?!\n]{0,200}\bhow (?:many|much|long|far|old|fast|often)\b`,
      String.raw`\bpercent(?:age)?\b[^.?!\n]{0,120}\d|\d[^.?!\n]{0,120}\bpercent(?:age)?\b`,
      String.raw`\bwhat(?:'s|’s| is| was| are| will be) the (?:total|number|area|volume|speed|distance|minimum|maximum|smallest|largest|answer|result|difference|cost|price|time)\b[^.?!\n]{0,120}\d|\d[^.?!\n]{0,200}\bwhat(?:'s|’s| is| was| are| will be) the (?:total|number|area|volume|speed|distance|minimum|maximum|smallest|largest|answer|result|difference|cost|price|time)\b`,
    ],
    label: 'asks for a quantity from given numbers',
  },
  {
    taskType: 'reasoning',
    weight: 2,
    patterns: [
      String.raw`\bwhat(?:'s|’s| is| was| are| will be) the (?:value of|sum of|product of|probability|remainder|average of|mean of|median of|next (?:number|term|letter))\b`,
      String.raw`\b(?:find|determine) (?:the )?(?:value|values|sum|product|total|number|probability|area|volume|minimum|maximum|smallest|largest|x|y|n|all (?:values|solutions|integers|numbers))\b`,
      String.raw`\bnext (?:number|term|letter|item|shape) in (?:the|this) (?:sequence|series|pattern)\b`,
    ],
    label: 'asks for a quantity',
  },
  {
    taskType: 'reasoning',
    weight: 1.5,
    keywords: ['step by step', 'step-by-step', 'show your work', 'show your working', 'explain your reasoning', 'justify your answer', 'think it through', 'think carefully', 'reason through', 'reasoning', 'chain of thought', 'work through'],
    label: 'asks for step-by-step reasoning',
  },
  {
    taskType: 'reasoning',
    weight: 1,
    patterns: [
      String.raw`\b(?:all|some|no|every|each|none of the)\s+\w+\s+(?:are|is)\s+(?:\w+\s+)?\w+[,.;]`,
      String.raw`\bif\b[^.?!\n]{3,120}\b(?:then|must|can we conclude|does it follow|is it (?:true|possible))\b`,
      String.raw`\b(?:is|are) (?:the )?(?:father|mother|brother|sister|son|daughter|grandfather|grandmother|uncle|aunt|cousin|nephew|niece|parent|sibling|husband|wife) of\b`,
      String.raw`\b[a-z] (?:is|are|was) (?:the |a )?[\w-]+ (?:of|than|to) [a-z]\b`,
      String.raw`\b(?:[a-z]+er|more [a-z]+|fewer [a-z]+|less [a-z]+)(?: [a-z]+)? than\b[^?!\n]{0,120}?\b(?:[a-z]+er|more [a-z]+|fewer [a-z]+|less [a-z]+)(?: [a-z]+)? than\b`,
      String.raw`\b(?:therefore|thus|hence|it follows that|consequently|suppose that|assume that|given that)\b`,
      String.raw`\b(?:twice|three times|half) as (?:many|much|old|fast|long)\b`,
      String.raw`\bif\b[^.?!\n]{3,120},\s*(?:what|how|who|which|where|when|will|would|can|does|is)\b[^.!\n]*\?`,
      String.raw`\b\d+ (?:days|weeks|months|years|hours|minutes|seconds) (?:from now|later|earlier|ago|before|after|in total)\b`,
      String.raw`\b(?:sits?|sat|seated|stands?|standing|lives?|parked) (?:in a (?:row|line|circle)|next to|between|opposite|directly)\b|\b(?:immediately |directly )?(?:to the )?(?:left|right) of\b|\bto (?:his|her|their|your|my|its) (?:left|right)\b|\bat (?:either|each|one|the other) end\b`,
      String.raw`\b(?:who|which (?:one|person|box|door))\s+(?:could|must|can|cannot|can't|might) (?:be|have)\b|\bwhich of the following (?:must|could|can|cannot|is necessarily)\b`,
    ],
    label: 'has the shape of a logic or word problem',
  },
  {
    taskType: 'reasoning',
    weight: 1,
    patterns: [String.raw`\d+[^\d\n]{1,80}\d+[^\d\n]{1,80}\d`],
    structure: { maxChars: 1200 },
    label: 'works with several numbers',
  },

  // ---------------------------------------------------------------- coding
  {
    taskType: 'coding',
    weight: 3,
    patterns: [
      String.raw`\b(?:source ?code|code ?snippet|snippet|codebase|(?<!(?:postal|zip|post|dress|country|area|promo|discount|coupon|tax|penal|civil|moral|colou?r|access|bar|qr|reference|product|booking|confirmation|voucher|gift|security|verification|activation|airport|language) )code(?! of (?:conduct|practice|ethics))|coding|programs?|programming|programmatically|scripts? (?:in|that|to|which)|functions? (?:in|that|to|which|called|named)|implement(?:s|ed|ing|ation)?|algorithms?|debug(?:s|ged|ging)?|refactor(?:s|ed|ing)?|compil(?:e|es|ed|er|ing|ation)|unit tests?|test cases?|stack ?trace|traceback|exception|runtime error|syntax error|segfault|null pointer)\b`,
    ],
    label: 'asks about code',
  },
  {
    taskType: 'coding',
    weight: 3,
    keywords: [
      'python', 'javascript', 'typescript', 'c++', 'c#', 'golang', 'php', 'kotlin', 'haskell', 'clojure', 'matlab', 'sql', 'postgres', 'postgresql', 'mysql', 'sqlite', 'mongodb', 'html', 'css', 'bash', 'shell script', 'shell command', 'terminal command', 'one-liner', 'powershell', 'node.js', 'nodejs', 'django', 'spring boot', 'numpy', 'tensorflow', 'pytorch', 'docker', 'kubernetes', 'npm', 'json schema', 'regex', 'regexes', 'regular expression', 'regular expressions', 'rest api', 'graphql', 'pull request', 'linter', 'dependency injection', 'flexbox', 'css grid', 'jquery', 'webpack', 'next.js', 'express.js', 'jest', 'pytest', 'junit', 'dockerfile', 'makefile', 'dataframe', 'dataframes', 'segmentation fault', 'core dumped', 'memory leak', 'compile error', 'async/await', 'github actions', 'git', 'github', 'gitlab', 'git commit', 'rebase', 'merge conflict', 'groupby', 'vs code', 'vscode', 'xcode', 'android studio', 'excel formula', 'vba',
    ],
    label: 'names a programming language or tool',
  },
  {
    // Names that are also everyday words ("rust on my bike", "a swift reply", "react to").
    taskType: 'coding',
    weight: 1,
    keywords: [
      'java', 'rust', 'ruby', 'swift', 'scala', 'perl', 'lua', 'elixir', 'react', 'vue', 'angular', 'flask', 'pandas', 'rails', 'laravel', '.net', 'pip', 'api', 'apis', 'endpoint', 'cli', 'repository', 'div', 'dom', 'vite', 'tailwind', 'jenkins', 'terraform', 'aws lambda', 'linux', 'unix', 'cron', 'cron job', 'nginx', 'redis', 'kafka', 'elasticsearch', 'oauth', 'jwt', 'http request', 'stack overflow', 'yaml file', 'json file', 'csv file', 'env var', 'environment variable', 'build error', 'exit code', 'get request', 'post request', 'directory', 'command',
    ],
    label: 'names a programming tool with an everyday name',
  },
  {
    taskType: 'coding',
    weight: 1.5,
    patterns: [String.raw`\b(?:explain|what is|what are|what's|what does|difference between|differences between|how does|how do|how can|when should|why does|why is)\b[^.?!\n]{0,80}\b(?:in|with|using) (?:javascript|typescript|python|java|c\+\+|c#|go|golang|rust|ruby|php|swift|kotlin|scala|sql|bash|html|css|react|node(?:\.js)?)\b`],
    label: 'asks about a concept in a programming language',
  },
  {
    taskType: 'coding',
    weight: 2,
    // Only after "in"/"using"/"written in": "to go", "with r" and the like are everyday English.
    patterns: [String.raw`\b(?:in|using|written in) (?:c|go)(?![\w'&+#-])(?! (?:major|minor|sharp|flat))`],
    label: 'names a one-letter programming language',
  },
  {
    taskType: 'coding',
    weight: 2,
    keywords: [
      'variable', 'variables', 'loop', 'loops', 'for loop', 'while loop', 'recursion', 'recursive', 'linked list', 'binary tree', 'binary search', 'hash map', 'hashmap', 'hash table', 'data structure', 'data structures', 'time complexity', 'space complexity', 'big o', 'big-o', 'o(n)', 'o(1)', 'o(log n)', 'o(n log n)', 'o(n^2)', 'dynamic programming', 'memoization', 'binary heap', 'min-heap', 'max-heap', 'graph traversal', 'sorting algorithm', 'boolean', 'integer overflow', 'null pointer', 'async', 'await', 'callback', 'thread-safe', 'mutex', 'constructor', 'schema migration',
    ],
    label: 'uses programming vocabulary',
  },
  {
    taskType: 'coding',
    weight: 1,
    keywords: ['bug', 'bugs', 'array', 'arrays', 'library', 'framework', 'database', 'frontend', 'front-end', 'backend', 'back-end', 'deploy', 'deployment', 'server', 'app', 'website', 'web page', 'browser', 'terminal', 'command line', 'dependency', 'dependencies', 'version control', 'ci pipeline'],
    label: 'uses software vocabulary',
  },
  {
    taskType: 'coding',
    weight: 2,
    patterns: [
      String.raw`\bdef \w+\s*\(|\bfunction\s*\w*\s*\(|=>|\b(?:const|let|var) \w+\s*=|#include\b|\bpublic (?:static )?(?:void|class|int|string)\b|console\.log|System\.out|\bprintf?\(|\bimport \w+|\bfrom [\w.]+ import\b|\breturn [^.\n]*;|\b(?:if|for|while) ?\([^)]*\) ?\{|\bSELECT\b[\s\S]{1,200}\bFROM\b|</?[a-z][a-z0-9]*(?: [^>]*)?>|\b[a-z_][\w.]{2,}\([^()\n]{0,40}\)`,
      String.raw`\b(?:TypeError|ValueError|KeyError|IndexError|SyntaxError|ReferenceError|NullPointerException|AttributeError|ImportError|ModuleNotFoundError|RuntimeError|panic:)`,
    ],
    label: 'contains code or an error message',
  },
  {
    taskType: 'coding',
    weight: 1,
    patterns: [String.raw`[;{}]\s*\n[^\n]*[;{}]|\{[^{}\n]*;[^{}\n]*\}`],
    label: 'has code punctuation',
  },
  {
    taskType: 'coding',
    weight: 2,
    structure: { hasCodeBlock: true },
    label: 'has a code block',
  },

  // ---------------------------------------------------------------- creative generation
  {
    taskType: 'creative_generation',
    weight: 3,
    // Up to 40 characters between the verb and the form, none of them a preposition or pointer:
    // "write a short funny story" fires, "write an abstract for the article" does not. (A span,
    // rather than a repeated word group, keeps V8 from spending tens of milliseconds compiling it.)
    patterns: [String.raw`\b${GENERATE}\b(?:(?!\b(?:for|of|about|on|from|to|in|with|this|that|these|below|above)\b)[^.?!\n]){0,40}?\b${WRITTEN_FORM}\b`],
    label: 'asks to write something',
  },
  {
    taskType: 'creative_generation',
    weight: 2,
    patterns: [String.raw`\b(?:write|compose|pen|craft)\s+(?:me\s+)?(?:a|an)\s+(?:[\w'-]+\s+){0,3}?(?:about|on the theme of|celebrating|inspired by|in which|where)\b`],
    label: 'asks to write a piece about something',
  },
  {
    taskType: 'creative_generation',
    weight: 3,
    patterns: [
      String.raw`\b(?:pretend(?:ing)? (?:to be|you are|you're|yourself|that you)|act as (?:if|a|an|the|my)|(?:play|take on|assume|embrace|adopt|embody|step into) the (?:role|persona|character|part) of|embody|(?:picture|envision|see) yourself as|put yourself in the shoes of|role-?play|role play|in character|stay in character|speak like|talk like|as if you were|imagine (?:you are|you're|yourself as|yourself to be|that you are)|you are (?:now )?(?:a|an|the|my) (?!(?:helpful|friendly|smart|large|ai|language)\b)[\w-]+(?:\s[\w-]+){0,3}?(?:[.,!]|\s+(?:who|and|from|in|with|named|called))|from now on,? you are|your name is|let's play a game|let us play a game)`,
    ],
    label: 'sets up a role-play',
  },
  {
    taskType: 'creative_generation',
    weight: 3,
    patterns: [
      String.raw`\b(?:brainstorm(?:s|ed|ing)?|ideas? for|come up with|think of|name ideas|suggestions? for (?:a |the )?(?:name|title|slogan|theme|gift|party|event))\b`,
      String.raw`\b(?:suggest|give me|list|propose|generate|pitch)\s+(?:a |an |some |a few |several |two |three |four |five |six |seven |eight |nine |ten |twenty |\d+ )?(?:creative |fun |original |catchy |clever |unique |fresh |new |good |possible |cool |memorable )?(?:names?|titles?|ideas?|slogans?|taglines?|themes?|headlines?|hooks?|puns?|nicknames?|concepts?|plot twists?|story ideas?|prompts?)\b`,
    ],
    label: 'asks for ideas',
  },
  {
    taskType: 'creative_generation',
    weight: 2,
    patterns: [
      String.raw`\b(?:re-?write|re-?phrase|paraphrase|re-?word|proofread|polish|punch up|spice up|edit|revise|tweak)(?:s|ed|ing)?\b`,
      String.raw`\b(?:make|sound|sounds)\s+(?:it|this|that|the (?:text|email|message|paragraph|letter|post))?\s*(?:more|less) (?:formal|casual|friendly|professional|persuasive|polite|engaging|exciting|concise|fun|funny|playful|confident|upbeat|warm)\b`,
      String.raw`\b(?:correct|fix) (?:the |any |all |my )?(?:grammar|grammatical|spelling|punctuation|typos?)\b`,
      String.raw`\bin the (?:style|voice|tone|manner) of\b`,
    ],
    label: 'asks to rework writing',
  },
  {
    taskType: 'creative_generation',
    weight: 2,
    withinFirstChars: 60,
    patterns: [String.raw`^\W*(?:please |now |can you |could you )?(?:invent|make up|dream up|(?:design|create) (?:a|an) (?:fictional|imaginary|made-up))\b`],
    label: 'opens by asking to invent something',
  },
  {
    taskType: 'creative_generation',
    weight: 1,
    withinFirstChars: 60,
    patterns: [String.raw`^\W*(?:please |now |can you |could you )?(?:describe|depict|paint|portray|evoke) (?:a|an|your|my|what it)\b`],
    label: 'opens by asking to describe a scene',
  },
  {
    taskType: 'creative_generation',
    weight: 2,
    keywords: ['make up', 'made-up', 'dream up', 'backstory', 'backstories', 'worldbuilding', 'world-building', 'dungeons & dragons', 'd&d', 'tabletop', 'fan fiction', 'fanfic', 'poetic', 'lyrical', 'descriptive language', 'sensory', 'flowery', 'literary style', 'imaginative', 'fictional', 'fiction', 'creative', 'creatively', 'storytelling', 'narrative', 'narrator', 'protagonist', 'villain', 'hero', 'heroine', 'plot twist', 'vivid', 'whimsical', 'rhyme', 'rhyming', 'rhymes', 'stanza', 'metaphor', 'metaphors', 'simile', 'similes', 'alliteration'],
    label: 'uses creative-writing vocabulary',
  },
  {
    taskType: 'creative_generation',
    weight: 1,
    keywords: ['persuasive', 'catchy', 'engaging', 'heartfelt', 'witty', 'humorous', 'funny', 'playful', 'tone', 'audience', 'readers', 'captivating', 'compelling', 'inspiring', 'emotional', 'evocative', 'blog', 'story', 'poem', 'email', 'letter', 'speech', 'character', 'dialogue', 'headline', 'title', 'script', 'outline', 'draft', 'compose', 'write'],
    label: 'mentions writing',
  },
];

export const BUILT_IN_COMPLEXITY_RULES: readonly ComplexityRule[] = [
  { level: 'medium', weight: 1, structure: { minChars: 600 }, label: 'long prompt' },
  { level: 'high', weight: 0.5, structure: { minChars: 4000 }, label: 'very long prompt' },
  { level: 'medium', weight: 1, structure: { minQuestions: 2 }, label: 'several questions' },
  { level: 'high', weight: 0.5, structure: { minQuestions: 4 }, label: 'many questions' },
  {
    level: 'medium',
    weight: 1,
    // A literal newline first lets the regex engine skip ahead; a list rarely starts at the very first character.
    patterns: [String.raw`(?:\n[ \t]*(?:\d{1,2}[.)]|[-*•]|[a-z][.)])[ \t][^\n]*){3}`],
    label: 'lists several items or requirements',
  },
  {
    level: 'high',
    weight: 0.5,
    patterns: [String.raw`(?:\n[ \t]*(?:\d{1,2}[.)]|[-*•]|[a-z][.)])[ \t][^\n]*){6}`],
    label: 'lists many items or requirements',
  },
  {
    level: 'medium',
    weight: 1,
    patterns: [String.raw`\b(?:must|exactly|at least|at most|no more than|no fewer than|without|only|do not|don't|never|always|ensure|make sure|limit(?:ed)? to|under \d+|fewer than|less than)\b[\s\S]*?\b(?:must|exactly|at least|at most|no more than|no fewer than|without|only|do not|don't|never|always|ensure|make sure|limit(?:ed)? to|under \d+|fewer than|less than)\b[\s\S]*?\b(?:must|exactly|at least|at most|no more than|no fewer than|without|only|do not|don't|never|always|ensure|make sure|limit(?:ed)? to|under \d+|fewer than|less than)\b`],
    label: 'several constraints',
  },
  {
    level: 'medium',
    weight: 1,
    keywords: ['step by step', 'step-by-step', 'explain why', 'justify', 'reasoning', 'derive', 'analyze', 'analyse', 'analysis', 'evaluate', 'compare', 'contrast', 'trade-offs', 'tradeoffs', 'pros and cons', 'implications', 'critique', 'in detail', 'detailed', 'thoroughly'],
    label: 'asks for analysis',
  },
  {
    level: 'medium',
    weight: 1,
    patterns: [String.raw`\b(?:probability|equation|algorithm|implement|optimi[sz]e|recursion|proof|prove|puzzle|riddle)\b`],
    label: 'a problem to work out',
  },
  {
    level: 'high',
    weight: 1,
    keywords: ['rigorous', 'rigorously', 'formal proof', 'prove that', 'proof that', 'thread-safe', 'concurrency', 'concurrent', 'distributed system', 'distributed systems', 'system design', 'design a system', 'architecture', 'scalable', 'edge cases', 'optimal solution', 'in-depth', 'in depth', 'comprehensive', 'research paper', 'multi-step', 'dissertation'],
    label: 'demands rigour or depth',
  },
  {
    level: 'medium',
    weight: 0.5,
    patterns: [String.raw`\b(?:first(?:ly)?|to begin)\b[\s\S]{1,400}?\b(?:then|second(?:ly)?|next|after that|finally|lastly)\b`],
    label: 'several steps',
  },
  {
    level: 'medium',
    weight: 0.5,
    structure: { hasCodeBlock: true },
    label: 'includes code',
  },
];
